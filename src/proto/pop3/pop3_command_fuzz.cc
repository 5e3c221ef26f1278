// fuzz-lib: postroom_pop3proto
// Feeds arbitrary bytes to the POP3 command parser in chunks whose sizes come from the input
// itself, so libFuzzer explores split points too, and drains next() after every chunk.
// Also runs the response builders on the same bytes, as if they were a stored message.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "proto/pop3/command_parser.h"
#include "proto/pop3/response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::pop3;
  if (size == 0) {
    return 0;
  }
  // First byte: chunk size (1..64) for this run.
  const std::size_t chunk = 1 + (data[0] % 64);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  CommandParser parser(Limits{});
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::string_view piece = input.substr(pos, chunk);
    pos += piece.size();
    parser.feed(piece);
    for (;;) {
      ParseResult result = parser.next();
      if (std::holds_alternative<NeedMore>(result)) {
        break;
      }
      if (const auto* command = std::get_if<Command>(&result)) {
        if (command->verb == Verb::auth) {
          parser.expect_sasl_response(1024);
        }
        POSTROOM_CHECK(!command->message || *command->message >= 1, "message number 0 accepted");
      }
      // The buffer never holds more than one partial line plus the last chunk.
      POSTROOM_CHECK(parser.buffered() <= 1024 + chunk, "parser buffered too much");
    }
  }

  std::string body;
  append_dot_stuffed(body, input);
  POSTROOM_CHECK(body.empty() || body.size() >= 2, "body too short");
  POSTROOM_CHECK(body.empty() || body.substr(body.size() - 2) == "\r\n", "body must end in CRLF");
  POSTROOM_CHECK(pop3_size(input) <= body.size(), "size larger than body");
  std::string head;
  append_top(head, input, data[0] % 8);
  POSTROOM_CHECK(head.size() <= body.size(), "TOP longer than RETR");
  return 0;
}
