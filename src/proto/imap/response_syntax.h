// A small checker of server response syntax (RFC 9051 §9 `response`), used by the response
// writer's tests and fuzz target, and available to session tests.
//
// Contract: accepts a byte string made of whole responses and says whether each is
// well-formed at the token level: "+ text", "tag OK|NO|BAD [code] text", "* OK|NO|BAD|BYE|
// PREAUTH [code] text", or "* " followed by SP-separated tokens (atoms, numbers, quoted
// strings with valid escapes, literals and literal8 with exactly n bytes, NIL, flags,
// balanced parentheses, BODY[...]<n> style sections) ending in CRLF. It does not check the
// meaning of a response (which data items a FETCH may carry) — only that a client's
// tokenizer can never lose its place.
#pragma once

#include <string>
#include <string_view>

namespace postroom::imap {

// true when every response in text is well-formed; else false and *why says where.
bool check_response_syntax(std::string_view text, std::string* why = nullptr);

}  // namespace postroom::imap
