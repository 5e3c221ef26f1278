#include "proto/smtp/xtext.h"

#include "proto/smtp/text.h"

namespace postroom::smtp {

std::optional<std::string> decode_xtext(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      if (text.size() - i < 3) {
        return std::nullopt;
      }
      if (!detail::is_hex(text[i + 1]) || !detail::is_hex(text[i + 2])) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(detail::hex_value(text[i + 1]) * 16 + detail::hex_value(text[i + 2])));
      i += 2;
      continue;
    }
    if (c < '!' || c > '~' || c == '=') {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

std::string encode_xtext(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c < '!' || c > '~' || c == '+' || c == '=') {
      out.push_back('+');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace postroom::smtp
