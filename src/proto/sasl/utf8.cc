#include "proto/sasl/utf8.h"

namespace postroom::sasl {

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char lo = 0x80;  // allowed range of the second byte (RFC 3629 §4)
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) {
        lo = 0xA0;  // overlong
      } else if (c == 0xED) {
        hi = 0x9F;  // surrogates
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) {
        lo = 0x90;  // overlong
      } else if (c == 0xF4) {
        hi = 0x8F;  // above U+10FFFF
      }
    } else {
      return false;  // continuation byte first, C0/C1 overlong, or F5..FF
    }
    if (i + length > text.size()) {
      return false;
    }
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < lo || second > hi) {
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < 0x80 || next > 0xBF) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

}  // namespace postroom::sasl
