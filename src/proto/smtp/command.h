// SMTP and LMTP commands as typed values (RFC 5321 §4.1, RFC 2033 LHLO, RFC 1870 SIZE,
// RFC 3030 BDAT/BINARYMIME, RFC 3207 STARTTLS, RFC 3461 DSN, RFC 4954 AUTH, RFC 6152
// 8BITMIME, RFC 6531 SMTPUTF8).
// Contract: a Command produced by CommandParser has passed every syntax check: paths are
// well-formed and within limits, ESMTP parameters are known, unique and valid. What is left
// to the session is state (is MAIL allowed now?), policy (is UTF-8 allowed without
// SMTPUTF8? is SIZE over our limit? is this mechanism offered?) and the action itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::smtp {

enum class Verb {
  helo,      // HELO domain                      (RFC 5321 §4.1.1.1)
  ehlo,      // EHLO domain                      (RFC 5321 §4.1.1.1)
  lhlo,      // LHLO domain                      (RFC 2033 §4.1, LMTP only)
  mail,      // MAIL FROM:<reverse-path> [params] (RFC 5321 §4.1.1.2)
  rcpt,      // RCPT TO:<forward-path> [params]  (RFC 5321 §4.1.1.3)
  data,      // DATA                             (RFC 5321 §4.1.1.4)
  bdat,      // BDAT size [LAST]                 (RFC 3030 §2)
  rset,      // RSET                             (RFC 5321 §4.1.1.5)
  noop,      // NOOP [string]                    (RFC 5321 §4.1.1.9)
  quit,      // QUIT                             (RFC 5321 §4.1.1.10)
  vrfy,      // VRFY string                      (RFC 5321 §4.1.1.6)
  expn,      // EXPN string                      (RFC 5321 §4.1.1.7)
  help,      // HELP [string]                    (RFC 5321 §4.1.1.8)
  starttls,  // STARTTLS                         (RFC 3207 §4)
  auth,      // AUTH mechanism [initial-response] (RFC 4954 §4)
};

// Upper-case keyword as sent on the wire, e.g. "EHLO".
std::string_view verb_name(Verb verb);

// Case-insensitive lookup; nullopt when the keyword is not one of the verbs above.
std::optional<Verb> verb_from_keyword(std::string_view keyword);

enum class DomainKind {
  name,             // example.org (or a U-label form under SMTPUTF8)
  ipv4_literal,     // [192.0.2.1]
  ipv6_literal,     // [IPv6:2001:db8::1]
  general_literal,  // [tag:content] (RFC 5321 §4.1.3 General-address-literal)
};

struct Mailbox {
  // Decoded local part: the quotes of a quoted-string are removed and quoted-pairs resolved,
  // so "\"a b\"" is stored as `a b` with local_part_quoted = true. Render with to_wire().
  std::string local_part;
  bool local_part_quoted = false;
  // The domain as sent (case preserved). Address literals keep their brackets.
  std::string domain;
  DomainKind domain_kind = DomainKind::name;

  // "local@domain" in wire form: the local part is quoted again when it is not a
  // dot-string. Angle brackets are not added.
  std::string to_wire() const;

  friend bool operator==(const Mailbox&, const Mailbox&) = default;
};

struct Path {
  enum class Kind {
    mailbox,     // <local@domain>
    null,        // <> (reverse-path only: bounces, RFC 5321 §4.5.5)
    postmaster,  // <Postmaster> without a domain (forward-path only, RFC 5321 §4.1.1.3)
  };
  Kind kind = Kind::null;
  Mailbox mailbox;                // empty unless kind == mailbox
  bool had_source_route = false;  // "@a,@b:" was present and dropped (RFC 5321 §4.1.2, §C)
  bool contains_utf8 = false;     // non-ASCII in the local part or domain: the session
                                  // accepts that only after MAIL ... SMTPUTF8 (RFC 6531 §3.4)
  friend bool operator==(const Path&, const Path&) = default;
};

enum class Body {
  unspecified,
  seven_bit,    // BODY=7BIT        (RFC 6152)
  eight_bit,    // BODY=8BITMIME    (RFC 6152)
  binary_mime,  // BODY=BINARYMIME  (RFC 3030 §3; requires BDAT)
};

enum class Ret {
  unspecified,
  full,  // RET=FULL (RFC 3461 §4.3)
  hdrs,  // RET=HDRS
};

struct MailParams {
  // SIZE=n (RFC 1870 §3). Values beyond 2^64-1 saturate (they are over any limit anyway).
  std::optional<std::uint64_t> size;
  Body body = Body::unspecified;
  bool smtputf8 = false;  // SMTPUTF8 (RFC 6531 §3.4)
  Ret ret = Ret::unspecified;
  std::optional<std::string> envid;  // ENVID=xtext, decoded (RFC 3461 §4.4)
  // AUTH=xtext, decoded (RFC 4954 §5). "AUTH=<>" gives an empty string: the sender says the
  // message was not submitted by an authenticated party.
  std::optional<std::string> auth;
  friend bool operator==(const MailParams&, const MailParams&) = default;
};

struct Notify {
  // NOTIFY=NEVER or any non-empty combination of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1).
  bool never = false;
  bool success = false;
  bool failure = false;
  bool delay = false;
  friend bool operator==(const Notify&, const Notify&) = default;
};

struct Orcpt {
  std::string addr_type;  // e.g. "rfc822", "utf-8" (as sent)
  // For every type but "utf-8" this is the xtext-decoded address. For "utf-8" (RFC 6533
  // utf-8-addr-xtext, with \x{HEX} escapes) it is kept as sent, validated only as UTF-8.
  std::string address;
  friend bool operator==(const Orcpt&, const Orcpt&) = default;
};

struct RcptParams {
  std::optional<Notify> notify;
  std::optional<Orcpt> orcpt;
  friend bool operator==(const RcptParams&, const RcptParams&) = default;
};

struct Command {
  Verb verb = Verb::noop;

  // HELO/EHLO/LHLO: the first word of the argument, as sent. domain_valid says whether it
  // is a syntactically valid Domain or address-literal; many real clients send junk here, so
  // whether to refuse it is the session's policy.
  std::string domain;
  bool domain_valid = false;

  // MAIL: the reverse-path; RCPT: the forward-path.
  Path path;
  MailParams mail;
  RcptParams rcpt;

  // BDAT: chunk octets and whether this is the LAST chunk.
  std::uint64_t chunk_size = 0;
  bool last = false;

  // AUTH: the SASL mechanism, upper-cased; the initial response as sent (base64, or "=" for
  // an empty one), nullopt when none was given. Decoding belongs to the SASL layer.
  std::string mechanism;
  std::optional<std::string> initial_response;

  // VRFY/EXPN (required), HELP/NOOP (optional): the argument string, as sent.
  std::string argument;
};

}  // namespace postroom::smtp
