#include "mime/encoded_word.h"

#include <optional>

#include "mime/charset.h"
#include "mime/text.h"
#include "mime/transfer_encoding.h"

namespace postroom::mime {

namespace {

struct EncodedWord {
  std::size_t length = 0;  // bytes of "=?...?=" in the input
  std::string_view charset;
  std::string bytes;  // decoded, still in `charset`
};

std::string decode_q(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') {
      out += ' ';  // RFC 2047 §4.2 (2)
      continue;
    }
    if (c == '=' && i + 2 < text.size()) {
      std::string decoded = decode_quoted_printable(text.substr(i, 3));
      if (decoded.size() == 1) {
        out += decoded;
        i += 2;
        continue;
      }
    }
    out += c;
  }
  return out;
}

// Parses an encoded-word starting at text[0] == '='; nullopt when there is none.
std::optional<EncodedWord> parse_encoded_word(std::string_view text) {
  if (text.size() < 8 || text[0] != '=' || text[1] != '?') {
    return std::nullopt;
  }
  std::size_t charset_end = text.find('?', 2);
  if (charset_end == std::string_view::npos || charset_end == 2 || charset_end + 3 > text.size()) {
    return std::nullopt;
  }
  char encoding = text[charset_end + 1];
  if (text[charset_end + 2] != '?') {
    return std::nullopt;
  }
  std::size_t payload_begin = charset_end + 3;
  std::size_t payload_end = text.find("?=", payload_begin);
  if (payload_end == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view charset = text.substr(2, charset_end - 2);
  std::string_view payload = text.substr(payload_begin, payload_end - payload_begin);
  for (char c : charset) {
    if (is_wsp(c) || c == '=' || static_cast<unsigned char>(c) < 0x21) {
      return std::nullopt;
    }
  }
  for (char c : payload) {
    // An encoded-word never contains whitespace (RFC 2047 §2); seeing one means this
    // "=?" was not the start of an encoded-word.
    if (is_wsp(c)) {
      return std::nullopt;
    }
  }
  EncodedWord word;
  word.length = payload_end + 2;
  word.charset = charset;
  if (encoding == 'B' || encoding == 'b') {
    word.bytes = decode_base64(payload);
  } else if (encoding == 'Q' || encoding == 'q') {
    word.bytes = decode_q(payload);
  } else {
    return std::nullopt;
  }
  return word;
}

// Like charset_to_utf8, but an unknown charset whose decoded bytes are all ASCII is still
// usable: nearly every mail charset is an ASCII superset (RFC 2047 §8's ISO-8859-2 "_b").
// The UTF-16/32 and UTF-7 families are not, so they stay unknown.
std::optional<std::string> convert(std::string_view charset, std::string_view bytes) {
  std::optional<std::string> known = charset_to_utf8(charset, bytes);
  if (known) {
    return known;
  }
  std::string lower = to_lower_ascii(charset);
  if (lower.starts_with("utf-16") || lower.starts_with("utf-32") || lower.starts_with("utf-7") ||
      lower.starts_with("ucs")) {
    return std::nullopt;
  }
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') {
      return std::nullopt;
    }
  }
  return std::string(bytes);
}

}  // namespace

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  std::string plain;      // undecoded text since the last encoded-word
  std::string run_bytes;  // bytes of adjacent encoded-words in run_charset
  std::string run_charset;
  bool after_word = false;  // the last thing seen was an encoded-word (plus whitespace)

  auto flush_run = [&]() {
    if (!run_charset.empty() || !run_bytes.empty()) {
      // Every word in the run converted alone, so the joined bytes convert too.
      out += convert(run_charset, run_bytes).value_or(std::string());
      run_bytes.clear();
      run_charset.clear();
    }
  };
  auto flush_plain = [&]() {
    out += sanitize_utf8(plain);
    plain.clear();
  };

  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?') {
      std::optional<EncodedWord> word = parse_encoded_word(text.substr(i));
      if (word && convert(word->charset, word->bytes).has_value()) {
        bool only_space_between = after_word;
        for (char c : plain) {
          only_space_between = only_space_between && is_wsp(c);
        }
        if (only_space_between) {
          plain.clear();  // RFC 2047 §6.2: whitespace between encoded-words is dropped
        }
        std::string charset = to_lower_ascii(word->charset);
        if (!plain.empty() || charset != run_charset) {
          flush_run();
          flush_plain();
        }
        run_charset = charset;
        run_bytes += word->bytes;
        after_word = true;
        i += word->length;
        continue;
      }
      if (word) {
        // Unknown charset with 8-bit content: keep the encoded-word as written.
        flush_run();
        plain.append(text.substr(i, word->length));
        after_word = false;
        i += word->length;
        continue;
      }
    }
    if (!is_wsp(text[i])) {
      if (after_word) {
        flush_run();
      }
      after_word = false;
    }
    plain += text[i];
    ++i;
  }
  flush_run();
  flush_plain();
  return out;
}

}  // namespace postroom::mime
