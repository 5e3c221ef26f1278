// IMAP string output (RFC 3501 §4.3, §9 "string" / "nstring"; RFC 9051 §4.3).
// Contract: the output is always syntactically valid IMAP4rev1:
// - a value made of 7-bit TEXT-CHARs is written as a quoted string, with " and \ escaped;
// - a value with CR, LF or 8-bit bytes is written as a synchronising literal {n}\r\n...;
// - NUL is not allowed even in a literal (CHAR8 excludes it), so NUL bytes are dropped;
// - an absent value (nullopt) is written as NIL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postroom::mime {

// Appends `value` as an IMAP string (quoted or literal).
void append_imap_string(std::string& out, std::string_view value);

// Appends `value` as an IMAP nstring: NIL when absent.
void append_imap_nstring(std::string& out, const std::optional<std::string>& value);

// Returns `value` as an IMAP string; convenience for tests and one-off replies.
std::string imap_string(std::string_view value);

}  // namespace postroom::mime
