// Server side of a SASL exchange (RFC 4422), shared by POP3 AUTH (RFC 5034) now and IMAP
// AUTHENTICATE / SMTP AUTH later.
//
// Protocol glue, e.g. POP3:
//   auto mech = make_mechanism(command.mechanism);        // nullptr: unsupported
//   Step s = mech->start(decoded initial response or nullopt);
//   while (Challenge* c = std::get_if<Challenge>(&s)) {
//     send "+ " + base64_encode(c->data); read a line;  "*" = client cancels
//     s = mech->step(decode_client_response(line).value());
//   }
//   Done: check the credentials against the store (auth::verify_password); Failed: -ERR.
//
// Contract: mechanisms see and return decoded bytes; base64 belongs to the protocol glue
// (helpers below). A mechanism never touches storage: it only extracts credentials.
// After Done or Failed the exchange is over; calling step() again is a programming error
// and crashes (DESIGN.md §5).
//
// SECURITY: runs before authentication. PLAIN and LOGIN carry the password in clear; the
// server should offer them only over TLS (RFC 4616 §4, RFC 2595 §6).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"

namespace postroom::sasl {

// RFC 4616 §2 lets an implementation limit each of authzid, authcid and password; 255
// octets bounds what a pre-authentication client can make us hash and store in logs.
inline constexpr std::size_t kMaxFieldOctets = 255;

// Longest base64 client response our mechanisms accept: a PLAIN message with three
// full fields and two NULs is 767 octets, 1024 base64 characters. POP3 passes this (+2
// for CRLF) to CommandParser::expect_sasl_response so a client cannot make it buffer more.
inline constexpr std::size_t kMaxEncodedResponse = 1024;

// The server sends data (decoded; may be empty) and waits for the client's next response.
struct Challenge {
  std::string data;
};

// The client proved nothing yet: it named these credentials, which the caller verifies.
struct Done {
  std::string authzid;  // identity to act as; empty means "same as authcid"
  std::string authcid;  // identity whose password this is
  std::string password;
};

// The exchange ended without credentials. error.kind is bad_syntax for malformed input and
// limit for over-long fields; error.detail is for logs, never for the client.
struct Failed {
  Error error;
};

using Step = std::variant<Challenge, Done, Failed>;

class Mechanism {
 public:
  virtual ~Mechanism() = default;

  // Upper-case registered name, e.g. "PLAIN".
  virtual std::string_view name() const = 0;

  // Begins the exchange. initial_response holds the decoded initial response when the client
  // sent one with the command (RFC 4422 §3; "=" on the wire is an empty one), else nullopt.
  virtual Step start(std::optional<std::string_view> initial_response) = 0;

  // Handles one decoded client response after a Challenge.
  virtual Step step(std::string_view client_response) = 0;
};

// A new mechanism for one exchange; nullptr when name (case-insensitive) is not supported.
std::unique_ptr<Mechanism> make_mechanism(std::string_view name);

// Names make_mechanism accepts, for CAPA "SASL ..." and friends: only finished mechanisms.
std::span<const std::string_view> supported_mechanisms();

// Initial response as sent with the command: "=" is the empty response (RFC 5034 §4,
// RFC 4954 §4), anything else is base64.
Result<std::string> decode_initial_response(std::string_view wire);

// A client response line sent after a challenge: base64 (empty line = empty response).
// The caller handles "*" (cancel) before calling this.
Result<std::string> decode_client_response(std::string_view wire);

}  // namespace postroom::sasl
