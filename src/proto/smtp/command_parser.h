// Incremental SMTP/LMTP server-side command parser (DESIGN.md §7.1: feed bytes, ask for the
// next item).
//
//   CommandParser parser(Limits{});
//   parser.feed(bytes_from_socket);
//   for (;;) {
//     ParseResult r = parser.next();
//     if (std::holds_alternative<NeedMore>(r)) break;  // read more, feed again
//     ...                                              // Command, SaslResponse or ParseError
//   }
//
// Contract:
// - Pure: no I/O. Results do not depend on how the input was split across feed() calls.
// - Lines end in CRLF. A bare LF ends a line too (so replies stay in step), but under
//   BareNewlinePolicy::reject the line is answered with ParseError{bare_newline}.
// - The line limit counts the CRLF. An over-long line is dropped as it arrives and reported
//   once its LF is seen (500 5.5.2), in step with pipelined commands (RFC 2920).
// - Every ParseError carries the reply to send: code, enhanced status, fixed text. Texts never
//   contain client bytes except a validated ESMTP keyword (letters, digits, "-").
// - After DATA (354 sent) or BDAT, bytes already buffered belong to the message: hand them
//   to DataReader/BdatReader with pending() and drop what they consumed with
//   consume_pending(); feed the rest of the reader's input back with feed().
// - After the server sends a SASL challenge (334), it calls expect_sasl_response(); the next
//   line is returned raw as a SaslResponse (RFC 4954 §4).
// - After STARTTLS (220 sent), call clear(): RFC 3207 §4.2 says nothing sent in plaintext
//   may be carried into the TLS session (the CVE-2011-0411 command injection).
// - Memory: one partial line (bounded by the limit) plus what is fed between next() calls.
//
// SECURITY: this runs before authentication and before TLS on every connection; it touches
// nothing but its own buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "proto/smtp/address.h"
#include "proto/smtp/command.h"
#include "proto/smtp/line_buffer.h"
#include "proto/smtp/policy.h"
#include "proto/smtp/status.h"

namespace postroom::smtp {

struct Limits {
  // RFC 5321 §4.5.3.1.4: 512 octets including CRLF. Extensions raise it (RFC 1870 §3 SIZE
  // +26, RFC 3461 DSN +~600 for ORCPT/ENVID, RFC 4954 §5 AUTH= +500, SMTPUTF8 addresses use
  // more octets per character); a server advertising them should use ~4096. Stops a client
  // from making us buffer an endless line before authenticating.
  std::size_t max_command_line = 512;
  AddressLimits address;
  BareNewlinePolicy bare_newline = BareNewlinePolicy::reject;
};

struct NeedMore {};

// One line sent in answer to a 334 challenge (RFC 4954 §4), without its CRLF.
struct SaslResponse {
  std::string line;        // raw, still base64; empty is a valid (empty) response
  bool cancelled = false;  // the client sent "*" to abort the exchange (reply 501 5.7.0)
};

enum class ParseErrorKind {
  line_too_long,           // 500 5.5.2  (RFC 5321 §4.5.3.1.10 "500 Line too long")
  auth_line_too_long,      // 500 5.5.6  (RFC 4954 §6)
  bare_newline,            // 500 5.5.2  line ended in a bare LF under BareNewlinePolicy::reject
  bad_syntax,              // 500 5.5.2  control character, invalid UTF-8, empty line
  unknown_command,         // 500 5.5.1  (RFC 3463 X.5.1 invalid command)
  bad_arguments,           // 501 5.5.4  wrong or missing arguments
  bad_sender,              // 501 5.1.7  reverse-path syntax (RFC 3463 X.1.7)
  bad_recipient,           // 501 5.1.3  forward-path syntax (RFC 3463 X.1.3)
  unrecognized_parameter,  // 555 5.5.4  unknown MAIL/RCPT parameter (RFC 5321 §4.1.1.11)
  bad_parameter,           // 501 5.5.4  invalid or duplicate parameter value
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::bad_syntax;
  int code = 500;
  EnhancedStatus enhanced{5, 5, 2};
  std::string text;               // ready for "<code> <enhanced> <text>"
  bool in_sasl_exchange = false;  // the bad line was a SASL response: abort the AUTH
  // The client's byte stream can no longer be followed (a BDAT whose size could not be
  // read): send the reply, then close.
  bool close_connection = false;
};

using ParseResult = std::variant<NeedMore, Command, SaslResponse, ParseError>;

// Maps a parse error to the closed error category shared by all protocols (DESIGN.md §5).
Error to_error(const ParseError& error);

class CommandParser {
 public:
  explicit CommandParser(Limits limits);

  // Appends bytes received from the client. Never fails.
  void feed(std::string_view bytes);

  // Returns the next complete item, or NeedMore when no complete line is buffered.
  ParseResult next();

  // The next line is a SASL client response of at most max_len octets including CRLF.
  // RFC 4954 §4 sizes these at 12288 octets; applies to exactly one line.
  void expect_sasl_response(std::size_t max_len);

  // Bytes buffered but not yet returned (see the DATA/BDAT and STARTTLS notes above).
  std::size_t buffered() const { return lines_.buffered(); }
  std::string_view pending() const { return lines_.pending(); }
  void consume_pending(std::size_t n) { lines_.consume_pending(n); }

  // Drops everything buffered (after STARTTLS).
  void clear();

  const Limits& limits() const { return limits_; }

 private:
  Limits limits_;
  detail::LineBuffer lines_;
  bool sasl_mode_ = false;
  std::size_t sasl_max_len_ = 0;
};

// Parses one command line (without its CRLF) as next() would. For tests and tools.
std::variant<Command, ParseError> parse_command_line(std::string_view line, const Limits& limits);

}  // namespace postroom::smtp
