// SMTP replies, server side (RFC 5321 §4.2, RFC 2034 enhanced status codes, RFC 1869/5321
// §4.1.1.1 EHLO response).
// Contract: builders return complete replies ending in CRLF. Free text is made single-line
// safe (CR, LF, NUL and every other control character become a space) and each line is cut
// to 512 octets including CRLF (RFC 5321 §4.5.3.1.5) without splitting a UTF-8 sequence, so
// nothing the server echoes can inject a second reply line. Client bytes that must be
// echoed (an address, a domain) should go through escape_for_reply() first.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/smtp/command_parser.h"
#include "proto/smtp/data_reader.h"
#include "proto/smtp/status.h"

namespace postroom::smtp {

// "250 2.1.0 text\r\n". code must be 200..599.
std::string reply(int code, EnhancedStatus enhanced, std::string_view text);
// "220 text\r\n": for the greeting and EHLO lines, which carry no enhanced status.
std::string reply(int code, std::string_view text);

// "250-line1\r\n250-line2\r\n250 line3\r\n" (RFC 5321 §4.2.1). With an enhanced status it is
// repeated on every line (RFC 2034 §4). An empty list gives one line with no text.
std::string multiline_reply(int code, std::optional<EnhancedStatus> enhanced, const std::vector<std::string>& lines);

// EHLO/LHLO response: "250-<greeting>" then one line per capability keyword (e.g. "SIZE
// 26214400", "PIPELINING", "AUTH PLAIN LOGIN"), the last one with "250 ".
std::string ehlo_reply(std::string_view greeting, const std::vector<std::string>& capabilities);

// The reply for a command parse error: "<code> <enhanced> <text>\r\n".
std::string reply_for(const ParseError& error);

// The reply for a message that did not end with DataStatus::ok; nullopt for ok (the session
// writes its own 250 with the queue id, or per-recipient replies under LMTP).
std::optional<std::string> reply_for(const DataOutcome& outcome);

// Client bytes made safe to quote in a reply or log: printable ASCII is kept, everything
// else becomes \xHH, and the result is cut at max_octets (with "...").
std::string escape_for_reply(std::string_view bytes, std::size_t max_octets = 256);

}  // namespace postroom::smtp
