#include "mime/charset.h"

#include <cstdint>

#include "mime/text.h"

namespace postroom::mime {

namespace {

void append_code_point(std::string& out, std::uint32_t cp) {
  append_utf8(out, cp);
}

constexpr std::uint32_t kReplacement = 0xFFFD;

// Windows-1252 0x80..0x9F; 0 marks the five undefined positions.
constexpr std::uint16_t kCp1252High[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                           0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                           0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                           0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Length of the valid UTF-8 sequence at `s[i]`, or 0 when it is invalid (overlong,
// surrogate, above U+10FFFF or truncated).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    return 1;
  }
  std::size_t len = 0;
  std::uint32_t min = 0;
  std::uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

std::string_view base_charset_name(std::string_view charset) {
  // RFC 2231 §5: "charset*language" inside an encoded-word.
  auto star = charset.find('*');
  if (star != std::string_view::npos) {
    charset = charset.substr(0, star);
  }
  return trim_wsp(charset);
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) {
      append_code_point(out, kReplacement);
      ++i;
      continue;
    }
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}

std::optional<std::string> charset_to_utf8(std::string_view charset, std::string_view bytes) {
  std::string_view name = base_charset_name(charset);
  if (iequals(name, "utf-8") || iequals(name, "utf8")) {
    return sanitize_utf8(bytes);
  }
  if (iequals(name, "us-ascii") || iequals(name, "ascii") || iequals(name, "ansi_x3.4-1968")) {
    // 8-bit bytes in "ASCII" text are common; UTF-8 is the most useful reading, and
    // sanitize_utf8 keeps the result valid whatever they are.
    return sanitize_utf8(bytes);
  }
  bool latin1 = iequals(name, "iso-8859-1") || iequals(name, "iso8859-1") || iequals(name, "iso_8859-1") ||
                iequals(name, "latin1") || iequals(name, "l1");
  bool cp1252 = iequals(name, "windows-1252") || iequals(name, "cp1252") || iequals(name, "x-cp1252");
  if (!latin1 && !cp1252) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    // ISO-8859-1 is read as its superset Windows-1252 (as browsers do): mail labelled
    // Latin-1 that uses 0x80..0x9F almost always means curly quotes and the euro sign,
    // never C1 control characters.
    if (byte >= 0x80 && byte <= 0x9F) {
      std::uint16_t cp = kCp1252High[byte - 0x80];
      append_code_point(out, cp != 0 ? cp : kReplacement);
      continue;
    }
    append_code_point(out, byte);
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace postroom::mime
