#include "queue/route.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace postroom::queue {
namespace {

bool is_ip_literal(const std::string& text) {
  unsigned char bytes[16];
  return inet_pton(AF_INET, text.c_str(), bytes) == 1 || inet_pton(AF_INET6, text.c_str(), bytes) == 1;
}

bool is_null_host(const std::string& host) {
  return host.empty() || host == ".";
}

}  // namespace

std::string domain_of(std::string_view address) {
  std::size_t at = address.rfind('@');
  std::string domain(at == std::string_view::npos ? std::string_view{} : address.substr(at + 1));
  for (char& c : domain) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return domain;
}

Route resolve_route(dns::Resolver& resolver, std::string_view domain, std::mt19937& random) {
  Route route;
  if (domain.empty()) {
    route.kind = Route::Kind::no_domain;
    route.error = "recipient has no domain";
    return route;
  }
  // Domain literal: user@[192.0.2.1] or user@[IPv6:2001:db8::1] (RFC 5321 §4.1.3).
  if (domain.front() == '[' && domain.back() == ']') {
    std::string literal(domain.substr(1, domain.size() - 2));
    if (literal.rfind("ipv6:", 0) == 0 || literal.rfind("IPv6:", 0) == 0) {
      literal = literal.substr(5);
    }
    if (!is_ip_literal(literal)) {
      route.kind = Route::Kind::no_domain;
      route.error = "bad domain literal";
      return route;
    }
    route.kind = Route::Kind::hosts;
    route.hosts.push_back(literal);
    return route;
  }

  auto mx = resolver.mx(domain);
  switch (mx.status) {
    case dns::DnsStatus::temporary:
      route.kind = Route::Kind::temporary;
      route.error = "temporary DNS failure looking up MX for " + std::string(domain);
      return route;
    case dns::DnsStatus::permanent:
      route.kind = Route::Kind::temporary;  // a malformed answer may be fixed by its owner
      route.error = "malformed DNS answer for MX of " + std::string(domain);
      return route;
    case dns::DnsStatus::nxdomain:
      route.kind = Route::Kind::no_domain;
      route.error = "domain " + std::string(domain) + " does not exist";
      return route;
    case dns::DnsStatus::nodata:
    case dns::DnsStatus::ok: break;
  }

  std::vector<dns::MxRecord> records = mx.records;
  // RFC 7505 §3: a null MX is the only MX of its domain; if someone publishes others too,
  // ignore the null one.
  bool has_null = std::any_of(records.begin(), records.end(), [](const auto& r) { return is_null_host(r.host); });
  records.erase(std::remove_if(records.begin(), records.end(), [](const auto& r) { return is_null_host(r.host); }),
                records.end());
  if (has_null && records.empty()) {
    route.kind = Route::Kind::null_mx;
    route.error = "domain " + std::string(domain) + " does not accept mail (null MX)";
    return route;
  }
  if (records.empty()) {
    // No MX: the domain itself is the implicit MX (RFC 5321 §5.1), if it has an address.
    route.kind = Route::Kind::hosts;
    route.hosts.emplace_back(domain);
    return route;
  }
  // Shuffle, then a stable sort by preference: equal preferences end up in random order.
  std::shuffle(records.begin(), records.end(), random);
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.preference < b.preference; });
  route.kind = Route::Kind::hosts;
  for (const auto& r : records) {
    if (std::find(route.hosts.begin(), route.hosts.end(), r.host) == route.hosts.end()) {
      route.hosts.push_back(r.host);
    }
  }
  return route;
}

HostAddresses resolve_host(dns::Resolver& resolver, const std::string& host) {
  HostAddresses out;
  if (is_ip_literal(host)) {
    out.addresses.push_back(host);
    return out;
  }
  auto a = resolver.a(host);
  auto aaaa = resolver.aaaa(host);
  for (const auto& ip : a.records) {
    out.addresses.push_back(ip);
  }
  for (const auto& ip : aaaa.records) {
    out.addresses.push_back(ip);
  }
  out.temporary =
      out.addresses.empty() && (a.status == dns::DnsStatus::temporary || aaaa.status == dns::DnsStatus::temporary);
  return out;
}

}  // namespace postroom::queue
