#include "store/sqlite/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "base/log.h"
#include "store/sqlite/blob_files.h"

namespace postroom::store::sqlite {

Error io_error(std::string_view what, const std::string& path, int err) {
  std::string detail(what);
  detail += " ";
  detail += path;
  detail += ": ";
  detail += std::strerror(err);
  // ENOSPC, EIO, EDQUOT...: the caller answers "try again later" and nothing becomes visible.
  return make_error(ErrorKind::temporary, std::move(detail));
}

Status write_all(int fd, std::string_view bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return io_error("write", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return ok_status();
}

std::string parent_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

namespace {

// Crash leftovers younger than this may still belong to a live writer in another process.
constexpr std::time_t kTempMaxAgeSeconds = 3600;

Status fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return io_error("open for fsync", path, errno);
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return io_error("fsync", path, err);
  }
  return ok_status();
}

// Writes bytes to a new file at `path` and fsyncs it; on failure the file is removed.
Status write_new_file(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    return io_error("create", path, errno);
  }
  Status written = write_all(fd, bytes, path);
  if (written && ::fsync(fd) != 0) {
    written = io_error("fsync", path, errno);
  }
  if (::close(fd) != 0 && written) {
    written = io_error("close", path, errno);
  }
  if (!written) {
    ::unlink(path.c_str());
  }
  return written;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  int ok = EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  POSTROOM_CHECK(ok == 1 && length == 32, "EVP_Digest(SHA-256) failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

BlobStore::BlobStore(std::string data_dir) : blobs_dir_(data_dir + "/blobs"), tmp_dir_(data_dir + "/blobs/tmp") {}

Status BlobStore::init() {
  std::set<std::string> dirs;
  if (Status made = ensure_dir(blobs_dir_, dirs); !made) {
    return made;
  }
  if (Status made = ensure_dir(tmp_dir_, dirs); !made) {
    return made;
  }
  if (Status synced = sync_dirs(dirs); !synced) {
    return synced;
  }
  DIR* dir = ::opendir(tmp_dir_.c_str());
  if (dir == nullptr) {
    return io_error("opendir", tmp_dir_, errno);
  }
  std::time_t now = std::time(nullptr);
  while (dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') {
      continue;
    }
    std::string path = tmp_dir_ + "/" + entry->d_name;
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && now - info.st_mtime > kTempMaxAgeSeconds) {
      ::unlink(path.c_str());
      log::info("store.blob.temp_removed", {{"path", path}});
    }
  }
  ::closedir(dir);
  return ok_status();
}

std::string BlobStore::path_for(std::string_view hash) const {
  POSTROOM_CHECK(hash.size() == 64, "blob id is not a SHA-256 hex string");
  std::string path = blobs_dir_;
  path += '/';
  path.append(hash.substr(0, 2));
  path += '/';
  path.append(hash.substr(2, 2));
  path += '/';
  path.append(hash);
  return path;
}

bool BlobStore::exists(std::string_view hash) const {
  struct stat info {};
  return ::stat(path_for(hash).c_str(), &info) == 0;
}

std::string BlobStore::unique_temp_path(std::string_view hash) {
  std::string path = tmp_dir_;
  path += '/';
  path.append(hash);
  path += '.';
  path += std::to_string(::getpid());
  path += '.';
  path += std::to_string(temp_counter_.fetch_add(1, std::memory_order_relaxed));
  return path;
}

Status BlobStore::ensure_dir(const std::string& dir, std::set<std::string>& dirs_to_sync) {
  if (::mkdir(dir.c_str(), 0750) == 0) {
    // The new entry lives in the parent; the parent must reach the disk too.
    dirs_to_sync.insert(parent_of(dir));
    dirs_to_sync.insert(dir);
    return ok_status();
  }
  if (errno == EEXIST) {
    return ok_status();
  }
  return io_error("mkdir", dir, errno);
}

Result<std::string> BlobStore::store(std::string_view bytes) {
  std::string hash = sha256_hex(bytes);
  std::string final_path = path_for(hash);
  std::string leaf = parent_of(final_path);
  std::set<std::string> dirs;
  if (exists(hash)) {
    // Dedup. Its directory entry may not be durable yet if another process has renamed it
    // but not reached its own directory fsync; one fsync closes that gap.
    dirs.insert(leaf);
  } else {
    std::string temp_path = unique_temp_path(hash);
    if (Status written = write_new_file(temp_path, bytes); !written) {
      return written.error();
    }
    files_written_.fetch_add(1, std::memory_order_relaxed);
    Status placed = ensure_dir(parent_of(leaf), dirs);
    if (placed) {
      placed = ensure_dir(leaf, dirs);
    }
    // rename() atomically replaces an identical copy a concurrent writer may have installed.
    if (placed && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      placed = io_error("rename", temp_path, errno);
    }
    if (!placed) {
      ::unlink(temp_path.c_str());
      return placed.error();
    }
    dirs.insert(leaf);
  }
  if (Status synced = sync_dirs(dirs); !synced) {
    return synced.error();
  }
  return hash;
}

Status BlobStore::sync_dirs(const std::set<std::string>& dirs) {
  for (const std::string& dir : dirs) {
    dir_fsyncs_.fetch_add(1, std::memory_order_relaxed);
    if (Status synced = fsync_path(dir, O_RDONLY | O_DIRECTORY); !synced) {
      return synced;
    }
  }
  return ok_status();
}

Status BlobStore::ensure_durable(std::string_view hash, std::string_view bytes) {
  if (exists(hash)) {
    return ok_status();
  }
  // Rare path: removed by a GC since store(). Write it again, fully durable.
  auto stored = store(bytes);
  if (!stored) {
    return stored.error();
  }
  POSTROOM_CHECK(*stored == hash, "blob bytes do not match their id");
  return ok_status();
}

Result<std::string> BlobStore::read(std::string_view hash, std::uint64_t expected_size) const {
  std::string path = path_for(hash);
  // No access-time update: a blob is read first right after it is written, which relatime
  // would turn into an inode write per message. O_NOATIME needs the file's owner (the daemon
  // is; a CLI run as another user is not), so EPERM falls back to a plain open.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    // A referenced blob that is missing is damage, not a user error; log loudly.
    log::error("store.blob.missing", {{"blob", hash}, {"error", std::strerror(errno)}});
    return io_error("open", path, errno);
  }
  std::string bytes;
  bytes.resize(expected_size);
  std::size_t done = 0;
  while (done < expected_size) {
    ssize_t n = ::read(fd, bytes.data() + done, expected_size - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return io_error("read", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return bytes;
}

Status BlobStore::remove(std::string_view hash) {
  std::string path = path_for(hash);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io_error("unlink", path, errno);
  }
  return ok_status();
}

}  // namespace postroom::store::sqlite
