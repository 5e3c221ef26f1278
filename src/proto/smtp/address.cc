#include "proto/smtp/address.h"

#include "proto/smtp/text.h"

namespace postroom::smtp {

namespace {

using detail::is_alnum;
using detail::is_digit;
using detail::is_hex;
using detail::is_non_ascii;

constexpr AddressError kSyntax{AddressErrorKind::syntax, "bad address syntax"};

// qtextSMTP (RFC 5321 §4.1.2) plus UTF8-non-ascii (RFC 6531 §3.3).
bool is_qtext(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 32 || u == 33 || (u >= 35 && u <= 91) || (u >= 93 && u <= 126) || u >= 0x80;
}

bool is_domain_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || is_non_ascii(c);
}

bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    int value = 0;
    while (i < text.size() && is_digit(text[i]) && i - start < 3) {
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    if (i == start || value > 255) {
      return false;
    }
    ++parts;
    if (i == text.size()) {
      return parts == 4;
    }
    if (text[i] != '.' || parts == 4) {
      return false;
    }
    ++i;
  }
}

// Counts the 16-bit groups in a colon-separated run of 1..4 hex digit pieces. When
// allow_ipv4_tail is set, the last piece may be a dotted quad worth two groups.
bool count_ipv6_groups(std::string_view text, bool allow_ipv4_tail, int& groups) {
  groups = 0;
  if (text.empty()) {
    return true;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    const std::string_view piece =
        text.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (colon == std::string_view::npos && allow_ipv4_tail && piece.find('.') != std::string_view::npos) {
      if (!is_ipv4(piece)) {
        return false;
      }
      groups += 2;
      return true;
    }
    if (piece.empty() || piece.size() > 4) {
      return false;
    }
    for (char c : piece) {
      if (!is_hex(c)) {
        return false;
      }
    }
    ++groups;
    if (colon == std::string_view::npos) {
      return true;
    }
    start = colon + 1;
  }
}

// RFC 5321 §4.1.3 IPv6-addr (full, compressed, and with an IPv4 tail). "::" may stand for
// a single zero group (RFC 4291 §2.2 form), one more than RFC 5321's grammar allows.
bool is_ipv6(std::string_view text) {
  const std::size_t gap = text.find("::");
  int groups = 0;
  if (gap == std::string_view::npos) {
    return count_ipv6_groups(text, true, groups) && groups == 8;
  }
  if (text.find("::", gap + 1) != std::string_view::npos) {
    return false;
  }
  int left = 0;
  int right = 0;
  return count_ipv6_groups(text.substr(0, gap), false, left) && count_ipv6_groups(text.substr(gap + 2), true, right) &&
         left + right <= 7;
}

