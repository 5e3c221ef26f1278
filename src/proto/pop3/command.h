// POP3 commands as typed values (RFC 1939, 2449, 2595, 5034, 6856).
// Contract: a Command produced by CommandParser has already passed the per-verb argument
// checks (argument count, numeric ranges, digest shape), so the server layer only decides
// whether the verb is allowed in the current state and what it does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::pop3 {

enum class Verb {
  user,  // USER name                      (RFC 1939 §7)
  pass,  // PASS password                  (RFC 1939 §7)
  apop,  // APOP name digest               (RFC 1939 §7)
  stat,  // STAT                           (RFC 1939 §5)
  list,  // LIST [msg]                     (RFC 1939 §5)
  retr,  // RETR msg                       (RFC 1939 §5)
  dele,  // DELE msg                       (RFC 1939 §5)
  noop,  // NOOP                           (RFC 1939 §5)
  rset,  // RSET                           (RFC 1939 §5)
  quit,  // QUIT                           (RFC 1939 §4, §6)
  top,   // TOP msg n                      (RFC 1939 §7)
  uidl,  // UIDL [msg]                     (RFC 1939 §7)
  capa,  // CAPA                           (RFC 2449 §5)
  stls,  // STLS                           (RFC 2595 §4)
  auth,  // AUTH mechanism [initial-resp]  (RFC 5034 §4)
  utf8,  // UTF8                           (RFC 6856 §2)
};

// Upper-case keyword as sent on the wire, e.g. "RETR".
std::string_view verb_name(Verb verb);

// Looks up a keyword case-insensitively; nullopt when it is not a POP3 verb we implement.
std::optional<Verb> verb_from_keyword(std::string_view keyword);

struct Command {
  Verb verb = Verb::noop;

  // USER and APOP: the mailbox name. UTF-8 is passed through untouched: whether non-ASCII
  // is acceptable depends on the UTF8 state (RFC 6856), which only the session knows.
  std::string user;

  // PASS: everything after "PASS " verbatim, spaces included (RFC 1939 §7 allows a server
  // to treat spaces as part of the password, and real passwords contain them).
  std::string password;

  // APOP: the MD5 digest, normalised to 32 lower-case hex digits.
  std::string digest;

  // AUTH: the SASL mechanism name, upper-cased; empty for a bare "AUTH" (the pre-RFC 5034
  // form some clients still send to list mechanisms).
  std::string mechanism;

  // AUTH: the initial response exactly as sent (base64, or "=" for an empty one); nullopt
  // when the client sent none. Decoding belongs to the SASL layer.
  std::optional<std::string> initial_response;

  // RETR, DELE, TOP: always set. LIST, UIDL: set only when the client named a message.
  // Always >= 1 (RFC 1939 message numbers start at 1).
  std::optional<std::uint32_t> message;

  // TOP: number of body lines requested (0 means headers only).
  std::uint32_t line_count = 0;
};

}  // namespace postroom::pop3
