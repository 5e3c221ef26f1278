// Content-addressed, immutable message bodies on disk.
//
// Layout: <data_dir>/blobs/ab/cd/<hash> where <hash> is the lower-case hex SHA-256 of the
// bytes and ab, cd are its first two byte pairs (fan-out keeps directories small). Temp files
// live in <data_dir>/blobs/tmp/ with names unique per process and call, so several processes
// (daemon + CLI) can write the same blob at once: both renames install identical bytes.
//
// Durability protocol (DESIGN.md §3, Postfix queue files): store() writes a temp file,
// fsyncs it, renames it to its final name (atomic, so a reader never sees a partial body) and
// fsyncs the directory, all before any metadata names the blob. It runs in the calling
// thread, so concurrent appends fsync in parallel and the filesystem merges them into shared
// journal commits (measured faster than one writer fsyncing every directory of a batch in
// turn; see README.md).
//
// Deletion: only the group committer removes a blob, while holding the database write lock
// and after checking no row references it; see README.md "Blob GC".
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::store::sqlite {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

class BlobStore {
 public:
  explicit BlobStore(std::string data_dir);

  // Creates blobs/ and blobs/tmp/ (durably) if missing; removes temp files older than an hour
  // (left by a crash; younger ones may belong to another live process).
  Status init();

  std::string path_for(std::string_view hash) const;
  bool exists(std::string_view hash) const;

  // Makes the body durably present under its hash (dedup: an existing file is kept) and
  // returns the hash. ErrorKind::temporary on I/O failure, leaving no file under the final
  // name.
  Result<std::string> store(std::string_view bytes);

  // store() for many bodies at once (blob_batch.cc): returns each body's hash, in order,
  // with store()'s guarantee for every body (data durable before its final name exists, the
  // name durable before return). Identical bodies are written once. With many new bodies the
  // syncs are done for the whole batch (two syncfs instead of two fsyncs per body; see
  // blob_batch.cc). ErrorKind::temporary on I/O failure: before the renames it leaves no new
  // file; after (a rename or the last sync) files may stay under their final names,
  // unreferenced and harmless like crash leftovers.
  Result<std::vector<std::string>> store_many(const std::vector<std::string_view>& bodies);

  // Makes sure the blob is durably present, writing it now if it is missing. Used under the
  // write lock, where a GC (maybe in another process) might have removed a blob between
  // store() and the transaction that references it.
  Status ensure_durable(std::string_view hash, std::string_view bytes);

  Result<std::string> read(std::string_view hash, std::uint64_t expected_size) const;
  // Unlinks the file; a missing file is not an error.
  Status remove(std::string_view hash);

  std::uint64_t files_written() const { return files_written_.load(std::memory_order_relaxed); }
  std::uint64_t dir_fsyncs() const { return dir_fsyncs_.load(std::memory_order_relaxed); }

 private:
  std::string unique_temp_path(std::string_view hash);
  // Creates `dir` if missing; a new directory and its parent join `dirs_to_sync`.
  Status ensure_dir(const std::string& dir, std::set<std::string>& dirs_to_sync);
  Status sync_dirs(const std::set<std::string>& dirs);

  std::string blobs_dir_;
  std::string tmp_dir_;
  std::atomic<std::uint64_t> temp_counter_{0};
  std::atomic<std::uint64_t> files_written_{0};
  std::atomic<std::uint64_t> dir_fsyncs_{0};
};

}  // namespace postroom::store::sqlite
