// Incremental IMAP server-side command parser (DESIGN.md §7.1: feed bytes, ask for the next
// item). RFC 9051 / RFC 3501 grammar, literals per RFC 9051 §4.3, RFC 7888 (LITERAL+ and
// LITERAL-), RFC 3516 (literal8).
//
//   CommandParser parser(Limits{});
//   parser.feed(bytes_from_socket);
//   for (;;) {
//     ParseResult r = parser.next();
//     if (std::holds_alternative<NeedMore>(r)) break;          // read more, feed again
//     if (auto* c = std::get_if<ContinuationNeeded>(&r)) { send("+ " + c->text + "\r\n"); continue; }
//     ...                                    // Command, ParseError, SaslResponse, IdleDone
//   }
//
// Contract:
// - Pure: no I/O. Results do not depend on how the input was split across feed() calls.
// - A command is one or more lines: each line that ends in a literal announcement
//   ({n}, {n+}, ~{n}, ~{n+} just before CRLF, outside a quoted string) is followed by n
//   literal bytes and then the command continues. A bare LF ends a line like CRLF.
// - Synchronizing literal {n} that fits: next() returns ContinuationNeeded once; the server
//   must send "+ <text>" before the client sends the bytes.
// - Synchronizing literal that is too big (Limits): ParseError{too_big} at once, without a
//   continuation. The client does not send the literal (RFC 9051 §7.1.5), so the command is
//   over and the parser starts a new one. Reply: "tag BAD [TOOBIG] ...".
// - Non-synchronizing literal {n+} that is too big, larger than 4096 under LITERAL- (RFC 7888
//   §5), or any {n+} when no LITERAL capability is advertised: the client sends the bytes
//   anyway, so the parser reads and drops them (never buffers them), drops the rest of the
//   command (following its further literals), then returns ParseError{too_big}. Beyond
//   Limits::max_discard it gives up: ParseError{too_big, close_connection} → "* BYE" + close.
// - Command text (everything but literal bytes, CRLFs included, summed over all lines of the
//   command) is bounded by Limits::max_command_line. A longer command is dropped as it
//   arrives — still following its literal announcements so that literal bytes are never
//   taken for commands — and reported once it ends: ParseError{too_big}.
// - A grammar error gives ParseError{bad} ("tag BAD ..."), or "* BAD" when no tag could be
//   read. A mailbox name that is not valid modified UTF-7 (or UTF-8 in UTF-8 mode) gives
//   ParseError{bad_mailbox_name} ("tag NO [CANNOT] ...").
// - ParseError texts are fixed strings: they never echo client bytes.
// - After AUTHENTICATE the server sends its challenge and calls expect_sasl_response(); the
//   next line comes back raw as SaslResponse (RFC 9051 §6.2.2). After IDLE's "+ idling" it
//   calls expect_idle_done(); the next line comes back as IdleDone, or as
//   ParseError{bad, in_idle} when it is not "DONE" (RFC 2177).
// - After STARTTLS or COMPRESS (OK sent): the bytes already buffered are plaintext sent too
//   early (STARTTLS: drop them with clear(), RFC 9051 §6.2.1, the CVE-2011-0411 injection) or
//   already compressed (COMPRESS: take them with pending() and consume_pending(), inflate
//   them, and feed() the result).
// - Memory: the command being assembled (≤ max_command_line + accepted literal bytes) plus
//   what is fed between next() calls. Literal bytes of APPEND are part of the command, so
//   an APPEND holds its messages in memory (bounded by max_append_total).
//
// SECURITY: this runs before authentication and before TLS on every connection. Until login
// the session should keep max_append_literal small (APPEND is not allowed anyway) — the
// parser only sizes literals, it does not know the session state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "base/result.h"
#include "proto/imap/command.h"

