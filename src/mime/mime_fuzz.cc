// fuzz-lib: postroom_mime
// Fuzz target: analyze() on arbitrary bytes, checking that its IMAP output is always
// well-formed, that the incremental parser fed in two pieces agrees with the one-shot
// parse, and that the transfer decoders survive anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "mime/analyze.h"
#include "mime/bodystructure.h"
#include "mime/structure.h"
#include "mime/test_messages.h"
#include "mime/transfer_encoding.h"

namespace {

// The tree's positions must nest and stay inside the message.
void check_positions(const postroom::mime::Part& part, std::size_t begin, std::size_t end) {
  POSTROOM_CHECK(begin <= part.header_begin && part.header_begin <= part.body_begin &&
                     part.body_begin <= part.body_end && part.body_end <= end,
                 "part positions out of order");
  for (const postroom::mime::Part& child : part.children) {
    check_positions(child, part.body_begin, part.body_end);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mime = postroom::mime;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  mime::Limits limits;
  limits.max_depth = 8;
  limits.max_parts = 100;
  limits.max_header_bytes = 4096;
  limits.max_header_fields = 100;
  mime::Analysis analysis = mime::analyze(input, limits);
  POSTROOM_CHECK(mime::testing::imap_list_items(analysis.envelope) == 10, "bad ENVELOPE syntax");
  POSTROOM_CHECK(mime::testing::imap_list_items(analysis.bodystructure) > 0, "bad BODYSTRUCTURE syntax");
  POSTROOM_CHECK(mime::testing::imap_list_items(analysis.body) > 0, "bad BODY syntax");

  mime::PartTree whole = mime::parse_structure(input, limits);
  POSTROOM_CHECK(whole.root.body_end == size, "the message ends at the end of input");
  check_positions(whole.root, 0, size);

  // Split-invariance: the same tree when the input arrives in two chunks.
  mime::PartParser parser(limits);
  mime::StructureBuilder builder;
  std::size_t split = size / 2;
  for (std::string_view chunk : {input.substr(0, split), input.substr(split)}) {
    parser.feed(chunk);
    for (;;) {
      mime::PartEvent event = parser.next();
      if (event.kind == mime::PartEvent::Kind::need_more) {
        break;
      }
      builder.on_event(event);
    }
  }
  parser.finish();
  while (!builder.on_event(parser.next())) {
  }
  mime::PartTree split_tree = builder.take(parser.limits_hit());
  POSTROOM_CHECK(split_tree.part_count == whole.part_count, "split parse differs");
  POSTROOM_CHECK(mime::format_body_structure(split_tree.root, true) == analysis.bodystructure, "split parse differs");

  (void)mime::decode_base64(input);
  (void)mime::decode_quoted_printable(input);
  return 0;
}
