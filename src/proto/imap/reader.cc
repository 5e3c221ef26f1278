#include "proto/imap/reader.h"

#include "proto/imap/mutf7.h"

namespace postroom::imap::detail {

bool is_atom_char(unsigned char c) {
  if (c <= 0x1f || c >= 0x7f) {
    return false;  // CTL and 8-bit
  }
  switch (c) {
    case '(':
    case ')':
    case '{':
    case ' ':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']': return false;
    default: return true;
  }
}

bool is_astring_char(unsigned char c) {
  return is_atom_char(c) || c == ']';
}
bool is_list_char(unsigned char c) {
  return is_atom_char(c) || c == '%' || c == '*' || c == ']';
}
bool is_tag_char(unsigned char c) {
  return is_astring_char(c) && c != '+';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') {
      x = static_cast<char>(x - 32);
    }
    if (y >= 'a' && y <= 'z') {
      y = static_cast<char>(y - 32);
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 32);
    }
  }
  return out;
}

bool Reader::eat(char c) {
  if (pos_ < text_.size() && text_[pos_] == c) {
    ++pos_;
    return true;
  }
  return false;
}

bool Reader::sp() {
  return eat(' ') || fail("Missing space between arguments");
}

bool Reader::expect(char c) {
  if (eat(c)) {
    return true;
  }
  switch (c) {
    case '(': return fail("Expected (");
    case ')': return fail("Expected )");
    case ']': return fail("Expected ]");
    default: return fail("Unexpected character");
  }
}

bool Reader::fail(std::string_view message) {
  if (error_.empty()) {
    error_ = std::string(message);
  }
  return false;
}

