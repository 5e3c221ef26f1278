#include "mime/content_type.h"

#include <algorithm>
#include <map>

#include "mime/charset.h"
#include "mime/encoded_word.h"
#include "mime/text.h"

namespace postroom::mime {

namespace {

// RFC 2231 section numbers above this are ignored: real continuations have tens of
// sections; this stops "name*99999999999=" from being treated as a sort key overflow.
constexpr unsigned kMaxSection = 9999;

bool is_tspecial(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=': return true;
    default: return false;
  }
}

bool is_token_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte != 0x7F && !is_tspecial(c);
}

// A cursor over a header value that skips folding whitespace and comments.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  bool at_end() {
    skip_cfws();
    return pos_ >= text_.size();
  }
  char peek() {
    skip_cfws();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  void advance() { ++pos_; }

  std::string token() {
    skip_cfws();
    std::size_t begin = pos_;
    while (pos_ < text_.size() && is_token_char(text_[pos_])) {
      ++pos_;
    }
    return std::string(text_.substr(begin, pos_ - begin));
  }

  // A parameter value: quoted-string, or (leniently) everything up to the next ";".
  std::string value(bool& was_quoted) {
    skip_cfws();
    was_quoted = false;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      was_quoted = true;
      ++pos_;
      std::string out;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
          ++pos_;
        }
        if (text_[pos_] != '\r' && text_[pos_] != '\n') {
          out += text_[pos_];
        }
        ++pos_;
      }
      if (pos_ < text_.size()) {
        ++pos_;  // closing quote; a missing one just ends the value
      }
      return out;
    }
    std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != ';') {
      ++pos_;
    }
    return unfold(text_.substr(begin, pos_ - begin));
  }

  // Skips to just after the next ";" (or to the end).
  void skip_past_semicolon() {
    while (pos_ < text_.size() && text_[pos_] != ';') {
      if (text_[pos_] == '"') {
        ++pos_;
        while (pos_ < text_.size() && text_[pos_] != '"') {
          pos_ += (text_[pos_] == '\\') ? 2 : 1;
        }
      }
      ++pos_;
    }
    pos_ = std::min(pos_ + 1, text_.size());
  }

 private:
  void skip_cfws() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
        continue;
      }
      if (c != '(') {
        return;
      }
      // Comments nest (RFC 5322 §3.2.2); a counter, not recursion, so depth is free.
      std::size_t depth = 0;
      while (pos_ < text_.size()) {
        char d = text_[pos_];
        if (d == '\\') {
          pos_ += 2;
          continue;
        }
        ++pos_;
        if (d == '(') {
          ++depth;
        } else if (d == ')' && --depth == 0) {
          break;
        }
      }
      // A trailing backslash may have stepped past the end; keep the cursor in range.
      pos_ = std::min(pos_, text_.size());
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_digit(text[i + 1]);
      int lo = hex_digit(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Percent-encodes what RFC 2231 does not allow raw in an extended value, so that plain
// continuation sections can be joined to encoded ones.
std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (is_token_char(c) && c != '*' && c != '\'' && c != '%') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

struct RawParam {
  std::string base;  // lower-case name without suffix
  bool has_section = false;
  unsigned section = 0;
  bool encoded = false;  // trailing "*"
  std::string value;
};

RawParam split_name(std::string name, std::string value) {
  RawParam raw;
  raw.value = std::move(value);
  name = to_lower_ascii(name);
  if (!name.empty() && name.back() == '*') {
    raw.encoded = true;
    name.pop_back();
  }
  auto star = name.find('*');
  if (star != std::string::npos) {
    std::string_view digits = std::string_view(name).substr(star + 1);
    bool numeric =
        !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric) {
      raw.has_section = true;
      raw.section = digits.size() <= 4 ? static_cast<unsigned>(std::stoul(std::string(digits))) : kMaxSection + 1;
      name.resize(star);
    }
  }
  raw.base = std::move(name);
  return raw;
}

Param merge_sections(std::vector<RawParam>& sections) {
  std::stable_sort(sections.begin(), sections.end(),
                   [](const RawParam& a, const RawParam& b) { return a.section < b.section; });
  Param param;
  param.name = sections.front().base;
  param.extended = std::any_of(sections.begin(), sections.end(), [](const RawParam& s) { return s.encoded; });
  if (!param.extended) {
    for (const RawParam& s : sections) {
      param.value += s.value;
    }
    param.decoded = decode_encoded_words(param.value);
    return param;
  }
  // RFC 2231 §4: only the first section carries charset'language'.
  std::string encoded;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const RawParam& s = sections[i];
    std::string_view text = s.value;
    if (i == 0 && s.encoded) {
      auto q1 = text.find('\'');
      auto q2 = q1 == std::string_view::npos ? q1 : text.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        param.charset = std::string(text.substr(0, q1));
        param.language = std::string(text.substr(q1 + 1, q2 - q1 - 1));
        text.remove_prefix(q2 + 1);
      }
    }
    encoded += s.encoded ? std::string(text) : percent_encode(text);
  }
  param.value = param.charset + "'" + param.language + "'" + encoded;
  std::string bytes = percent_decode(encoded);
  if (param.charset.empty()) {
    param.decoded = sanitize_utf8(bytes);
  } else {
    param.decoded = charset_to_utf8(param.charset, bytes).value_or(bytes);
  }
  return param;
}

}  // namespace

