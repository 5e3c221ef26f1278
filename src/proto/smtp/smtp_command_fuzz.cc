// fuzz-lib: postroom_smtpproto
// Feeds arbitrary bytes to the SMTP command parser in chunks whose sizes come from the input
// itself, so libFuzzer explores split points too, and drains next() after every chunk. Also
// runs the client-side reply parser and the reply builders on the same bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "proto/smtp/command_parser.h"
#include "proto/smtp/reply.h"
#include "proto/smtp/reply_parser.h"
#include "proto/smtp/xtext.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::smtp;
  if (size == 0) {
    return 0;
  }
  // First byte: chunk size (1..64) and policy for this run.
  const std::size_t chunk = 1 + (data[0] % 64);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  Limits limits;
  if (data[0] & 0x40) {
    limits.bare_newline = BareNewlinePolicy::normalize_to_crlf;
  }
  if (data[0] & 0x80) {
    limits.max_command_line = 4096;
    limits.address.max_local_part = 256;
  }
  CommandParser parser(limits);
  ReplyParser replies(ReplyLimits{512, 8});
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::string_view piece = input.substr(pos, chunk);
    pos += piece.size();
    parser.feed(piece);
    replies.feed(piece);
    for (;;) {
      ParseResult result = parser.next();
      if (std::holds_alternative<NeedMore>(result)) {
        break;
      }
      if (const auto* command = std::get_if<Command>(&result)) {
        if (command->verb == Verb::auth && !command->initial_response) {
          parser.expect_sasl_response(12288);
        }
        if (command->verb == Verb::mail || command->verb == Verb::rcpt) {
          const Path& path = command->path;
          POSTROOM_CHECK(command->verb == Verb::rcpt || path.kind != Path::Kind::postmaster, "postmaster in MAIL");
          POSTROOM_CHECK(command->verb == Verb::mail || path.kind != Path::Kind::null, "null path in RCPT");
          if (path.kind == Path::Kind::mailbox) {
            POSTROOM_CHECK(!path.mailbox.domain.empty(), "mailbox without domain");
            POSTROOM_CHECK(
                path.mailbox.to_wire().size() + 2 <= limits.address.max_path || path.mailbox.local_part_quoted,
                "path longer than its limit");
          }
        }
        if (command->mail.envid) {
          POSTROOM_CHECK(decode_xtext(encode_xtext(*command->mail.envid)) == *command->mail.envid, "xtext round trip");
        }
      } else if (const auto* error = std::get_if<ParseError>(&result)) {
        const std::string line = reply_for(*error);
        POSTROOM_CHECK(line.size() <= 512 && line.find('\n') == line.size() - 1, "error reply not one line");
      }
      POSTROOM_CHECK(parser.buffered() <= 12288 + chunk, "parser buffered too much");
    }
    for (;;) {
      ReplyResult result = replies.next();
      if (std::holds_alternative<NeedMore>(result)) {
        break;
      }
      if (const auto* reply = std::get_if<Reply>(&result)) {
        POSTROOM_CHECK(reply->code >= 200 && reply->code <= 559, "reply code out of range");
        POSTROOM_CHECK(!reply->lines.empty() && reply->lines.size() <= 8, "reply line count");
      }
    }
  }
  const std::string echoed = reply(550, {5, 1, 1}, input);
  POSTROOM_CHECK(echoed.size() <= 512 && echoed.find('\n') == echoed.size() - 1, "reply not one line");
  POSTROOM_CHECK(escape_for_reply(input, 64).size() <= 67, "escape too long");
  return 0;
}
