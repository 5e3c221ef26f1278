// Incremental POP3 command parser (DESIGN.md §7.1: feed bytes, ask for the next item).
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
// - Pure: no I/O, no allocation beyond the line buffer. Results do not depend on how the
//   input was split across feed() calls.
// - Lines end in CRLF; a bare LF is tolerated. The line length limit counts the terminator.
// - A line longer than the limit is never buffered whole: its bytes are dropped as they
//   arrive, and ParseError{line_too_long} is returned once its LF is seen, so the -ERR reply
//   lines up with the client's command stream (RFC 2449 PIPELINING).
// - After the server sends a SASL challenge ("+ ..."), it calls expect_sasl_response(); the
//   next line is then returned raw as a SaslResponse instead of being parsed as a command.
// - Memory: the buffer holds at most one partial line (bounded by the limit) plus whatever
//   the caller feeds between next() calls; call feed() only after next() says NeedMore and
//   the buffer stays bounded by limit + one read.
//
// SECURITY: this runs before authentication on every connection; it touches nothing but its
// own buffer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "proto/pop3/command.h"

namespace postroom::pop3 {

struct Limits {
  // RFC 2449 §4: a command line is at most 255 octets including CRLF. Stops a client from
  // making us buffer an endless line before authenticating.
  std::size_t max_command_line = 255;
};

struct NeedMore {};

// One line sent in answer to a SASL challenge (RFC 5034 §4), without its CRLF.
struct SaslResponse {
  std::string line;        // raw, still base64; empty is a valid (empty) response
  bool cancelled = false;  // the client sent "*" to abort the exchange
};

enum class ParseErrorKind {
  line_too_long,
  bad_syntax,
  unknown_command,
};

struct ParseError {
  ParseErrorKind kind = ParseErrorKind::bad_syntax;
  std::string text;               // ready for "-ERR <text>"; never echoes client bytes
  bool in_sasl_exchange = false;  // the bad line was a SASL response: abort the AUTH
};

using ParseResult = std::variant<NeedMore, Command, SaslResponse, ParseError>;

// Maps a parse error to the closed error category shared by all protocols (DESIGN.md §5).
Error to_error(const ParseError& error);

class CommandParser {
 public:
  explicit CommandParser(Limits limits);

  // Appends bytes received from the client. Never fails.
  void feed(std::string_view bytes);

  // Returns the next complete item, or NeedMore when the buffer holds no complete line.
  ParseResult next();

  // The next line is a SASL client response of at most max_len octets including its line
  // terminator. Applies to exactly one line; the parser then goes back to commands.
  // A longer line gives ParseError{line_too_long, in_sasl_exchange = true}.
  void expect_sasl_response(std::size_t max_len);

  // Bytes buffered but not yet returned (for tests and for STLS: RFC 2595 §4 forbids
  // pipelining past STLS, and leftover plaintext must be discarded, not read as TLS data).
  std::size_t buffered() const { return buffer_.size() - consumed_; }

  // Drops everything buffered (used after STLS; see buffered()).
  void clear();

 private:
  std::size_t current_limit() const;

  Limits limits_;
  std::string buffer_;
  std::size_t consumed_ = 0;  // bytes of buffer_ already returned
  std::size_t scanned_ = 0;   // bytes of buffer_ known to contain no LF
  bool discarding_ = false;   // dropping the rest of an over-long line until its LF
  bool sasl_mode_ = false;
  std::size_t sasl_max_len_ = 0;
};

}  // namespace postroom::pop3
