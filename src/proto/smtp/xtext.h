// xtext (RFC 3461 §4): the encoding of ENVID, ORCPT and AUTH= parameter values.
//   xtext   = *( xchar / hexchar )
//   xchar   = "!" .. "~" except "+" and "="
//   hexchar = "+" 2HEXDIG
// Contract: decode_xtext rejects anything outside that grammar (returns nullopt) and never
// produces more octets than it reads. Lower-case hex digits after "+" are accepted although
// RFC 3461 asks for upper case (a harmless leniency); encode_xtext always writes upper case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postroom::smtp {

std::optional<std::string> decode_xtext(std::string_view text);
std::string encode_xtext(std::string_view text);

}  // namespace postroom::smtp
