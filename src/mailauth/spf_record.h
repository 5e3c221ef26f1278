// SPF record parser (RFC 7208 §4.5, §4.6, §5, §6, ABNF in §12).
//
// Contract: parse_spf_record() takes one TXT value already known to be an SPF record
// (is_spf_record) and returns its terms, or bad_syntax for anything RFC 7208 calls a
// permerror at parse time: unknown mechanism, bad CIDR, bad macro-string, a domain-spec
// that does not end in a top label, duplicate redirect=/exp=. Unknown modifiers are kept
// out (ignored, §6). Limits: kMaxTerms in the .cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mailauth/ip.h"

namespace postroom::mailauth {

enum class Qualifier { pass, fail, softfail, neutral };  // + - ~ ?

enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

struct Mechanism {
  Qualifier qualifier = Qualifier::pass;
  MechanismKind kind = MechanismKind::all;
  std::string domain_spec;  // unexpanded macro-string; empty = the current domain
  IpAddress network;        // ip4 / ip6
  unsigned cidr4 = 32;      // ip4, a, mx
  unsigned cidr6 = 128;     // ip6, a, mx
};

struct SpfRecord {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;  // domain-spec
  std::optional<std::string> exp;       // domain-spec (parsed, not evaluated)
};

// "v=spf1" alone or followed by a space, case-insensitive (§4.5).
bool is_spf_record(std::string_view txt);

Result<SpfRecord> parse_spf_record(std::string_view txt);

}  // namespace postroom::mailauth