std::string_view Reader::atom() {
  const std::size_t start = pos_;
  while (pos_ < text_.size() && is_atom_char(static_cast<unsigned char>(text_[pos_]))) {
    ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

std::string_view Reader::word() {
  const std::size_t start = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_' || c == '=' || c == '+' || c == '$';
    if (!ok) {
      break;
    }
    ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

bool Reader::keyword(std::string_view kw) {
  if (text_.size() - pos_ < kw.size() || !iequals(text_.substr(pos_, kw.size()), kw)) {
    return false;
  }
  const std::size_t after = pos_ + kw.size();
  if (after < text_.size() && is_atom_char(static_cast<unsigned char>(text_[after])) && text_[after] != '[' &&
      text_[after] != '<') {
    return false;
  }
  pos_ = after;
  return true;
}

bool Reader::nil() {
  return keyword("NIL");
}

std::optional<std::string> Reader::quoted() {
  // pos_ is at the opening DQUOTE.
  ++pos_;
  std::string out;
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (c == '"') {
      return out;
    }
    if (c == '\\') {
      if (pos_ < text_.size() && (text_[pos_] == '"' || text_[pos_] == '\\')) {
        out += text_[pos_++];
        continue;
      }
      fail("Invalid escape in quoted string");
      return std::nullopt;
    }
    if (c == '\r' || c == '\n' || c == '\0') {
      fail("Invalid character in quoted string");
      return std::nullopt;
    }
    out += c;
  }
  fail("Unterminated quoted string");
  return std::nullopt;
}

std::optional<std::string> Reader::literal(bool allow_literal8, bool allow_nul, bool* was_literal8) {
  bool binary = false;
  if (eat('~')) {
    binary = true;
    if (!allow_literal8) {
      fail("literal8 not allowed here");
      return std::nullopt;
    }
  }
  if (!eat('{')) {
    fail("Expected literal");
    return std::nullopt;
  }
  std::uint64_t n = 0;
  std::size_t digits = 0;
  while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    if (++digits > 19) {
      too_big_ = true;
      fail("Literal too big");
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(text_[pos_++] - '0');
  }
  if (digits == 0) {
    fail("Invalid literal size");
    return std::nullopt;
  }
  eat('+');
  if (!eat('}')) {
    fail("Invalid literal");
    return std::nullopt;
  }
  eat('\r');
  if (!eat('\n')) {
    fail("Literal must end its line");
    return std::nullopt;
  }
  if (text_.size() - pos_ < n) {
    fail("Literal truncated");
    return std::nullopt;
  }
  std::string out(text_.substr(pos_, static_cast<std::size_t>(n)));
  pos_ += static_cast<std::size_t>(n);
  if (!binary && !allow_nul && out.find('\0') != std::string::npos) {
    fail("NUL in literal");
    return std::nullopt;
  }
  if (was_literal8 != nullptr) {
    *was_literal8 = binary;
  }
  return out;
}

std::optional<std::string> Reader::string(bool allow_literal8, bool allow_nul, bool* was_literal8) {
  if (peek() == '"') {
    if (was_literal8 != nullptr) {
      *was_literal8 = false;
    }
    return quoted();
  }
  if (peek() == '{' || (peek() == '~' && peek(1) == '{')) {
    return literal(allow_literal8, allow_nul, was_literal8);
  }
  fail("Expected string");
  return std::nullopt;
}

std::optional<std::string> Reader::astring() {
  if (peek() == '"' || peek() == '{' || (peek() == '~' && peek(1) == '{')) {
    return string();
  }
  const std::size_t start = pos_;
  while (pos_ < text_.size() && is_astring_char(static_cast<unsigned char>(text_[pos_]))) {
    ++pos_;
  }
  if (pos_ == start) {
    fail("Expected string or atom");
    return std::nullopt;
  }
  return std::string(text_.substr(start, pos_ - start));
}

std::optional<std::optional<std::string>> Reader::nstring() {
  if (nil()) {
    return std::optional<std::string>{};
  }
  auto s = string();
  if (!s) {
    return std::nullopt;
  }
  return std::optional<std::string>(std::move(*s));
}

std::optional<std::uint64_t> Reader::number64() {
  std::uint64_t n = 0;
  std::size_t digits = 0;
  while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    const auto d = static_cast<std::uint64_t>(text_[pos_] - '0');
    if (n > (0x7fffffffffffffffull - d) / 10) {
      fail("Number out of range");
      return std::nullopt;
    }
    n = n * 10 + d;
    ++pos_;
    ++digits;
  }
  if (digits == 0) {
    fail("Expected number");
    return std::nullopt;
  }
  if (pos_ < text_.size() && is_atom_char(static_cast<unsigned char>(text_[pos_])) && text_[pos_] != '.' &&
      text_[pos_] != '>' && text_[pos_] != ']' && text_[pos_] != ':' && text_[pos_] != ',') {
    fail("Invalid number");
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint64_t> Reader::nz_number64() {
  auto n = number64();
  if (n && *n == 0) {
    fail("Number must not be zero");
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint32_t> Reader::number() {
  auto n = number64();
  if (!n) {
    return std::nullopt;
  }
  if (*n > 0xffffffffull) {
    fail("Number out of range");
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*n);
}

std::optional<std::uint32_t> Reader::nz_number() {
  auto n = number();
  if (n && *n == 0) {
    fail("Number must not be zero");
    return std::nullopt;
  }
  return n;
}

std::optional<SequenceSet> Reader::sequence_set(bool allow_saved) {
  const std::size_t start = pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if ((c >= '0' && c <= '9') || c == '*' || c == ':' || c == ',' || c == '$') {
      ++pos_;
    } else {
      break;
    }
  }
  if (pos_ < text_.size() && is_atom_char(static_cast<unsigned char>(text_[pos_]))) {
    fail("Invalid sequence set");
    return std::nullopt;
  }
  auto parsed = parse_sequence_set(text_.substr(start, pos_ - start), limits_.sequence, allow_saved);
  if (!parsed) {
    if (parsed.error().kind == ErrorKind::limit) {
      fail("Too many ranges in sequence set");
    } else {
      fail("Invalid sequence set");
    }
    return std::nullopt;
  }
  return std::move(parsed.value());
}

std::optional<std::string> Reader::decode_mailbox(std::string raw) {
  if (iequals(raw, "INBOX")) {
    return std::string("INBOX");
  }
  if (raw.find('\0') != std::string::npos) {
    bad_name_ = true;
    fail("Invalid mailbox name");
    return std::nullopt;
  }
  if (limits_.utf8_names) {
    if (!is_valid_utf8(raw)) {
      bad_name_ = true;
      fail("Mailbox name is not valid UTF-8");
      return std::nullopt;
    }
    return raw;
  }
  auto decoded = mutf7_decode(raw);
  if (!decoded) {
    bad_name_ = true;
    fail("Mailbox name is not valid modified UTF-7");
    return std::nullopt;
  }
  if (iequals(*decoded, "INBOX")) {
    return std::string("INBOX");
  }
  return decoded;
}

std::optional<std::string> Reader::mailbox() {
  auto raw = astring();
  if (!raw) {
    return std::nullopt;
  }
  return decode_mailbox(std::move(*raw));
}

std::optional<std::string> Reader::list_mailbox() {
  if (peek() == '"' || peek() == '{') {
    auto s = string();
    if (!s) {
      return std::nullopt;
    }
    return decode_mailbox(std::move(*s));
  }
  const std::size_t start = pos_;
  while (pos_ < text_.size() && is_list_char(static_cast<unsigned char>(text_[pos_]))) {
    ++pos_;
  }
  if (pos_ == start) {
    fail("Expected mailbox pattern");
    return std::nullopt;
  }
  return decode_mailbox(std::string(text_.substr(start, pos_ - start)));
}

std::optional<std::string> Reader::flag() {
  if (eat('\\')) {
    if (eat('*')) {
      fail("\\* is not a flag");
      return std::nullopt;
    }
    const std::string_view a = atom();
    if (a.empty()) {
      fail("Invalid flag");
      return std::nullopt;
    }
    return canonical_flag("\\" + std::string(a));
  }
  const std::string_view a = atom();
  if (a.empty()) {
    fail("Invalid flag");
    return std::nullopt;
  }
  return std::string(a);
}

std::optional<std::vector<std::string>> Reader::flag_list() {
  if (!expect('(')) {
    return std::nullopt;
  }
  std::vector<std::string> flags;
  std::size_t count = 0;
  if (eat(')')) {
    return flags;
  }
  for (;;) {
    if (!count_item(count)) {
      return std::nullopt;
    }
    auto f = flag();
    if (!f) {
      return std::nullopt;
    }
    flags.push_back(std::move(*f));
    if (eat(')')) {
      return flags;
    }
    if (!sp()) {
      return std::nullopt;
    }
  }
}

std::optional<Date> Reader::date() {
  std::string text;
  if (peek() == '"') {
    auto q = quoted();
    if (!q) {
      return std::nullopt;
    }
    text = std::move(*q);
  } else {
    text = std::string(atom());
  }
  auto d = parse_date(text);
  if (!d) {
    fail("Invalid date");
    return std::nullopt;
  }
  return d;
}

bool Reader::enter() {
  if (++depth_ > limits_.max_depth) {
    return fail("Too deeply nested");
  }
  return true;
}

bool Reader::count_item(std::size_t& counter) {
  if (++counter > limits_.max_list_items) {
    return fail("Too many items in list");
  }
  return true;
}

}  // namespace postroom::imap::detail
