#include "server/imap/deflate_stream.h"

namespace postroom::server::imap {

DeflateStream::DeflateStream() {
  ok_ = inflateInit2(&inflate_, -15) == Z_OK &&
        deflateInit2(&deflate_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

DeflateStream::~DeflateStream() {
  inflateEnd(&inflate_);
  deflateEnd(&deflate_);
}

bool DeflateStream::decompress(std::string_view in, std::string& out) {
  inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  inflate_.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  do {
    inflate_.next_out = reinterpret_cast<Bytef*>(chunk);
    inflate_.avail_out = sizeof chunk;
    int rc = ::inflate(&inflate_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
      return false;
    }
    out.append(chunk, sizeof chunk - inflate_.avail_out);
    // Bound what one read can expand to: a decompression bomb must not exhaust memory.
    if (out.size() > 64 * 1024 * 1024) {
      return false;
    }
  } while (inflate_.avail_out == 0);
  return true;
}

std::string DeflateStream::compress(std::string_view in) {
  std::string out;
  deflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  deflate_.avail_in = static_cast<uInt>(in.size());
  char chunk[16384];
  do {
    deflate_.next_out = reinterpret_cast<Bytef*>(chunk);
    deflate_.avail_out = sizeof chunk;
    ::deflate(&deflate_, Z_SYNC_FLUSH);
    out.append(chunk, sizeof chunk - deflate_.avail_out);
  } while (deflate_.avail_out == 0);
  return out;
}

}  // namespace postroom::server::imap
