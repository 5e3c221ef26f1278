// SPF check_host() (RFC 7208 §4).
//
// Contract:
// - Blocking: every DNS query goes through the Resolver (call via io::offload).
// - Bounded: at most SpfLimits::dns_lookups mechanisms/modifiers that query DNS (include,
//   a, mx, ptr, exists, redirect) per check, more is permerror (§4.6.4); more than
//   void_lookups lookups answering NXDOMAIN/no data is permerror; an "mx" or "ptr" resolves
//   at most 10 names. Together these bound the queries one hostile record can cause,
//   which is what stops SPF being used as a DNS amplifier against a third party.
// - exp= is parsed (syntax errors are permerror) but never fetched: the explanation is for
//   the SMTP reject text and is attacker-chosen text; we use our own reply.
// - "ptr" is implemented (minimally, as §5.5 says: it is slow and discouraged) and %{p}
//   expands to a validated name or "unknown".
#pragma once

#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace postroom::mailauth {

enum class SpfResult { none, neutral, pass, fail, softfail, temperror, permerror };

// "pass", "fail", ... as RFC 8601 and Received-SPF spell them.
const char* to_string(SpfResult result);

struct SpfLimits {
  unsigned dns_lookups = 10;          // RFC 7208 §4.6.4
  unsigned void_lookups = 2;          // RFC 7208 §4.6.4 (suggested limit)
  unsigned names_per_mx_or_ptr = 10;  // RFC 7208 §4.6.4
};

struct SpfOutcome {
  SpfResult result = SpfResult::none;
  std::string domain;  // the domain that was checked (for smtp.mailfrom / smtp.helo)
  std::string reason;  // for logs and the AR comment: which mechanism or error decided
};

// check_host(<ip>, <domain>, <sender>) with <helo> for %{h}. `sender` is the MAIL FROM
// address; when empty (null reverse-path) "postmaster@<helo>" is used, as §2.4 says.
SpfOutcome check_host(dns::Resolver& resolver, std::string_view ip, std::string_view domain, std::string_view sender,
                      std::string_view helo, const SpfLimits& limits = {});

// The usual entry point: checks the MAIL FROM domain (or the HELO name for a null sender).
SpfOutcome check_mail_from(dns::Resolver& resolver, std::string_view ip, std::string_view mail_from,
                           std::string_view helo, const SpfLimits& limits = {});

}  // namespace postroom::mailauth
