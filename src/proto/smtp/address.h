// RFC 5321 §4.1.2 paths and mailboxes, with RFC 6531 (SMTPUTF8) UTF-8 extensions.
//
//   Path         = "<" [ A-d-l ":" ] Mailbox ">"        ; also "<>" and "<Postmaster>"
//   Mailbox      = Local-part "@" ( Domain / address-literal )
//   Local-part   = Dot-string / Quoted-string
//   address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" 1*dcontent ) "]"
//
// Contract: pure functions over one command argument. Non-ASCII octets are accepted in atoms,
// quoted strings and domain labels (the caller has already checked that the whole line is
// valid UTF-8) and reported through Path::contains_utf8, so that the session can refuse them
// when the transaction did not announce SMTPUTF8. Nothing is echoed: error texts are fixed.
//
// Leniency: a source route ("<@relay1,@relay2:user@host>") is accepted and dropped, as
// RFC 5321 §4.1.2 and Appendix C require. Nothing else is relaxed: no missing brackets, no
// consecutive or trailing dots in a dot-string, no trailing dot after a domain.
#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include "proto/smtp/command.h"

namespace postroom::smtp {

struct AddressLimits {
  // RFC 5321 §4.5.3.1.3: a path is at most 256 octets including "<", ">" and any source
  // route. Bounds the work and storage per RCPT.
  std::size_t max_path = 256;
  // RFC 5321 §4.5.3.1.1: a local part is at most 64 octets (measured as sent, quotes
  // included). Some VERP/SRS bounce addresses exceed it in the wild; a lenient MX may raise
  // this up to max_path, since the path limit still bounds everything.
  std::size_t max_local_part = 64;
  // RFC 5321 §4.5.3.1.2 (and RFC 1035 §2.3.4): a domain is at most 255 octets; each label is
  // at most 63 octets regardless of this setting.
  std::size_t max_domain = 255;
};

enum class PathRole {
  reverse,  // MAIL FROM: "<>" allowed, "<Postmaster>" not
  forward,  // RCPT TO:   "<Postmaster>" allowed, "<>" not
};

enum class AddressErrorKind {
  syntax,
  path_too_long,
  local_part_too_long,
  domain_too_long,
};

struct AddressError {
  AddressErrorKind kind = AddressErrorKind::syntax;
  std::string_view text;  // fixed text for the reply; never contains client bytes
};

struct ParsedPath {
  Path path;
  std::size_t length = 0;  // octets of text used, from "<" to ">" inclusive
};

// Parses a path at the start of text (text[0] must be "<"); what follows ">" is not looked at.
std::variant<ParsedPath, AddressError> parse_path(std::string_view text, PathRole role, const AddressLimits& limits);

// Domain = sub-domain *("." sub-domain), each label 1..63 octets of letters, digits, "-" or
// non-ASCII, neither starting nor ending with "-"; whole domain within max_domain octets.
bool is_valid_domain(std::string_view domain, std::size_t max_domain = 255);

// "[...]" including the brackets; returns the kind, or nullopt when malformed.
std::optional<DomainKind> address_literal_kind(std::string_view literal);

}  // namespace postroom::smtp
