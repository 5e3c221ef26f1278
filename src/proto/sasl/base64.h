// Base64 (RFC 4648 §4, standard alphabet, with padding) as SASL uses it on the wire
// (RFC 4422 §3; POP3 RFC 5034, IMAP RFC 3501, SMTP RFC 4954).
// Contract: decoding is strict. Length must be a multiple of 4, '=' only as the last one or
// two characters, no whitespace, and the unused bits before padding must be zero, so that
// every byte string has exactly one accepted encoding (RFC 4648 §3.5).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace postroom::sasl {

std::string base64_encode(std::string_view bytes);

// Errors are ErrorKind::bad_syntax with a detail saying what was wrong.
Result<std::string> base64_decode(std::string_view text);

}  // namespace postroom::sasl
