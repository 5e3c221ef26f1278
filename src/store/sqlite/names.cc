#include "store/sqlite/names.h"

namespace postroom::store::sqlite {
namespace {

bool is_control_or_space(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte <= 0x20 || byte == 0x7f;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return lower;
}

Result<std::string> normalize_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDomainName) {
    return make_error(ErrorKind::bad_syntax, "domain name length");
  }
  // RFC 1035/5890 labels: letters, digits and '-' (not first or last), 1..63 octets;
  // non-ASCII octets are allowed for internationalized (U-label) names under SMTPUTF8.
  std::size_t label_start = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      char c = domain[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                static_cast<unsigned char>(c) >= 0x80;
      if (!ok) {
        return make_error(ErrorKind::bad_syntax, "invalid character in domain name");
      }
      continue;
    }
    std::string_view label = domain.substr(label_start, i - label_start);
    if (label.empty()) {
      return make_error(ErrorKind::bad_syntax, "empty label in domain name");
    }
    if (label.size() > 63) {
      return make_error(ErrorKind::bad_syntax, "label longer than 63 octets in domain name");
    }
    if (label.front() == '-' || label.back() == '-') {
      return make_error(ErrorKind::bad_syntax, "label starts or ends with '-' in domain name");
    }
    label_start = i + 1;
  }
  return ascii_lower(domain);
}

Result<NormalizedAddress> normalize_address(std::string_view address) {
  if (address.size() > kMaxAddress) {
    return make_error(ErrorKind::bad_syntax, "address too long");
  }
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return make_error(ErrorKind::bad_syntax, "address needs local@domain");
  }
  for (char c : address.substr(0, at)) {
    if (is_control_or_space(c)) {
      return make_error(ErrorKind::bad_syntax, "invalid character in address");
    }
  }
  auto domain = normalize_domain(address.substr(at + 1));
  if (!domain) {
    return domain.error();
  }
  NormalizedAddress normalized;
  normalized.address = ascii_lower(address.substr(0, at)) + "@" + *domain;
  normalized.domain = std::move(*domain);
  return normalized;
}

Result<std::string> normalize_mailbox_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxMailboxName) {
    return make_error(ErrorKind::bad_syntax, "mailbox name length");
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return make_error(ErrorKind::bad_syntax, "control character in mailbox name");
    }
  }
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) {
    return make_error(ErrorKind::bad_syntax, "empty hierarchy level in mailbox name");
  }
  if (ascii_lower(name) == "inbox") {
    return std::string("INBOX");
  }
  return std::string(name);
}

}  // namespace postroom::store::sqlite
