// Incremental parser of SMTP server replies, for the client side (outbound queue, probe).
// RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                             Reply-code [ SP textstring ] CRLF
//
//   ReplyParser parser(ReplyLimits{});
//   parser.feed(bytes_from_server);
//   ReplyResult r = parser.next();   // NeedMore | Reply | ReplyError
//
// Contract:
// - Pure; results do not depend on how the input was split across feed() calls.
// - Reply codes must be three digits, first 2..5, second 0..5 (RFC 5321 §4.2.1); every line
//   of a multi-line reply must carry the same code.
// - Bare LF line ends are tolerated (servers in the wild send them; nothing is smuggled on
//   the reply path); a CR inside a line or any other control except TAB is an error.
// - After a ReplyError the lines of the broken reply are skipped up to and including its
//   final line where that can be recognised, so the next next() starts on a fresh reply. A
//   client should normally give up on the connection anyway.
// - Memory: one partial line (bounded by max_line) plus at most max_lines stored lines.
//
// SECURITY: parses bytes from an untrusted remote server.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proto/smtp/command_parser.h"
#include "proto/smtp/line_buffer.h"
#include "proto/smtp/status.h"

namespace postroom::smtp {

struct ReplyLimits {
  // RFC 5321 §4.5.3.1.5 sets 512 octets (with CRLF) per reply line; real servers exceed it
  // (long EHLO AUTH lists, banners), hence a default of 2048. Must be at least 512. Bounds
  // what a hostile server can make us buffer per line.
  std::size_t max_line = 2048;
  // Lines per reply; stops a server from streaming an endless multi-line reply into memory.
  std::size_t max_lines = 100;
};

struct Reply {
  int code = 0;
  // From the first line's text when it starts with "c.s.d " and c matches the code's first
  // digit (RFC 2034 §4, RFC 3463).
  std::optional<EnhancedStatus> enhanced;
  // Text of each line after "ddd-" / "ddd ", as sent (the enhanced code is not stripped:
  // use text_of() for that). A line that is just "250" gives "".
  std::vector<std::string> lines;

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
};

// A line's text without a leading enhanced status equal to reply.enhanced.
std::string_view text_of(const Reply& reply, std::size_t line);

enum class ReplyErrorKind {
  line_too_long,
  too_many_lines,
  bad_syntax,
  inconsistent_code,  // a continuation line changed the code
};

struct ReplyError {
  ReplyErrorKind kind = ReplyErrorKind::bad_syntax;
  std::string text;  // for logs; never contains server bytes
};

using ReplyResult = std::variant<NeedMore, Reply, ReplyError>;

class ReplyParser {
 public:
  explicit ReplyParser(ReplyLimits limits);

  void feed(std::string_view bytes);
  ReplyResult next();

  std::size_t buffered() const { return lines_.buffered(); }
  // Drops everything buffered (after STARTTLS, RFC 3207 §4.2: a server must not have sent
  // anything after its 220, and what it did send must not be trusted).
  void clear();

 private:
  ReplyLimits limits_;
  detail::LineBuffer lines_;
  Reply current_;
  bool in_reply_ = false;
  bool skipping_ = false;  // after an error: drop lines up to the broken reply's final line
};

}  // namespace postroom::smtp
