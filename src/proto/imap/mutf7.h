// Mailbox name encodings (RFC 3501 §5.1.3 modified UTF-7; RFC 6855 / RFC 9051 UTF-8 names).
// Contract:
// - mutf7_encode: valid UTF-8 in, modified UTF-7 out. Printable ASCII except '&' stands for
//   itself, '&' becomes "&-", everything else is modified BASE64 of UTF-16BE between '&'
//   and '-' (',' instead of '/', no padding). nullopt when the input is not valid UTF-8
//   (overlong forms, surrogates and code points above U+10FFFF are invalid).
// - mutf7_decode: strict. nullopt for: bytes outside printable ASCII; '&' without its '-';
//   an empty or needless shift ("&-" is the only empty one); base64 that encodes printable
//   ASCII (RFC 3501: "MUST NOT be used to represent any printing US-ASCII character");
//   two adjacent shifts ("&AGE-&AGI-" must be written as one); leftover non-zero bits or a
//   partial UTF-16 unit; unpaired surrogates; NUL. Every accepted input round-trips
//   byte-for-byte through mutf7_encode(*mutf7_decode(x)).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postroom::imap {

std::optional<std::string> mutf7_encode(std::string_view utf8);
std::optional<std::string> mutf7_decode(std::string_view mutf7);

// Strict UTF-8 validation (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

}  // namespace postroom::imap
