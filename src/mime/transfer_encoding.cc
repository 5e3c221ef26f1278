#include "mime/transfer_encoding.h"

#include "mime/text.h"

namespace postroom::mime {

namespace {

// Longest run of spaces/tabs the quoted-printable decoder holds back while it waits to see
// whether the run ends the line (and must be dropped). A line of encoded text is at most 76
// characters (RFC 2045 §6.7 rule 5); beyond 998 (RFC 5322 line limit) the run is emitted as
// data, which stops a gigabyte of spaces from being buffered.
constexpr std::size_t kMaxPendingWhitespace = 998;

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
  if (c == '/') {
    return 63;
  }
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    // RFC 2045 requires upper case but asks decoders to accept lower case.
    return c - 'a' + 10;
  }
  return -1;
}

}  // namespace

std::string Base64Decoder::feed(std::string_view input) {
  std::string out;
  out.reserve(input.size() / 4 * 3 + 3);
  for (char c : input) {
    if (c == '=') {
      // Padding ends the current group: flush what it completed, so that concatenated
      // encodings ("QQ==QQ==") decode group by group.
      if (sextets_ == 2) {
        out += static_cast<char>((bits_ >> 4) & 0xFF);
      } else if (sextets_ == 3) {
        out += static_cast<char>((bits_ >> 10) & 0xFF);
        out += static_cast<char>((bits_ >> 2) & 0xFF);
      } else if (sextets_ == 1) {
        saw_garbage_ = true;
      }
      bits_ = 0;
      sextets_ = 0;
      continue;
    }
    int v = base64_value(c);
    if (v < 0) {
      if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
        saw_garbage_ = true;
      }
      continue;
    }
    bits_ = (bits_ << 6) | static_cast<std::uint32_t>(v);
    if (++sextets_ == 4) {
      out += static_cast<char>((bits_ >> 16) & 0xFF);
      out += static_cast<char>((bits_ >> 8) & 0xFF);
      out += static_cast<char>(bits_ & 0xFF);
      bits_ = 0;
      sextets_ = 0;
    }
  }
  return out;
}

std::string Base64Decoder::finish() {
  // An unpadded tail decodes as if it were padded.
  std::string out = feed("=");
  return out;
}

std::string QuotedPrintableDecoder::feed(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  std::size_t i = 0;
  while (i < input.size()) {
    char c = input[i];
    switch (state_) {
      case State::equals: {
        if (hex_value(c) >= 0) {
          first_hex_ = c;
          state_ = State::equals_hex;
          ++i;
        } else if (c == '\r') {
          state_ = State::equals_cr;
          ++i;
        } else if (c == '\n') {
          state_ = State::text;  // soft line break with a bare LF
          ++i;
        } else if (is_wsp(c)) {
          // "=" followed by transport padding before the line break is still a soft break.
          pending_space_.assign(1, c);
          state_ = State::equals_space;
          ++i;
        } else {
          out += '=';  // malformed: keep it literally, re-read c as text
          state_ = State::text;
        }
        break;
      }
      case State::equals_hex: {
        int low = hex_value(c);
        if (low >= 0) {
          out += static_cast<char>(hex_value(first_hex_) * 16 + low);
          ++i;
        } else {
          out += '=';
          out += first_hex_;
        }
        state_ = State::text;
        break;
      }
      case State::equals_cr: {
        if (c == '\n') {
          ++i;
        }
        state_ = State::text;
        break;
      }
      case State::equals_space: {
        if (is_wsp(c) && pending_space_.size() < kMaxPendingWhitespace) {
          pending_space_ += c;
          ++i;
        } else if (c == '\r') {
          pending_space_.clear();
          state_ = State::equals_cr;
          ++i;
        } else if (c == '\n') {
          pending_space_.clear();
          state_ = State::text;
          ++i;
        } else {
          out += '=';
          out += pending_space_;
          pending_space_.clear();
          state_ = State::text;
        }
        break;
      }
      case State::text: {
        if (is_wsp(c)) {
          if (pending_space_.size() >= kMaxPendingWhitespace) {
            out += pending_space_;
            pending_space_.clear();
          }
          pending_space_ += c;
        } else if (c == '\r' || c == '\n') {
          pending_space_.clear();  // rule 3: trailing whitespace is transport padding
          out += c;
        } else if (c == '=') {
          out += pending_space_;
          pending_space_.clear();
          state_ = State::equals;
        } else {
          out += pending_space_;
          pending_space_.clear();
          out += c;
        }
        ++i;
        break;
      }
    }
  }
  return out;
}

std::string QuotedPrintableDecoder::finish() {
  std::string out;
  switch (state_) {
    case State::equals: out += '='; break;
    case State::equals_hex:
      out += '=';
      out += first_hex_;
      break;
    case State::equals_cr:
    case State::equals_space:
    case State::text: break;  // soft break at the end, or trailing whitespace: both dropped
  }
  pending_space_.clear();
  state_ = State::text;
  return out;
}

std::string decode_base64(std::string_view input) {
  Base64Decoder decoder;
  std::string out = decoder.feed(input);
  out += decoder.finish();
  return out;
}

std::string decode_quoted_printable(std::string_view input) {
  QuotedPrintableDecoder decoder;
  std::string out = decoder.feed(input);
  out += decoder.finish();
  return out;
}

std::string decode_transfer_encoding(std::string_view encoding, std::string_view body) {
  std::string_view name = trim_wsp(encoding);
  if (iequals(name, "base64")) {
    return decode_base64(body);
  }
  if (iequals(name, "quoted-printable")) {
    return decode_quoted_printable(body);
  }
  return std::string(body);
}

}  // namespace postroom::mime
