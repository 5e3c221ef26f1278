#include "mime/address.h"

#include "mime/text.h"

namespace postroom::mime {

namespace {

enum class TokenKind { atom, quoted, literal, special };

struct Token {
  TokenKind kind;
  std::string text;  // atom text; quoted: unescaped content; literal: "[...]"; special: the char
  std::string raw;   // as written (used for quoted local parts)
  bool space_before = false;
};

bool is_special(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case ':':
    case ';':
    case '@':
    case ',':
    case '"': return true;
    default: return false;
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct Tokens {
  std::vector<Token> tokens;
  // Last comment seen after each token index (for "a@b (Name)").
  std::vector<std::string> comment_after;
};

Tokens tokenize(std::string_view text) {
  Tokens out;
  std::string pending_comment;
  bool space = false;
  std::size_t i = 0;
  auto push = [&](Token token) {
    token.space_before = space;
    space = false;
    out.tokens.push_back(std::move(token));
    out.comment_after.emplace_back();
  };
  while (i < text.size()) {
    char c = text[i];
    if (is_space(c)) {
      space = true;
      ++i;
      continue;
    }
    if (c == '(') {
      // Comments nest; counted, not recursed.
      std::size_t depth = 0;
      std::string comment;
      while (i < text.size()) {
        char d = text[i];
        if (d == '\\' && i + 1 < text.size()) {
          if (depth > 0) {
            comment += text[i + 1];
          }
          i += 2;
          continue;
        }
        ++i;
        if (d == '(') {
          if (depth++ == 0) {
            continue;
          }
        } else if (d == ')') {
          if (--depth == 0) {
            break;
          }
        }
        comment += d;
      }
      if (!out.tokens.empty()) {
        out.comment_after.back() = unfold(comment);
      }
      space = true;
      continue;
    }
    if (c == '"') {
      Token token{TokenKind::quoted, "", "\"", false};
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) {
          token.raw += text[i];
          ++i;
        }
        if (text[i] != '\r' && text[i] != '\n') {
          token.text += text[i];
          token.raw += text[i];
        }
        ++i;
      }
      ++i;  // closing quote (or past the end)
      token.raw += '"';
      push(std::move(token));
      continue;
    }
    if (c == '[') {
      std::size_t end = text.find(']', i);
      end = (end == std::string_view::npos) ? text.size() : end + 1;
      std::string literal = unfold(text.substr(i, end - i));
      push(Token{TokenKind::literal, literal, literal, false});
      i = end;
      continue;
    }
    if (is_special(c)) {
      push(Token{TokenKind::special, std::string(1, c), std::string(1, c), false});
      ++i;
      continue;
    }
    std::size_t begin = i;
    while (i < text.size() && !is_space(text[i]) && !is_special(text[i])) {
      ++i;
    }
    std::string atom(text.substr(begin, i - begin));
    push(Token{TokenKind::atom, atom, atom, false});
  }
  return out;
}

class Parser {
 public:
  explicit Parser(Tokens tokens) : t_(std::move(tokens)) {}

  std::vector<Address> parse() {
    while (pos_ < t_.tokens.size()) {
      if (is(',') || is(';') || is('>') || is(')') || is(']')) {
        ++pos_;
        continue;
      }
      std::size_t before = pos_;
      parse_mailbox_or_group();
      if (pos_ == before) {
        ++pos_;  // never loop without progress
      }
    }
    return std::move(out_);
  }

 private:
  bool is(char c) const {
    return pos_ < t_.tokens.size() && t_.tokens[pos_].kind == TokenKind::special && t_.tokens[pos_].text[0] == c;
  }

  // Words up to the next special (except "." inside atoms, which is part of the atom).
  std::vector<std::size_t> collect_words() {
    std::vector<std::size_t> words;
    while (pos_ < t_.tokens.size() && t_.tokens[pos_].kind != TokenKind::special) {
      words.push_back(pos_++);
    }
    return words;
  }

  std::string phrase(const std::vector<std::size_t>& words) const {
    std::string out;
    for (std::size_t w : words) {
      if (!out.empty()) {
        out += ' ';
      }
      out += t_.tokens[w].text;
    }
    return out;
  }

  // Local part as written, without whitespace (obs-local-part allows CFWS around dots).
  std::string local_part(const std::vector<std::size_t>& words) const {
    std::string out;
    for (std::size_t w : words) {
      out += t_.tokens[w].raw;
    }
    return out;
  }

  std::string domain() {
    std::string out;
    while (pos_ < t_.tokens.size() && t_.tokens[pos_].kind != TokenKind::special) {
      if (!out.empty() && t_.tokens[pos_].space_before && out.back() != '.' && t_.tokens[pos_].text.front() != '.') {
        break;  // "a@b c@d": the domain ends at the space
      }
      out += t_.tokens[pos_].text;
      ++pos_;
    }
    return out;
  }

  std::string trailing_comment() const { return pos_ > 0 ? t_.comment_after[pos_ - 1] : std::string(); }

  void parse_mailbox_or_group() {
    std::vector<std::size_t> words = collect_words();
    if (is(':') && !in_group_) {
      ++pos_;
      Address start;
      start.kind = Address::Kind::group_start;
      start.mailbox = phrase(words);
      out_.push_back(std::move(start));
      in_group_ = true;
      while (pos_ < t_.tokens.size() && !is(';')) {
        if (is(',') || is('>') || is(':')) {
          ++pos_;
          continue;
        }
        std::size_t before = pos_;
        parse_mailbox_or_group();
        if (pos_ == before) {
          ++pos_;
        }
      }
      if (is(';')) {
        ++pos_;
      }
      in_group_ = false;
      Address end;
      end.kind = Address::Kind::group_end;
      out_.push_back(std::move(end));
      return;
    }
    if (is('<')) {
      ++pos_;
      Address address;
      address.name = phrase(words);
      parse_angle_addr(address);
      out_.push_back(std::move(address));
      return;
    }
    if (is('@')) {
      ++pos_;
      Address address;
      address.mailbox = local_part(words);
      address.host = domain();
      address.name = trailing_comment();
      // Junk before the next separator (e.g. a stray "<x>") belongs to nothing.
      out_.push_back(std::move(address));
      return;
    }
    if (!words.empty()) {
      Address address;
      address.mailbox = local_part(words);
      address.name = trailing_comment();
      out_.push_back(std::move(address));
    }
  }

  void parse_angle_addr(Address& address) {
    // obs-route: "@a,@b:" before the addr-spec.
    if (is('@')) {
      std::string route;
      while (is('@') || is(',')) {
        if (is(',')) {
          route += ',';
          ++pos_;
          continue;
        }
        ++pos_;
        route += '@';
        route += domain();
      }
      if (is(':')) {
        ++pos_;
        address.route = route;
      } else {
        // Not a route after all: "<@host>" — read it as an empty local part.
        address.host = route.empty() ? std::string() : route.substr(1);
        skip_to_close();
        return;
      }
    }
    std::vector<std::size_t> words = collect_words();
    address.mailbox = local_part(words);
    if (is('@')) {
      ++pos_;
      address.host = domain();
    }
    skip_to_close();
  }

  void skip_to_close() {
    while (pos_ < t_.tokens.size() && !is('>') && !is(',') && !is(';')) {
      ++pos_;
    }
    if (is('>')) {
      ++pos_;
    }
  }

  Tokens t_;
  std::size_t pos_ = 0;
  bool in_group_ = false;
  std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) {
  return Parser(tokenize(value)).parse();
}

}  // namespace postroom::mime
