// DNS lookups for mail: MX, A, AAAA, TXT, PTR. Used by SPF, DKIM, DMARC and the outbound
// queue. Backends: libunbound (real resolver; a configurable forwarder address lets tests
// point it at a DNS server on loopback) and StaticResolver (in-memory, for unit tests).
//
// Contract: calls block (network I/O with the resolver's own timeouts), so servers call them
// through io::offload, never on an I/O thread. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::dns {

enum class DnsStatus {
  ok,         // records present (may still be empty for nodata)
  nxdomain,   // the name does not exist
  nodata,     // the name exists but has no records of this type
  temporary,  // SERVFAIL, timeout, network trouble: try again later (SPF temperror)
  permanent,  // malformed name or answer (SPF permerror)
};

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  // lower-case, no trailing dot
};

template <typename T>
struct Answer {
  DnsStatus status = DnsStatus::temporary;
  std::vector<T> records;
  bool secure = false;  // DNSSEC-validated (for DANE later); false when not validated
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Each TXT record with its character-strings concatenated (RFC 7208 §3.3).
  virtual Answer<std::string> txt(std::string_view name) = 0;
  virtual Answer<MxRecord> mx(std::string_view name) = 0;
  virtual Answer<std::string> a(std::string_view name) = 0;     // dotted IPv4 text
  virtual Answer<std::string> aaaa(std::string_view name) = 0;  // IPv6 text (inet_ntop form)
  virtual Answer<std::string> ptr(std::string_view ip) = 0;     // host names for an address
};

struct ResolverOptions {
  // "" = use /etc/resolv.conf; else forwarders like "127.0.0.1@5353" (unbound's syntax),
  // separated by commas.
  std::string forwarders;
  unsigned timeout_ms = 5000;
};

// Real resolver over libunbound.
Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options);

// In-memory resolver for tests: names not added answer nxdomain, unless marked temporary.
class StaticResolver : public Resolver {
 public:
  void add_txt(std::string name, std::string value);
  void add_mx(std::string name, std::uint16_t preference, std::string host);
  void add_a(std::string name, std::string ip);
  void add_aaaa(std::string name, std::string ip);
  void add_ptr(std::string ip, std::string host);
  void fail_temporarily(std::string name);  // every lookup of `name` answers temporary

  Answer<std::string> txt(std::string_view name) override;
  Answer<MxRecord> mx(std::string_view name) override;
  Answer<std::string> a(std::string_view name) override;
  Answer<std::string> aaaa(std::string_view name) override;
  Answer<std::string> ptr(std::string_view ip) override;
  std::size_t lookups() const;  // how many queries were made (SPF lookup-limit tests)

 private:
  // One query: counts it, then answers from records_ (see static_resolver.cc).
  Answer<std::string> lookup(std::string_view type, std::string_view name);

  mutable std::mutex mutex_;
  // (type, name) -> values; MX values are "<preference> <host>", PTR names are addresses.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> records_;
  std::vector<std::string> temporary_;
  std::size_t lookups_ = 0;
};

}  // namespace postroom::dns
