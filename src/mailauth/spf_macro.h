// SPF macro-strings (RFC 7208 §7): syntax check and expansion.
//
// Contract: pure given the context; the only callback is `validated_name` for %{p}, which
// check_host() wires to a PTR-validation that counts against the DNS lookup limit.
// Expanding never grows without bound: each macro yields at most the sender or a name, and
// the whole result is capped (kMaxExpansion in the .cc) before the §7.3 253-octet trim.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "mailauth/ip.h"

namespace postroom::mailauth {

struct MacroContext {
  std::string sender;                // %{s}: full <sender>, "postmaster@<helo>" for a null path
  std::string local_part;            // %{l}
  std::string sender_domain;         // %{o}
  std::string domain;                // %{d}: the domain currently being checked
  IpAddress ip;                      // %{i}, %{c}, %{v}
  std::string helo;                  // %{h}
  std::string receiver = "unknown";  // %{r} (explanation strings only)
  // %{p}: a validated reverse name of ip, or "unknown". Unset means always "unknown".
  std::function<std::string()> validated_name;
};

enum class MacroUse {
  domain_spec,  // mechanisms and redirect: c, r, t are syntax errors (§7.2)
  explanation,  // exp= text: every letter allowed
};

// Checks macro-string syntax without expanding; false means permerror.
bool valid_macro_string(std::string_view spec, MacroUse use);

// Expands `spec`. bad_syntax on an invalid macro (the caller's permerror). For domain_spec
// use, the result is trimmed to 253 octets by dropping whole labels from the left (§7.3).
Result<std::string> expand_macros(std::string_view spec, const MacroContext& context,
                                  MacroUse use = MacroUse::domain_spec);

}  // namespace postroom::mailauth
