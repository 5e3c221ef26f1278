// File helpers shared by BlobStore::store (blob_store.cc) and BlobStore::store_many
// (blob_batch.cc). Internal to store/sqlite.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace postroom::store::sqlite {

// An I/O failure as ErrorKind::temporary ("try again later"; nothing became visible).
Error io_error(std::string_view what, const std::string& path, int err);
// Writes all of `bytes` to fd (retrying EINTR and short writes).
Status write_all(int fd, std::string_view bytes, const std::string& path);
// The directory part of `path` ("." when it has none).
std::string parent_of(const std::string& path);

}  // namespace postroom::store::sqlite