// Standardized-tag = Ldh-str: letters, digits and "-", ending in a letter or digit.
bool is_ldh_str(std::string_view text) {
  if (text.empty() || !is_alnum(text.back())) {
    return false;
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

class PathParser {
 public:
  PathParser(std::string_view text, PathRole role, const AddressLimits& limits)
      : text_(text), role_(role), limits_(limits) {}

  std::variant<ParsedPath, AddressError> run() {
    if (!eat('<')) {
      return AddressError{AddressErrorKind::syntax, "path must be enclosed in angle brackets"};
    }
    ParsedPath parsed;
    if (eat('>')) {
      if (role_ == PathRole::forward) {
        return AddressError{AddressErrorKind::syntax, "null path not allowed here"};
      }
      parsed.path.kind = Path::Kind::null;
      parsed.length = pos_;
      return parsed;
    }
    if (detail::istarts_with(rest(), "postmaster>")) {
      if (role_ == PathRole::reverse) {
        return AddressError{AddressErrorKind::syntax, "sender address needs a domain"};
      }
      parsed.path.kind = Path::Kind::postmaster;
      parsed.path.mailbox.local_part = std::string(rest().substr(0, 10));
      pos_ += 11;
      parsed.length = pos_;
      return parsed;
    }
    if (peek() == '@') {
      if (auto error = skip_source_route()) {
        return *error;
      }
      parsed.path.had_source_route = true;
    }
    parsed.path.kind = Path::Kind::mailbox;
    if (auto error = parse_mailbox(parsed.path.mailbox)) {
      return *error;
    }
    if (!eat('>')) {
      return kSyntax;
    }
    if (pos_ > limits_.max_path) {
      return AddressError{AddressErrorKind::path_too_long, "path too long"};
    }
    parsed.length = pos_;
    parsed.path.contains_utf8 =
        detail::has_non_ascii(parsed.path.mailbox.local_part) || detail::has_non_ascii(parsed.path.mailbox.domain);
    return parsed;
  }

 private:
  std::string_view rest() const { return text_.substr(pos_); }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  // A-d-l ":" where A-d-l = At-domain *( "," At-domain ), At-domain = "@" Domain.
  std::optional<AddressError> skip_source_route() {
    while (true) {
      if (!eat('@')) {
        return kSyntax;
      }
      const std::size_t start = pos_;
      while (pos_ < text_.size() && is_domain_char(text_[pos_])) {
        ++pos_;
      }
      if (!is_valid_domain(text_.substr(start, pos_ - start), limits_.max_domain)) {
        return kSyntax;
      }
      if (eat(':')) {
        return std::nullopt;
      }
      if (!eat(',')) {
        return kSyntax;
      }
    }
  }

  std::optional<AddressError> parse_mailbox(Mailbox& mailbox) {
    const std::size_t local_start = pos_;
    if (eat('"')) {
      mailbox.local_part_quoted = true;
      while (true) {
        if (pos_ >= text_.size()) {
          return kSyntax;
        }
        const char c = text_[pos_++];
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          // quoted-pairSMTP = "\" %d32-126
          if (pos_ >= text_.size() || text_[pos_] < 32 || text_[pos_] > 126) {
            return kSyntax;
          }
          mailbox.local_part.push_back(text_[pos_++]);
          continue;
        }
        if (!is_qtext(c)) {
          return kSyntax;
        }
        mailbox.local_part.push_back(c);
      }
    } else {
      char previous = '.';
      while (pos_ < text_.size() && (detail::is_atext(text_[pos_]) || text_[pos_] == '.')) {
        const char c = text_[pos_++];
        if (c == '.' && previous == '.') {
          return kSyntax;  // leading dot or two dots in a row
        }
        previous = c;
        mailbox.local_part.push_back(c);
      }
      if (mailbox.local_part.empty() || previous == '.') {
        return kSyntax;
      }
    }
    if (pos_ - local_start > limits_.max_local_part) {
      return AddressError{AddressErrorKind::local_part_too_long, "local part too long"};
    }
    if (!eat('@')) {
      return AddressError{AddressErrorKind::syntax, "address needs a domain"};
    }
    const std::size_t domain_start = pos_;
    if (peek() == '[') {
      const std::size_t close = text_.find(']', pos_);
      if (close == std::string_view::npos) {
        return kSyntax;
      }
      pos_ = close + 1;
      const std::string_view literal = text_.substr(domain_start, pos_ - domain_start);
      const std::optional<DomainKind> kind = address_literal_kind(literal);
      if (!kind) {
        return AddressError{AddressErrorKind::syntax, "bad address literal"};
      }
      mailbox.domain_kind = *kind;
      mailbox.domain = std::string(literal);
      return std::nullopt;
    }
    while (pos_ < text_.size() && is_domain_char(text_[pos_])) {
      ++pos_;
    }
    const std::string_view domain = text_.substr(domain_start, pos_ - domain_start);
    if (domain.size() > limits_.max_domain) {
      return AddressError{AddressErrorKind::domain_too_long, "domain too long"};
    }
    if (!is_valid_domain(domain, limits_.max_domain)) {
      return AddressError{AddressErrorKind::syntax, "bad domain syntax"};
    }
    mailbox.domain = std::string(domain);
    mailbox.domain_kind = DomainKind::name;
    return std::nullopt;
  }

  std::string_view text_;
  PathRole role_;
  const AddressLimits& limits_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_valid_domain(std::string_view domain, std::size_t max_domain) {
  if (domain.empty() || domain.size() > max_domain) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!is_alnum(c) && c != '-' && !is_non_ascii(c)) {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

std::optional<DomainKind> address_literal_kind(std::string_view literal) {
  if (literal.size() < 3 || literal.front() != '[' || literal.back() != ']') {
    return std::nullopt;
  }
  const std::string_view inner = literal.substr(1, literal.size() - 2);
  if (detail::istarts_with(inner, "IPv6:")) {
    if (is_ipv6(inner.substr(5))) {
      return DomainKind::ipv6_literal;
    }
    return std::nullopt;
  }
  if (is_ipv4(inner)) {
    return DomainKind::ipv4_literal;
  }
  const std::size_t colon = inner.find(':');
  if (colon == std::string_view::npos || !is_ldh_str(inner.substr(0, colon)) || colon + 1 == inner.size()) {
    return std::nullopt;
  }
  for (char c : inner.substr(colon + 1)) {
    const auto u = static_cast<unsigned char>(c);
    // dcontent = %d33-90 / %d94-126
    if (!((u >= 33 && u <= 90) || (u >= 94 && u <= 126))) {
      return std::nullopt;
    }
  }
  return DomainKind::general_literal;
}

std::variant<ParsedPath, AddressError> parse_path(std::string_view text, PathRole role, const AddressLimits& limits) {
  return PathParser(text, role, limits).run();
}

}  // namespace postroom::smtp
