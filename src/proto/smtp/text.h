// Small byte-level helpers shared by the SMTP codec files. Internal to proto/smtp.
#pragma once

#include <string_view>

namespace postroom::smtp::detail {

inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool is_non_ascii(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}
inline bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
inline char to_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
inline int hex_value(char c) {
  if (is_digit(c)) {
    return c - '0';
  }
  return to_upper(c) - 'A' + 10;
}

// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);
// Case-insensitive ASCII prefix test.
bool istarts_with(std::string_view text, std::string_view prefix);

// True when text is well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool is_valid_utf8(std::string_view text);

bool has_non_ascii(std::string_view text);

// RFC 5322 atext, widened to any non-ASCII octet (RFC 6531 SMTPUTF8 addresses).
bool is_atext(char c);

}  // namespace postroom::smtp::detail
