// fuzz-lib: postroom_imapproto
// Feeds arbitrary bytes to the IMAP command parser in chunks whose sizes come from the input
// itself, so libFuzzer explores split points too, and drains next() after every chunk the
// way a session would (IDLE → DONE line, AUTHENTICATE → one SASL line). Every ParseError's
// reply must be syntactically valid IMAP, and the buffer must stay bounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/response.h"
#include "proto/imap/response_syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::imap;
  if (size < 2) {
    return 0;
  }
  // First byte: chunk size (1..64). Second byte: settings.
  const std::size_t chunk = 1 + (data[0] % 64);
  Limits limits;
  limits.max_command_line = 256 + (data[1] & 0x03) * 1024;
  limits.max_literal = 512;
  limits.max_append_literal = 2048;
  limits.max_append_total = 4096;
  limits.max_discard = 8192;
  limits.literal_mode = static_cast<LiteralMode>((data[1] >> 2) % 3);
  limits.utf8_names = (data[1] & 0x10) != 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  CommandParser parser(limits);
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
        POSTROOM_CHECK(!command->tag.empty(), "command without tag");
        if (command->kind == CommandKind::idle) {
          parser.expect_idle_done();
        } else if (command->kind == CommandKind::authenticate && !command->as<AuthenticateArgs>().initial_response) {
          parser.expect_sasl_response(256);
        } else if (command->kind == CommandKind::enable) {
          parser.set_utf8_names(true);
        }
        // Typed results respect the limits they were parsed under.
        if (command->kind == CommandKind::append) {
          std::uint64_t total = 0;
          for (const auto& m : command->as<AppendArgs>().messages) {
            POSTROOM_CHECK(m.data.size() <= limits.max_append_literal, "APPEND literal over limit");
            total += m.data.size();
          }
          POSTROOM_CHECK(total <= limits.max_append_total, "APPEND total over limit");
        }
        const std::string ok = tagged(command->tag, Condition::ok, "done");
        POSTROOM_CHECK(check_response_syntax(ok), "tagged OK not valid");
      }
      if (const auto* error = std::get_if<ParseError>(&result)) {
        const std::string reply = response_for(*error);
        POSTROOM_CHECK(check_response_syntax(reply), "error reply not valid IMAP");
        if (error->close_connection) {
          return 0;
        }
      }
      // The buffer holds at most what was fed since the last NeedMore plus one chunk.
      POSTROOM_CHECK(parser.buffered() <= chunk, "parser buffered too much");
    }
  }
  return 0;
}
