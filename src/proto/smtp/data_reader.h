// Message content readers for the server side: DataReader (DATA, RFC 5321 §4.1.1.4, §4.5.2)
// and BdatReader (BDAT chunks, RFC 3030), plus the Received-header hop counter
// (RFC 5321 §6.3).
//
//   DataReader reader(DataLimits{});          // after sending 354
//   std::size_t used = reader.feed(parser.pending(), sink);
//   parser.consume_pending(used);
//   while (!reader.done()) {                  // read from the socket
//     std::size_t n = reader.feed(bytes, sink);
//     if (reader.done()) parser.feed(bytes.substr(n));  // pipelined commands after "."
//   }
//   reader.outcome()  -> ok / too_big / bare_newline / too_many_hops
//
// Contract:
// - feed() consumes bytes up to and including the end of the message and returns how many it
//   consumed; anything after that belongs to the command stream. Never fails.
// - DATA ends ONLY at CRLF "." CRLF (counting the CRLF that ends the line before it, or the
//   very start of the data). "\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n" and the like do not end
//   it, whatever the policy: this is the SMTP smuggling defence (CVE-2023-51764 family).
// - Dot-unstuffing (RFC 5321 §4.5.2): a line that starts with "." and has more characters
//   loses that first "." ("..\r\n" becomes ".\r\n"). Only a real CRLF starts a line. A "."
//   followed directly by a bare CR or LF is kept (no content disappears).
// - Bare CR / bare LF are reported (bare_cr_seen / bare_lf_seen) under every policy. Under
//   BareNewlinePolicy::reject the rest of the message is read and discarded and the outcome
//   is bare_newline; under normalize_to_crlf each one is written to the sink as CRLF.
// - Size: octets are counted after unstuffing. Past max_message_size nothing more is
//   appended, but the reader keeps consuming to the real end, so the session answers
//   552 5.3.4 in step with the client. Memory held by the sink stays bounded by the limit.
// - Output is appended to a std::string owned by the caller, who may drain it (write to a
//   blob, clear()) between feed() calls: the reader keeps no pointer to it.
// - Results do not depend on how the input was split across feed() calls.
//
// SECURITY: runs after MAIL/RCPT were accepted, possibly unauthenticated (port 25).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/smtp/policy.h"

namespace postroom::smtp {

struct DataLimits {
  // Largest message accepted, in octets after unstuffing; also what EHLO's SIZE should
  // advertise (RFC 1870). Bounds the memory or disk one transaction can use.
  std::uint64_t max_message_size = 25ull * 1024 * 1024;
  BareNewlinePolicy bare_newline = BareNewlinePolicy::reject;
  // RFC 5321 §6.3: a message with this many Received header fields is looping (554 5.4.6).
  // The RFC asks for a threshold of at least 100. 0 disables the check.
  unsigned max_received_headers = 100;
};

enum class DataStatus {
  ok,
  bare_newline,   // reply 550 5.5.2 (BareNewlinePolicy::reject only)
  too_big,        // reply 552 5.3.4 (RFC 1870 §6.3, RFC 5321 §4.5.3.1.10)
  too_many_hops,  // reply 554 5.4.6 (RFC 5321 §6.3)
};

// What the session needs once the message has ended. When several problems occur, status
// reports the first in the order bare_newline, too_big, too_many_hops.
struct DataOutcome {
  DataStatus status = DataStatus::ok;
  std::uint64_t octets = 0;       // message size after unstuffing, counted past the limit too
  unsigned received_headers = 0;  // "Received:" fields in the header block
  bool bare_lf_seen = false;
  bool bare_cr_seen = false;
};

// Counts "Received:" header fields (name case-insensitive, RFC 5322 obsolete "Received :"
// accepted) at line starts before the first empty line. Lines may end in CRLF or LF.
class ReceivedHeaderCounter {
 public:
  void feed(std::string_view bytes);
  unsigned count() const { return count_; }
  bool header_done() const { return !in_header_; }

 private:
  enum class Phase { name, after_name, rest_of_line };
  bool in_header_ = true;
  Phase phase_ = Phase::name;
  std::size_t matched_ = 0;     // characters of "received" matched on this line
  std::size_t line_chars_ = 0;  // non-CR octets on this line so far
  unsigned count_ = 0;
};

class DataReader {
 public:
  explicit DataReader(DataLimits limits);

  std::size_t feed(std::string_view bytes, std::string& sink);
  bool done() const { return state_ == State::done; }
  // Valid at any time; final once done().
  DataOutcome outcome() const;
  // Ready for the next message, same limits.
  void reset();

 private:
  enum class State { line_start, dot, dot_cr, text, cr, done };
  void emit(std::string_view bytes, std::string& sink);
  void bare(bool is_lf, std::string& sink);

  DataLimits limits_;
  State state_ = State::line_start;
  std::uint64_t octets_ = 0;
  bool bare_lf_seen_ = false;
  bool bare_cr_seen_ = false;
  ReceivedHeaderCounter hops_;
};

// BDAT chunks (RFC 3030): exactly chunk_size octets, binary-safe, no dot handling and no line
// semantics; the message ends with the LAST chunk.
//
//   on "BDAT n [LAST]" accepted:  reader.start_chunk(n, last);
//   on "BDAT n" refused:          reader.skip_chunk(n);    // RFC 3030 §2: still consume it
//   feed() until chunk_done(), then back to the CommandParser (hand-off as for DataReader).
//
// Size limit as for DataReader: past it, octets are counted and dropped, and the outcome is
// too_big once the LAST chunk is read. Bare CR/LF are not looked for (BINARYMIME content is
// arbitrary octets and there is no end marker to smuggle). Received headers are counted.
class BdatReader {
 public:
  explicit BdatReader(DataLimits limits);

  void start_chunk(std::uint64_t size, bool last);
  void skip_chunk(std::uint64_t size);
  std::size_t feed(std::string_view bytes, std::string& sink);

  bool chunk_done() const { return remaining_ == 0; }
  bool message_done() const { return message_done_; }
  DataOutcome outcome() const;
  void reset();

 private:
  DataLimits limits_;
  std::uint64_t remaining_ = 0;
  bool last_ = false;
  bool skipping_ = false;
  bool message_done_ = false;
  std::uint64_t octets_ = 0;
  ReceivedHeaderCounter hops_;
};

}  // namespace postroom::smtp