std::vector<Param> parse_parameters(std::string_view text) {
  Lexer lexer(text);
  std::vector<std::string> order;                       // first-seen order of base names
  std::map<std::string, std::vector<RawParam>> groups;  // base name -> sections
  std::map<std::string, bool> has_plain;
  while (!lexer.at_end()) {
    if (lexer.peek() == ';') {
      lexer.advance();
      continue;
    }
    std::string name = lexer.token();
    if (name.empty() || lexer.peek() != '=') {
      lexer.skip_past_semicolon();  // garbage or a value-less attribute
      continue;
    }
    lexer.advance();
    bool quoted = false;
    std::string value = lexer.value(quoted);
    lexer.skip_past_semicolon();
    RawParam raw = split_name(std::move(name), std::move(value));
    if (raw.has_section && raw.section > kMaxSection) {
      continue;
    }
    auto& sections = groups[raw.base];
    if (sections.empty()) {
      order.push_back(raw.base);
    }
    bool plain = !raw.has_section;
    if (plain) {
      // "name" or "name*" alone: the first one wins over duplicates and continuations.
      if (has_plain[raw.base]) {
        continue;
      }
      has_plain[raw.base] = true;
      sections.clear();
      sections.push_back(std::move(raw));
      continue;
    }
    if (has_plain[raw.base]) {
      continue;
    }
    bool duplicate =
        std::any_of(sections.begin(), sections.end(), [&](const RawParam& s) { return s.section == raw.section; });
    if (!duplicate) {
      sections.push_back(std::move(raw));
    }
  }
  std::vector<Param> params;
  params.reserve(order.size());
  for (const std::string& base : order) {
    params.push_back(merge_sections(groups[base]));
  }
  return params;
}

ContentType parse_content_type(std::string_view raw) {
  ContentType result;
  Lexer lexer(raw);
  std::string type = lexer.token();
  if (type.empty() || lexer.peek() != '/') {
    return result;
  }
  lexer.advance();
  std::string subtype = lexer.token();
  if (subtype.empty()) {
    return result;
  }
  result.type = to_lower_ascii(type);
  result.subtype = to_lower_ascii(subtype);
  std::size_t semicolon = raw.find(';');
  if (semicolon != std::string_view::npos) {
    result.params = parse_parameters(raw.substr(semicolon + 1));
  }
  return result;
}

ContentType effective_content_type(const std::optional<std::string>& raw, bool parent_is_digest) {
  if (raw) {
    ContentType parsed = parse_content_type(*raw);
    if (parsed.valid()) {
      if (parsed.type == "text" && find_param(parsed.params, "charset") == nullptr) {
        // RFC 2046 §4.1.2: text without a charset is US-ASCII; say so, as Dovecot does.
        Param charset;
        charset.name = "charset";
        charset.value = "us-ascii";
        charset.decoded = "us-ascii";
        parsed.params.push_back(std::move(charset));
      }
      return parsed;
    }
  }
  ContentType fallback;
  if (parent_is_digest) {
    fallback.type = "message";
    fallback.subtype = "rfc822";
    return fallback;
  }
  fallback.type = "text";
  fallback.subtype = "plain";
  Param charset;
  charset.name = "charset";
  charset.value = "us-ascii";
  charset.decoded = "us-ascii";
  fallback.params.push_back(std::move(charset));
  return fallback;
}

Disposition parse_disposition(std::string_view raw) {
  Disposition result;
  Lexer lexer(raw);
  result.type = to_lower_ascii(lexer.token());
  std::size_t semicolon = raw.find(';');
  if (semicolon != std::string_view::npos) {
    result.params = parse_parameters(raw.substr(semicolon + 1));
  }
  return result;
}

std::vector<std::string> parse_language_list(std::string_view raw) {
  std::vector<std::string> tags;
  Lexer lexer(raw);
  while (!lexer.at_end()) {
    if (lexer.peek() == ',') {
      lexer.advance();
      continue;
    }
    std::string tag = lexer.token();
    if (tag.empty()) {
      lexer.advance();  // stray special character
      continue;
    }
    tags.push_back(std::move(tag));
  }
  return tags;
}

const Param* find_param(const std::vector<Param>& params, std::string_view name) {
  for (const Param& p : params) {
    if (iequals(p.name, name)) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace postroom::mime
