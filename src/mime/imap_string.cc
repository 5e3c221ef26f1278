#include "mime/imap_string.h"

namespace postroom::mime {

namespace {
bool needs_literal(std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte == '\r' || byte == '\n' || byte >= 0x80) {
      return true;
    }
  }
  return false;
}
}  // namespace

void append_imap_string(std::string& out, std::string_view value) {
  if (needs_literal(value)) {
    std::size_t size = 0;
    for (char c : value) {
      size += (c != '\0') ? 1 : 0;
    }
    out += '{';
    out += std::to_string(size);
    out += "}\r\n";
    for (char c : value) {
      if (c != '\0') {
        out += c;
      }
    }
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '\0') {
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
}

void append_imap_nstring(std::string& out, const std::optional<std::string>& value) {
  if (!value) {
    out += "NIL";
    return;
  }
  append_imap_string(out, *value);
}

std::string imap_string(std::string_view value) {
  std::string out;
  append_imap_string(out, value);
  return out;
}

}  // namespace postroom::mime
