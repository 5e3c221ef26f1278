// UTF-8 validation (RFC 3629) for SASL identities and passwords (RFC 4616 §2, RFC 4422 §4).
#pragma once

#include <string_view>

namespace postroom::sasl {

// True when text is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF. NUL is valid UTF-8; callers that forbid it check separately.
bool is_valid_utf8(std::string_view text);

}  // namespace postroom::sasl
