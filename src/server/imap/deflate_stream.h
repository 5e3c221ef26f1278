// COMPRESS=DEFLATE (RFC 4978): raw deflate streams (RFC 1951) in both directions of one
// connection. Every response flush ends with Z_SYNC_FLUSH so the client can read it at once.
#pragma once

#include <string>
#include <string_view>

#include <zlib.h>

namespace postroom::server::imap {

class DeflateStream {
 public:
  DeflateStream();
  ~DeflateStream();
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;

  bool ok() const { return ok_; }
  // Appends the inflated form of `in` to `out`; false on corrupt input.
  bool decompress(std::string_view in, std::string& out);
  std::string compress(std::string_view in);

 private:
  z_stream inflate_{};
  z_stream deflate_{};
  bool ok_ = false;
};

}  // namespace postroom::server::imap