namespace postroom::imap {

// Which non-synchronizing literal capability the server advertises (RFC 7888).
enum class LiteralMode {
  none,           // neither: {n+} is a client error (read and dropped, then BAD [TOOBIG])
  literal_plus,   // LITERAL+: {n+} of any size up to the literal limits
  literal_minus,  // LITERAL-: {n+} only up to 4096 octets (RFC 7888 §5)
};

struct Limits {
  // Command text excluding literal bytes, summed over the lines of one command, CRLFs
  // included. RFC 9051 §4 sets no limit; RFC 7162 §4 recommends servers accept at least
  // 8192 octets. 64 KiB fits huge UID sets. Stops a client from making us buffer an endless
  // line before authenticating.
  std::size_t max_command_line = 64 * 1024;
  // Any literal outside APPEND (a password, a search string, a mailbox name). Nothing
  // legitimate there is large; stops memory exhaustion through LOGIN {4000000000}.
  std::uint64_t max_literal = 64 * 1024;
  // One APPEND message literal: set it to the message size limit (APPENDLIMIT); keep it
  // small before login.
  std::uint64_t max_append_literal = 50ull * 1024 * 1024;
  // All literals of one APPEND (MULTIAPPEND sends many messages in one command, all held in
  // memory until the command ends).
  std::uint64_t max_append_total = 200ull * 1024 * 1024;
  // Literals in one command (an APPEND with thousands of tiny messages, or a SEARCH made of
  // literals, costs a vector element and a string each).
  std::size_t max_literals = 1000;
  // Bytes of too-large non-synchronizing literals the parser reads and drops to stay in step
  // with the client. Beyond this it stops reading: BYE (RFC 7888 §5 allows either).
  std::uint64_t max_discard = 64ull * 1024 * 1024;
  LiteralMode literal_mode = LiteralMode::literal_plus;
  // Parenthesis nesting in any argument, SEARCH keys per program, and items in any list
  // (fetch items, flags, patterns, status items, ID pairs, sort criteria, ENABLE names):
  // each element costs an allocation and per-message work later.
  std::size_t max_depth = 32;
  std::size_t max_search_keys = 1024;
  std::size_t max_list_items = 1024;
  SequenceLimits sequence;
  // Mailbox names are UTF-8 instead of modified UTF-7 (after ENABLE UTF8=ACCEPT or
  // IMAP4rev2). Prefer set_utf8_names() on a live parser.
  bool utf8_names = false;
};

struct NeedMore {};

// The server must send "+ <text>\r\n" now (a synchronizing literal was announced).
struct ContinuationNeeded {
  std::string text;  // e.g. "Ready for literal data"
};

// One line sent in answer to an AUTHENTICATE challenge, without its CRLF.
struct SaslResponse {
  std::string line;        // raw base64; empty is a valid (empty) response
  bool cancelled = false;  // the client sent "*" (RFC 9051 §6.2.2): answer "tag BAD"
};

// The client ended IDLE with "DONE" (RFC 2177 §3).
struct IdleDone {};

enum class ParseErrorKind {
  bad,               // tagged BAD (untagged "* BAD" when tag is unknown)
  too_big,           // tagged BAD [TOOBIG]; "* BYE [TOOBIG]" + close when close_connection
  bad_mailbox_name,  // tagged NO [CANNOT]: the name is not valid mUTF-7 / UTF-8
};

struct ParseError {
  std::optional<std::string> tag;  // when the command started with a valid tag
  ParseErrorKind kind = ParseErrorKind::bad;
  std::string text;               // fixed text; never client bytes
  bool close_connection = false;  // the stream cannot be followed any more
  bool in_sasl_exchange = false;  // the bad line was a SASL response: abort the AUTHENTICATE
  bool in_idle = false;           // the line ending IDLE was not DONE: end IDLE with BAD
};

using ParseResult = std::variant<NeedMore, Command, ContinuationNeeded, ParseError, SaslResponse, IdleDone>;

// Maps a parse error to the closed error category shared by all protocols (DESIGN.md §5).
Error to_error(const ParseError& error);

class CommandParser {
 public:
  explicit CommandParser(Limits limits);

  // Appends bytes received from the client. Never fails.
  void feed(std::string_view bytes);

  // Returns the next item, or NeedMore when more input is needed.
  ParseResult next();

  // The next line is a SASL response of at most max_len octets including CRLF (one line).
  void expect_sasl_response(std::size_t max_len);
  // The next line should be "DONE" (case-insensitive) ending IDLE (one line).
  void expect_idle_done();

  // Settings that change during a session.
  void set_utf8_names(bool on) { limits_.utf8_names = on; }
  void set_literal_mode(LiteralMode mode) { limits_.literal_mode = mode; }
  void set_max_append_literal(std::uint64_t n) { limits_.max_append_literal = n; }
  const Limits& limits() const { return limits_; }

  // Bytes fed but not yet consumed by a returned item (see STARTTLS/COMPRESS above). Only
  // meaningful between commands (after a Command was returned).
  std::string_view pending() const;
  void consume_pending(std::size_t n);
  std::size_t buffered() const { return buffer_.size() - consumed_; }
  // Drops everything buffered and any partial command.
  void clear();
  // Gives back the memory earlier input left behind (consumed bytes, the assembled text of
  // past commands) when nothing is pending. For connections about to park (IDLE): their
  // cost per connection is what they keep between reads.
  void release_memory();

 private:
  enum class State { line, literal, sasl, idle, dead };

  ParseResult on_line_end(std::size_t line_end);
  void reset_command();
  std::optional<std::string> current_tag() const;
  ParseResult finish_special_line(std::string_view line, bool too_long);

  Limits limits_;
  std::string buffer_;
  std::size_t consumed_ = 0;

  State state_ = State::line;
  std::string command_;                      // assembled text of the current command
  std::size_t text_bytes_ = 0;               // non-literal bytes of the current command
  std::size_t segment_start_ = 0;            // offset in command_ where the current line started
  bool discarding_ = false;                  // dropping the rest of this command
  std::optional<ParseError> pending_error_;  // reported when the dropped command ends
  // Lexical state of the current line (to find a literal announcement outside quotes).
  bool in_quote_ = false;
  bool quote_escape_ = false;
  std::string tail_;         // "{123+}\r" candidate at the end of the line
  bool tail_tilde_ = false;  // '~' right before the '{'
  char prev_char_ = 0;
  // Literal being read.
  std::uint64_t literal_left_ = 0;
  bool literal_discard_ = false;
  std::size_t literal_count_ = 0;
  std::uint64_t append_total_ = 0;
  std::uint64_t discarded_ = 0;
  bool continuation_due_ = false;
  // Special one-line modes.
  std::size_t sasl_max_len_ = 0;
  std::string special_line_;
  bool special_too_long_ = false;
};

// Parses one complete command in wire form (literals inline as "{n}\r\n<bytes>"; the final
// CRLF optional) exactly as next() would after assembling it. For tests and tools; does not
// apply the framing limits (line and literal sizes).
std::variant<Command, ParseError> parse_command(std::string_view text, const Limits& limits);

}  // namespace postroom::imap
