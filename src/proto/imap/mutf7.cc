#include "proto/imap/mutf7.h"

#include <cstdint>
#include <vector>

namespace postroom::imap {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == ',') {
    return 63;
  }
  return -1;
}

bool is_direct(unsigned char c) {
  return c >= 0x20 && c <= 0x7e && c != '&';
}

// Decodes one UTF-8 sequence at text[i]; returns the code point and advances i, or -1.
std::int32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > text.size()) {
    return -1;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return -1;
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

void flush_base64(std::string& out, const std::vector<std::uint16_t>& units) {
  std::uint32_t bits = 0;
  int nbits = 0;
  out += '&';
  for (std::uint16_t u : units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += kAlphabet[(bits >> nbits) & 0x3f];
    }
  }
  if (nbits > 0) {
    out += kAlphabet[(bits << (6 - nbits)) & 0x3f];
  }
  out += '-';
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (next_code_point(bytes, i) < 0) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> mutf7_encode(std::string_view utf8) {
  std::string out;
  std::vector<std::uint16_t> units;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (is_direct(c)) {
      if (!units.empty()) {
        flush_base64(out, units);
        units.clear();
      }
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c == '&') {
      if (!units.empty()) {
        flush_base64(out, units);
        units.clear();
      }
      out += "&-";
      ++i;
      continue;
    }
    const std::int32_t cp = next_code_point(utf8, i);
    if (cp < 0) {
      return std::nullopt;
    }
    if (cp >= 0x10000) {
      const std::uint32_t v = static_cast<std::uint32_t>(cp) - 0x10000;
      units.push_back(static_cast<std::uint16_t>(0xd800 | (v >> 10)));
      units.push_back(static_cast<std::uint16_t>(0xdc00 | (v & 0x3ff)));
    } else {
      units.push_back(static_cast<std::uint16_t>(cp));
    }
  }
  if (!units.empty()) {
    flush_base64(out, units);
  }
  return out;
}

std::optional<std::string> mutf7_decode(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  bool previous_was_shift = false;  // the last thing decoded was a base64 run
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e) {
      return std::nullopt;
    }
    if (c != '&') {
      out += static_cast<char>(c);
      ++i;
      previous_was_shift = false;
      continue;
    }
    // Shift sequence.
    const std::size_t end = text.find('-', i + 1);
    if (end == std::string_view::npos) {
      return std::nullopt;
    }
    if (end == i + 1) {  // "&-"
      out += '&';
      i = end + 1;
      previous_was_shift = false;
      continue;
    }
    if (previous_was_shift) {
      return std::nullopt;  // "&AGE-&AGI-" must be one run
    }
    std::uint32_t bits = 0;
    int nbits = 0;
    std::uint32_t high_surrogate = 0;
    bool any = false;
    for (std::size_t k = i + 1; k < end; ++k) {
      const int v = base64_value(text[k]);
      if (v < 0) {
        return std::nullopt;
      }
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        const std::uint32_t unit = (bits >> nbits) & 0xffff;
        bits &= (1u << nbits) - 1;
        any = true;
        if (high_surrogate != 0) {
          if (unit < 0xdc00 || unit > 0xdfff) {
            return std::nullopt;
          }
          append_utf8(out, 0x10000 + ((high_surrogate - 0xd800) << 10) + (unit - 0xdc00));
          high_surrogate = 0;
        } else if (unit >= 0xd800 && unit <= 0xdbff) {
          high_surrogate = unit;
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          return std::nullopt;
        } else if (unit >= 0x20 && unit <= 0x7e) {
          return std::nullopt;  // printable ASCII must represent itself
        } else if (unit == 0) {
          return std::nullopt;
        } else {
          append_utf8(out, unit);
        }
      }
    }
    // Leftover: fewer than 6 bits, all zero (RFC 2152 padding).
    if (!any || high_surrogate != 0 || nbits >= 6 || bits != 0) {
      return std::nullopt;
    }
    i = end + 1;
    previous_was_shift = true;
  }
  return out;
}

}  // namespace postroom::imap
