// IMAP BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) from a part tree.
//
// Output conventions (clients compare case-insensitively; these match the RFC examples):
// - type, subtype, parameter names, encoding and disposition type are upper-cased;
//   parameter values, ids, descriptions are passed through as written.
// - An RFC 2231 encoded parameter is reported as NAME* "charset'lang'%XX..", with its
//   continuations joined (IMAP4rev1 strings cannot carry the decoded UTF-8).
// - No Content-Transfer-Encoding => "7BIT". Size is the body's encoded size in octets;
//   text/* and message/rfc822 parts add their line count.
// - A multipart without children (no delimiter was found) gets one synthetic empty
//   text/plain child, because the grammar requires at least one. A message/rfc822 part that
//   was not parsed (nesting or part limit) gets an all-NIL envelope and an empty text/plain
//   body, for the same reason.
#pragma once

#include <string>

#include "mime/structure.h"

namespace postroom::mime {

// `extensible` = BODYSTRUCTURE (with MD5, disposition, language, location and multipart
// parameters); otherwise BODY.
void append_body_structure(std::string& out, const Part& part, bool extensible);
std::string format_body_structure(const Part& part, bool extensible);

}  // namespace postroom::mime
