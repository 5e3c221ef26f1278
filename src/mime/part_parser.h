// Incremental MIME structure parser (DESIGN.md §7.1: feed bytes, ask for the next event).
//
//   PartParser parser(limits);
//   parser.feed(chunk);                 // chunk must stay alive until next() says need_more
//   for (;;) {
//     PartEvent e = parser.next();
//     if (e.kind == PartEvent::Kind::need_more) break;   // feed more, or finish()
//     ...
//   }
//   parser.finish();                    // end of message; next() then drains to `end`
//
// Events, properly nested: part_begin, header_field*, header_end, [children], part_end.
// `depth` is 0 for the message itself, 1 for its parts, and so on.
//
// Positions (byte offsets from the start of the message) are exact, because IMAP
// BODY[section] fetches slice the stored message with them:
// - part_begin.offset: first byte of the part's header.
// - header_end.offset: first byte of the body (just after the blank line). When a header
//   is cut short by a boundary or the end of input, the body is empty and starts there.
// - part_end.offset: one past the body's last byte. In a multipart, the line break before
//   a boundary delimiter belongs to the delimiter (RFC 2046 §5.1.1), so it is excluded.
//   When a delimiter directly follows the blank line that ended a header, that blank
//   line's CRLF is the delimiter's, so the part really has no blank line and no body:
//   part_end.offset is then *before* header_end.offset (by that CRLF), and a consumer
//   must clamp the header end and body start down to it (StructureBuilder does). This
//   keeps every part inside its parent.
// - part_end.lines: lines in the body [header_end, part_end): the number of line starts
//   inside it, i.e. "a\r\nb" and "a\r\nb\r\n" both have 2 lines.
// Lines end in CRLF, a bare LF is tolerated (the CR is then simply absent).
//
// Structure rules:
// - Content-Type decides the body: multipart/* with a boundary => children separated by
//   "--boundary" lines; message/rfc822 => one embedded message; anything else => opaque.
//   A multipart without a usable boundary is opaque text (RFC 2045 asks for a default).
// - A delimiter line is "--" boundary followed by optional whitespace, or by "--" (close
//   delimiter, anything may follow). It is matched against every open multipart, innermost
//   first, so a missing inner close delimiter does not swallow the outer structure. After
//   its close delimiter, a multipart's boundary is no longer matched (epilogue).
// - A header line without ":" or with an invalid field name is skipped; a header ends at
//   the first empty line. Folded lines (starting with SP/HTAB) continue the previous field.
//
// Limits (limits.h): past max_depth a container part is treated as opaque; past max_parts
// structure parsing stops and every later byte is body text of the parts still open;
// header fields past max_header_fields or max_header_bytes are dropped (the header still
// ends at its blank line). limits_hit() reports any of these.
//
// Memory: one partial line (bounded by max_header_bytes in a header, a short prefix in a
// body: only the first bytes of a body line can matter for boundary matching), one header
// field, and one small frame per open part (at most max_depth + 1).
//
// SECURITY: runs on untrusted mail at delivery (before anyone reads it) and on APPEND data
// from authenticated users; it touches only its own buffers.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/limits.h"

namespace postroom::mime {

enum class BodyKind { opaque, multipart, message };

struct PartEvent {
  enum class Kind { need_more, part_begin, header_field, header_end, part_end, end };
  Kind kind = Kind::need_more;
  std::size_t depth = 0;
  std::size_t offset = 0;                 // see the header comment
  std::size_t lines = 0;                  // part_end only
  BodyKind body_kind = BodyKind::opaque;  // header_end only: how the body is parsed
  std::string_view name;                  // header_field only, valid until the next next()
  std::string_view value;                 // header_field only: raw, folding kept, after ":"
};

class PartParser {
 public:
  explicit PartParser(const Limits& limits = {});

  // Gives the parser more bytes. Precondition: next() returned need_more since the last
  // feed() (the parser keeps a view of `bytes`, not a copy, until then).
  void feed(std::string_view bytes);
  // Declares the end of input.
  void finish();
  // The next event; need_more when the fed bytes are used up; end after finish() and all
  // events (and forever after).
  PartEvent next();

  bool limits_hit() const { return limits_hit_; }
  std::size_t part_count() const { return part_count_; }

 private:
  struct Frame {
    std::size_t header_begin = 0;
    // No part ends before this: its own header_begin, or for the message inside a
    // message/rfc822 part, that part's min_end (they may shrink together, see above).
    std::size_t min_end = 0;
    std::size_t body_begin = 0;
    std::size_t body_begin_line = 0;  // index of the body's first line
    bool in_header = true;
    BodyKind kind = BodyKind::opaque;
    std::string boundary;    // multipart only
    bool closed = false;     // close delimiter seen: the rest is epilogue
    bool is_digest = false;  // multipart/digest: children default to message/rfc822
    bool parent_is_digest = false;
    std::optional<std::string> content_type;
    std::size_t header_bytes = 0;
    std::size_t field_count = 0;
  };

  struct Line {
    std::size_t begin = 0;   // offset of the first byte
    std::size_t length = 0;  // bytes without the terminator
    std::size_t eol = 0;     // 2 (CRLF), 1 (LF) or 0 (end of input)
    std::string_view kept;   // the first bytes (all of them unless truncated)
    bool truncated = false;
    bool rest_is_space = true;  // every byte past `kept` is SP/HTAB
  };

  void take_line_bytes();
  void process_line(const Line& line);
  void header_line(const Line& line);
  bool delimiter_line(const Line& line);
  void flush_field();
  void end_header(std::size_t body_begin);
  void begin_part(std::size_t header_begin, std::size_t min_end, bool parent_is_digest);
  void end_top_part(std::size_t body_end, std::size_t lines);
  void end_all();
  std::size_t kept_limit() const;
  std::size_t body_end_before(const Line& line, const Frame& frame) const;

  Limits limits_;
  std::string_view input_;
  std::size_t offset_ = 0;  // absolute offset of input_.front()
  bool finished_ = false;
  bool done_ = false;
  bool structure_stopped_ = false;  // max_parts reached
  bool limits_hit_ = false;
  std::size_t part_count_ = 0;

  // The line being assembled.
  std::string line_kept_;
  std::size_t line_begin_ = 0;
  std::size_t line_length_ = 0;  // bytes so far, a trailing CR included
  bool line_truncated_ = false;
  bool line_rest_space_ = true;
  char line_last_ = '\0';

  // The previous complete line, for "the CRLF before a delimiter" arithmetic.
  bool have_prev_ = false;
  std::size_t prev_begin_ = 0;
  std::size_t prev_length_ = 0;
  std::size_t prev_eol_ = 0;
  std::size_t prev_index_ = 0;
  std::size_t lines_seen_ = 0;  // complete (non-empty) lines processed so far

  std::vector<Frame> stack_;
  std::string field_;          // current header field, raw, folding kept
  std::string emitted_field_;  // storage behind the last header_field event
  std::deque<PartEvent> queue_;
};

}  // namespace postroom::mime
