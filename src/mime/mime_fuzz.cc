// fuzz-lib: postroom_mime
// Fuzz target: analyze() on arbitrary bytes, plus the incremental parser fed in two pieces
// (must agree with the one-shot parse) and the transfer decoders.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/check.h"
#include "mime/analyze.h"
#include "mime/structure.h"
#include "mime/transfer_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  postroom::mime::Limits limits;
  limits.max_depth = 8;
  limits.max_parts = 100;
  limits.max_header_bytes = 4096;
  limits.max_header_fields = 100;
  postroom::mime::Analysis analysis = postroom::mime::analyze(input, limits);
  POSTROOM_CHECK(!analysis.bodystructure.empty(), "BODYSTRUCTURE is never empty");

  // Split-invariance: the same tree when the input arrives in two chunks.
  postroom::mime::PartTree whole = postroom::mime::parse_structure(input, limits);
  postroom::mime::PartParser parser(limits);
  postroom::mime::StructureBuilder builder;
  std::size_t split = size / 2;
  for (std::string_view chunk : {input.substr(0, split), input.substr(split)}) {
    parser.feed(chunk);
    for (;;) {
      postroom::mime::PartEvent event = parser.next();
      if (event.kind == postroom::mime::PartEvent::Kind::need_more) {
        break;
      }
      builder.on_event(event);
    }
  }
  parser.finish();
  while (!builder.on_event(parser.next())) {
  }
  postroom::mime::PartTree split_tree = builder.take(parser.limits_hit());
  POSTROOM_CHECK(split_tree.root.body_end == whole.root.body_end, "split parse differs");
  POSTROOM_CHECK(split_tree.part_count == whole.part_count, "split parse differs");
  POSTROOM_CHECK(whole.root.body_end == size, "the message ends at the end of input");

  (void)postroom::mime::decode_base64(input);
  (void)postroom::mime::decode_quoted_printable(input);
  return 0;
}
