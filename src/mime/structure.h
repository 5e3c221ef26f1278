// The part tree of a message: exact byte positions for IMAP BODY[section] and the MIME
// attributes BODYSTRUCTURE reports, built from PartParser events.
//
//   PartTree tree = parse_structure(message, limits);        // whole buffer
// or, on data arriving in chunks:
//   PartParser parser(limits); StructureBuilder builder;
//   ... builder.on_event(parser.next()) for every event ...; PartTree tree = builder.take();
//
// Offsets are relative to the start of the message given to the parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/content_type.h"
#include "mime/envelope.h"
#include "mime/header.h"
#include "mime/limits.h"
#include "mime/part_parser.h"

namespace postroom::mime {

struct Part {
  // [header_begin, body_begin) is the header block including its blank line (BODY[n.MIME],
  // BODY[HEADER]); [body_begin, body_end) is the body as transmitted (BODY[n], BODY[TEXT]).
  std::size_t header_begin = 0;
  std::size_t body_begin = 0;
  std::size_t body_end = 0;
  std::size_t lines = 0;  // lines in the body (see part_parser.h)

  // How the parser read the body. A multipart or message/rfc822 part that was not parsed
  // as such (no boundary, limits) is `opaque`; see `content_type` for what it claims.
  BodyKind kind = BodyKind::opaque;
  // The effective type (RFC 2045 defaults applied). A "multipart/*" without a usable
  // boundary is reported as text/plain; charset=us-ascii.
  ContentType content_type;
  std::optional<std::string> id;           // Content-ID, unfolded
  std::optional<std::string> description;  // Content-Description, unfolded, not decoded
  std::optional<std::string> md5;          // Content-MD5
  std::optional<std::string> location;     // Content-Location, all whitespace removed
  std::string encoding;                    // Content-Transfer-Encoding token; empty = absent (7bit)
  std::optional<Disposition> disposition;
  std::vector<std::string> language;  // Content-Language tags

  // The fields this library interprets (Content-*, and the envelope fields), in order.
  std::vector<HeaderField> fields;
  // Set on the top-level part and on the child of every message/rfc822 part: the part is
  // then a message, and this is its header's envelope.
  std::optional<Envelope> envelope;
  // multipart: its body parts in order; message/rfc822: exactly one, the embedded message.
  std::vector<Part> children;

  std::size_t header_size() const { return body_begin - header_begin; }
  std::size_t body_size() const { return body_end - body_begin; }
};

struct PartTree {
  Part root;  // the message itself
  bool limits_hit = false;
  std::size_t part_count = 0;
};

// Collects PartParser events into a PartTree.
class StructureBuilder {
 public:
  // Feed every event except need_more. Returns true once `end` was seen.
  bool on_event(const PartEvent& event);
  // The tree; call after `end` (or earlier for a partial tree of what was seen).
  PartTree take(bool limits_hit);

 private:
  void finish_header(Part& part, const PartEvent& event);

  PartTree tree_;
  std::vector<Part*> stack_;
  bool started_ = false;
};

// Parses the whole message. Never fails: malformed input yields the best description.
PartTree parse_structure(std::string_view message, const Limits& limits = {});

// IMAP section lookup (RFC 3501 §6.4.5): `path` is e.g. {2, 1} for "2.1". Returns the
// part whose [body_begin, body_end) is BODY[path] (and whose header is BODY[path.MIME]);
// for a non-multipart message "1" is the message itself. nullptr when there is no such
// part. An empty path returns the root.
const Part* find_section(const PartTree& tree, const std::vector<std::size_t>& path);

}  // namespace postroom::mime
