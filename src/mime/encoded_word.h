// RFC 2047 encoded-word decoding ("=?charset?B|Q?text?=") for display: Subject, display
// names, and (a common violation) quoted parameter values.
//
// Contract: returns valid UTF-8, never fails.
// - B and Q encodings; charsets as in charset.h. An encoded-word in an unknown charset is
//   kept as written unless its decoded text is pure ASCII (then the charset cannot matter,
//   except for UTF-16/32/7, which stay unknown); a malformed one is kept as written.
// - Whitespace between two adjacent encoded-words is dropped (RFC 2047 §6.2); adjacent
//   words in the same charset are joined before conversion, so a UTF-8 character split
//   across two words (frequent in real mail) survives.
// - Lenient: encoded-words are also recognised inside a word, as most mail clients do.
// - Text outside encoded-words is taken as UTF-8 (RFC 6532); invalid bytes become U+FFFD.
// - The input should already be unfolded (text.h unfold()).
#pragma once

#include <string>
#include <string_view>

namespace postroom::mime {

std::string decode_encoded_words(std::string_view text);

}  // namespace postroom::mime
