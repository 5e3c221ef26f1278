// DKIM canonicalization (RFC 6376 §3.4): "simple" and "relaxed" for header fields and body.
// Contract: input is CRLF text (see to_crlf); pure functions.
#pragma once

#include <string>
#include <string_view>

namespace postroom::mailauth {

enum class Canon { simple, relaxed };

// One header field (the whole field text as RawField::text, ending in CRLF).
// simple: unchanged. relaxed: name lower-cased, unfolded, whitespace runs -> one SP,
// no whitespace around the colon or at the end, then CRLF.
std::string canon_header(std::string_view field_text, Canon canon);

// The body. simple: trailing empty lines removed, at least one CRLF. relaxed: additionally
// trailing whitespace on each line removed and inner runs -> one SP; an empty body stays
// empty (RFC 6376 §3.4.4 "If the body is non-empty but does not end with a CRLF...").
std::string canon_body(std::string_view body, Canon canon);

}  // namespace postroom::mailauth
