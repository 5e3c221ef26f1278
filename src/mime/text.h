// Small ASCII helpers shared by the MIME parsers. Header syntax is ASCII-case-insensitive
// (RFC 5322 §1.2.2, RFC 2045 §5.1), so nothing here looks at the locale.
#pragma once

#include <string>
#include <string_view>

namespace postroom::mime {

bool is_wsp(char c);  // SP or HTAB
bool iequals(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);
std::string_view trim_wsp(std::string_view s);  // SP, HTAB, CR, LF at both ends

// RFC 5322 §2.2.3 unfolding, made lenient: every CR and LF is removed (a folded line keeps
// its leading whitespace), then surrounding whitespace is trimmed.
std::string unfold(std::string_view value);

}  // namespace postroom::mime
