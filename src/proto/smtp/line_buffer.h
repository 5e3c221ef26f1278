// LineBuffer: the line splitter shared by CommandParser and ReplyParser. Internal to
// proto/smtp.
//
// Contract:
// - feed() appends bytes; next(limit) returns one complete line at a time, or nullopt.
// - A line ends at LF. Line::bare_lf says the LF had no CR before it; the CR of a CRLF is
//   not part of Line::content. Any other CR stays in the content (callers reject it).
// - limit counts the terminator. A longer line is never buffered whole: its bytes are
//   dropped as they arrive and it is reported once, as Line{too_long = true}, when its LF
//   arrives, so the reply to it lines up with the peer's pipelined stream.
// - Line::content stays valid until the next feed(), consume_pending() or clear().
// - Results do not depend on how the input was split across feed() calls.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::smtp::detail {

class LineBuffer {
 public:
  struct Line {
    std::string_view content;  // without terminator; empty when too_long
    bool too_long = false;
    bool bare_lf = false;
  };

  void feed(std::string_view bytes);
  std::optional<Line> next(std::size_t limit);

  std::size_t buffered() const { return buffer_.size() - consumed_; }
  // Unconsumed bytes, and dropping a prefix of them: the hand-off to DATA/BDAT readers.
  std::string_view pending() const;
  void consume_pending(std::size_t n);
  void clear();

 private:
  std::string buffer_;
  std::size_t consumed_ = 0;  // bytes of buffer_ already returned
  std::size_t scanned_ = 0;   // bytes of buffer_ known to contain no LF
  bool discarding_ = false;   // dropping the rest of an over-long line until its LF
};

}  // namespace postroom::smtp::detail
