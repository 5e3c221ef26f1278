// One-shot message analysis for delivery: the IMAP ENVELOPE, BODYSTRUCTURE and BODY
// strings, computed once and stored with the message (DESIGN.md §1, mime/).
//
// Contract: never fails. Malformed mail is described as well as possible (RFC 3501 servers
// must be lenient), never rejected; limits stop structure parsing, never the analysis.
// For byte positions of parts (BODY[section] fetches) use parse_structure() (structure.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mime/limits.h"

namespace postroom::mime {

struct Analysis {
  std::string envelope;       // IMAP ENVELOPE, e.g. ("date" "subject" ((NIL NIL "a" "b.c")) ...)
  std::string bodystructure;  // IMAP BODYSTRUCTURE (extensible form)
  std::string body;           // IMAP BODY (non-extensible form)
  std::string subject;        // RFC 2047-decoded to UTF-8; empty when absent
  std::string message_id;     // Message-ID as written (unfolded); empty when absent
  bool limits_hit = false;    // a limit stopped structure parsing; the rest was treated as opaque text
};

Analysis analyze(std::string_view message, const Limits& limits = {});

}  // namespace postroom::mime
