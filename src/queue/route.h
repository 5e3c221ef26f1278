// Where mail for a domain goes (RFC 5321 §5.1): MX hosts in preference order, equal
// preferences shuffled; no MX records -> the domain itself (its A/AAAA, "implicit MX");
// a null MX (RFC 7505: one MX with host ".") -> the domain accepts no mail.
//
// Contract: blocking (DNS), so the runner calls these through io::offload. Pure policy over
// dns::Resolver, testable with StaticResolver.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace postroom::queue {

struct Route {
  enum class Kind {
    hosts,      // try `hosts` in order
    null_mx,    // RFC 7505: permanent failure, 5.1.10
    no_domain,  // no such domain / no mail host at all: permanent failure, 5.1.2
    temporary,  // DNS trouble: try later, 4.4.3
  };
  Kind kind = Kind::temporary;
  std::vector<std::string> hosts;  // host names, or IP literals for a domain literal
  std::string error;               // for logs and DSNs when kind != hosts
};

Route resolve_route(dns::Resolver& resolver, std::string_view domain, std::mt19937& random);

// IP addresses of one host (A first, then AAAA); an IP literal is returned as is.
// An empty vector with `temporary` set means the lookup failed temporarily.
struct HostAddresses {
  std::vector<std::string> addresses;
  bool temporary = false;
};
HostAddresses resolve_host(dns::Resolver& resolver, const std::string& host);

// The domain of an address ("user@Example.ORG" -> "example.org"); a domain literal
// "[192.0.2.1]" is kept with its brackets.
std::string domain_of(std::string_view address);

}  // namespace postroom::queue
