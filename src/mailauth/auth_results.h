// Authentication-Results header field (RFC 8601): building ours and removing forged ones.
//
// SECURITY: downstream filters and MUAs trust an Authentication-Results field that carries
// our authserv-id. A sender can put one in the message before it reaches us, so every
// incoming message must go through strip_authentication_results() before ours is added
// (RFC 8601 §5).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

namespace postroom::mailauth {

struct AuthResultsInput {
  std::string authserv_id;  // our host name, e.g. "mx.example.org"
  std::optional<SpfOutcome> spf;
  std::string mail_from;         // smtp.mailfrom (the address; empty = null path)
  std::string helo;              // smtp.helo, used when mail_from is empty
  std::vector<DkimResult> dkim;  // empty = "dkim=none"
  std::optional<DmarcOutcome> dmarc;
  std::string header_from;  // header.from domain for DMARC
};

// "Authentication-Results: <id>;\r\n spf=pass smtp.mailfrom=a@b;\r\n dkim=pass
// header.d=b header.s=sel header.b=abcdefgh;\r\n dmarc=pass header.from=b\r\n".
// Non-pass results carry reason="..." with the detail. Values that are not RFC 2045
// tokens are quoted, so nothing the sender controls can inject a new property or field.
std::string format_authentication_results(const AuthResultsInput& input);

// The message with every Authentication-Results field whose authserv-id equals ours
// (case-insensitive) removed; all other bytes unchanged. Works on CRLF or LF messages.
std::string strip_authentication_results(std::string_view message, std::string_view authserv_id);

}  // namespace postroom::mailauth
