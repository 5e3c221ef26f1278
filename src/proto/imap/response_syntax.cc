#include "proto/imap/response_syntax.h"

#include <cstdint>

#include "proto/imap/reader.h"

namespace postroom::imap {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view t) : t_(t) {}

  bool run(std::string* why) {
    while (p_ < t_.size()) {
      if (!response()) {
        if (why != nullptr) {
          *why = error_ + " at offset " + std::to_string(p_);
        }
        return false;
      }
    }
    return true;
  }

 private:
  bool fail(const char* e) {
    error_ = e;
    return false;
  }
  char peek() const { return p_ < t_.size() ? t_[p_] : '\0'; }
  bool eat(char c) {
    if (peek() == c && p_ < t_.size()) {
      ++p_;
      return true;
    }
    return false;
  }
  bool crlf() { return (eat('\r') && eat('\n')) || fail("expected CRLF"); }

  // text up to CRLF: TEXT-CHARs (no CR, LF, NUL).
  bool text(bool allow_empty) {
    const std::size_t start = p_;
    while (p_ < t_.size() && t_[p_] != '\r' && t_[p_] != '\n') {
      if (t_[p_] == '\0') {
        return fail("NUL in text");
      }
      ++p_;
    }
    if (!allow_empty && p_ == start) {
      return fail("empty text");
    }
    return crlf();
  }

  bool resp_text() {
    if (eat('[')) {
      // resp-text-code: atom [SP 1*<any TEXT-CHAR except "]">].
      const std::size_t start = p_;
      while (p_ < t_.size() && detail::is_atom_char(static_cast<unsigned char>(t_[p_]))) {
        ++p_;
      }
      if (p_ == start) {
        return fail("empty response code");
      }
      if (eat(' ')) {
        // Any TEXT-CHAR except "]" (RFC 9051 resp-text-code catch-all).
        const std::size_t data_start = p_;
        while (p_ < t_.size() && t_[p_] != ']' && t_[p_] != '\r' && t_[p_] != '\n') {
          if (t_[p_] == '\0') {
            return fail("NUL in response code");
          }
          ++p_;
        }
        if (p_ == data_start) {
          return fail("empty response code data");
        }
      }
      if (!eat(']')) {
        return fail("unterminated response code");
      }
      if (!eat(' ')) {
        return fail("missing SP after response code");
      }
      return text(true);
    }
    return text(true);
  }

  bool quoted() {
    ++p_;
    while (p_ < t_.size()) {
      const char c = t_[p_++];
      if (c == '"') {
        return true;
      }
      if (c == '\\') {
        if (peek() != '"' && peek() != '\\') {
          return fail("bad escape in quoted");
        }
        ++p_;
        continue;
      }
      if (c == '\r' || c == '\n' || c == '\0') {
        return fail("control in quoted");
      }
    }
    return fail("unterminated quoted");
  }

  bool literal() {
    const bool binary = eat('~');
    if (!eat('{')) {
      return fail("expected {");
    }
    std::uint64_t n = 0;
    std::size_t digits = 0;
    while (peek() >= '0' && peek() <= '9' && p_ < t_.size()) {
      n = n * 10 + static_cast<std::uint64_t>(t_[p_++] - '0');
      if (++digits > 19) {
        return fail("literal size too long");
      }
    }
    if (digits == 0 || !eat('}') || !eat('\r') || !eat('\n')) {
      return fail("bad literal header");
    }
    if (t_.size() - p_ < n) {
      return fail("literal truncated");
    }
    if (!binary && t_.substr(p_, n).find('\0') != std::string_view::npos) {
      return fail("NUL in literal");
    }
    p_ += n;
    return true;
  }

  // An atom-like token; may contain a bracketed section with SP, parens and strings, and a
  // trailing <n> partial.
  bool atom_token() {
    const std::size_t start = p_;
    if (eat('\\')) {
      if (eat('*')) {
        return true;
      }
    }
    while (p_ < t_.size()) {
      const auto c = static_cast<unsigned char>(t_[p_]);
      if (c == '[') {
        ++p_;
        int depth = 0;
        while (p_ < t_.size() && !(t_[p_] == ']' && depth == 0)) {
          if (t_[p_] == '"') {
            if (!quoted()) {
              return false;
            }
            continue;
          }
          if (t_[p_] == '(') {
            ++depth;
          } else if (t_[p_] == ')') {
            if (--depth < 0) {
              return fail("unbalanced ) in section");
            }
          } else if (t_[p_] == '\r' || t_[p_] == '\n') {
            return fail("line end in section");
          }
          ++p_;
        }
        if (!eat(']')) {
          return fail("unterminated section");
        }
        continue;
      }
      if (c == '<' && p_ > start && t_[p_ - 1] == ']') {  // partial after a section
        ++p_;
        while (peek() >= '0' && peek() <= '9' && p_ < t_.size()) {
          ++p_;
        }
        if (!eat('>')) {
          return fail("bad partial");
        }
        continue;
      }
      if (detail::is_astring_char(c) && c != '[') {
        ++p_;
        continue;
      }
      break;
    }
    if (p_ == start) {
      return fail("unexpected character");
    }
    return true;
  }

  bool data_tokens() {
    int depth = 0;
    bool need_token = true;  // right after "* " or "(" or SP
    for (;;) {
      const char c = peek();
      if (p_ >= t_.size()) {
        return fail("unterminated response");
      }
      if (c == '\r') {
        if (depth != 0) {
          return fail("unbalanced parentheses");
        }
        if (need_token) {
          return fail("trailing space");
        }
        return crlf();
      }
      if (c == ')') {
        if (depth == 0) {
          return fail("unbalanced )");
        }
        if (need_token && t_[p_ - 1] == ' ') {
          return fail("space before )");
        }
        --depth;
        ++p_;
        need_token = false;
        continue;
      }
      if (c == ' ') {
        if (need_token) {
          return fail("double space");
        }
        ++p_;
        need_token = true;
        continue;
      }
      if (!need_token && t_[p_ - 1] != ')') {
        return fail("tokens not separated");
      }
      if (c == '(') {
        ++depth;
        ++p_;
        need_token = true;
        // "()" is a valid empty list.
        if (peek() == ')') {
          need_token = false;
        }
        continue;
      }
      if (c == '"') {
        if (!quoted()) {
          return false;
        }
      } else if (c == '{' || (c == '~' && p_ + 1 < t_.size() && t_[p_ + 1] == '{')) {
        if (!literal()) {
          return false;
        }
      } else if (!atom_token()) {
        return false;
      }
      need_token = false;
    }
  }

  bool response() {
    if (eat('+')) {
      if (!eat(' ')) {
        return fail("+ needs SP");
      }
      return text(true);
    }
    const bool untagged = eat('*');
    if (!untagged) {
      const std::size_t start = p_;
      while (p_ < t_.size() && detail::is_tag_char(static_cast<unsigned char>(t_[p_]))) {
        ++p_;
      }
      if (p_ == start) {
        return fail("missing tag");
      }
    }
    if (!eat(' ')) {
      return fail("missing SP after tag");
    }
    const std::size_t word_start = p_;
    while (p_ < t_.size() && t_[p_] >= 'A' && t_[p_] <= 'Z') {
      ++p_;
    }
    const std::string_view word = t_.substr(word_start, p_ - word_start);
    const bool cond =
        word == "OK" || word == "NO" || word == "BAD" || (untagged && (word == "BYE" || word == "PREAUTH"));
    if (cond) {
      if (!eat(' ')) {
        return fail("missing SP after condition");
      }
      return resp_text();
    }
    if (!untagged) {
      return fail("tagged response must be OK, NO or BAD");
    }
    p_ = word_start;
    return data_tokens();
  }

  std::string_view t_;
  std::size_t p_ = 0;
  std::string error_;
};

}  // namespace

bool check_response_syntax(std::string_view text, std::string* why) {
  return Checker(text).run(why);
}

}  // namespace postroom::imap
