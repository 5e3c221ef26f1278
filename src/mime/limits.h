// Limits for the MIME parser (DESIGN.md §5: every parser takes explicit limits).
// Contract: reaching a limit never fails the parse. The parser stops building structure at
// that point and describes the remainder as opaque text; Analysis/PartTree::limits_hit says so.
#pragma once

#include <cstddef>

namespace postroom::mime {

struct Limits {
  // Multipart / message/rfc822 nesting. Stops stack exhaustion in every recursive consumer
  // (BODYSTRUCTURE output, IMAP section lookup) and the depth x lines cost of matching each
  // body line against every open boundary, e.g. 100k nested "multipart/mixed" headers.
  std::size_t max_depth = 32;
  // Total body parts. Stops a small message of repeated "--b\r\n" lines (5 bytes per part)
  // from turning into a huge part tree and a multi-megabyte BODYSTRUCTURE string.
  std::size_t max_parts = 2000;
  // One part's header block. The parser buffers a header field whole, so this bounds that
  // buffer; stops an endless header (or endless folded field) from growing memory.
  std::size_t max_header_bytes = 256 * 1024;
  // Fields in one header block. Bounds per-field bookkeeping when a header is made of
  // millions of tiny "a:\r\n" fields inside the byte limit.
  std::size_t max_header_fields = 2000;
};

}  // namespace postroom::mime
