// Charset conversion to UTF-8 for header decoding (RFC 2047 encoded-words, RFC 2231
// parameter values). Only the charsets that dominate real mail are built in; this is not a
// general iconv. Contract: output is always valid UTF-8 (invalid input becomes U+FFFD).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::mime {

// Converts `bytes` in `charset` (case-insensitive; an RFC 2231 "*lang" suffix is ignored)
// to UTF-8. Known: UTF-8, US-ASCII, ISO-8859-1 (Latin-1), Windows-1252. nullopt when the
// charset is unknown, so callers can keep the original text instead of guessing.
std::optional<std::string> charset_to_utf8(std::string_view charset, std::string_view bytes);

bool is_valid_utf8(std::string_view bytes);

// Appends the UTF-8 encoding of code point `cp` (at most U+10FFFF) to `out`.
void append_utf8(std::string& out, std::uint32_t cp);

// Returns `bytes` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view bytes);

}  // namespace postroom::mime
