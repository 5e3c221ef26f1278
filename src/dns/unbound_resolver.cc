// make_unbound_resolver: the real resolver (contract in resolver.h).
//
// Thread-safety: one ub_ctx per resolver, shared by every caller without a lock. unbound.h
// ("Application threaded. Blocking.") allows several threads to call ub_resolve() on the
// same context: each call does its own work in the calling thread and shares the cache.
// The context is configured once, before any resolve finalises it.
//
// SECURITY: answers come from the network and are attacker-controlled (anyone can publish a
// TXT record). rdata is parsed by the bounds-checked parsers of rdata.h, and the count of
// records accepted from one answer is capped below.
#include <unbound.h>

#include <string>

#include "base/log.h"
#include "dns/rdata.h"
#include "dns/resolver.h"

namespace postroom::dns {

namespace {

// RR types and class (RFC 1035 §3.2.2, RFC 3596).
constexpr int kTypeA = 1;
constexpr int kTypePtr = 12;
constexpr int kTypeMx = 15;
constexpr int kTypeTxt = 16;
constexpr int kTypeAaaa = 28;
constexpr int kClassIn = 1;
// RCODEs (RFC 1035 §4.1.1).
constexpr int kRcodeNoError = 0;
constexpr int kRcodeNxDomain = 3;
// Records kept from one answer. A hostile zone can return a 64 KB answer of tiny records;
// no mail use needs more than this (SPF evaluates at most 10 MX/A names per lookup).
constexpr std::size_t kMaxRecordsPerAnswer = 256;
// A name longer than this is malformed before we ask anybody (RFC 1035 §2.3.4).
constexpr std::size_t kMaxQueryName = 253;

// Names unbound serves locally by default that a forwarder may legitimately answer.
constexpr const char* kSpecialZones[] = {
    "test.",
    "invalid.",
    "2.0.192.in-addr.arpa.",
    "100.51.198.in-addr.arpa.",
    "113.0.203.in-addr.arpa.",
    "8.b.d.0.1.0.0.2.ip6.arpa.",
};

struct ContextDeleter {
  void operator()(ub_ctx* ctx) const { ub_ctx_delete(ctx); }
};
struct ResultDeleter {
  void operator()(ub_result* result) const { ub_resolve_free(result); }
};

class UnboundResolver : public Resolver {
 public:
  explicit UnboundResolver(ub_ctx* ctx) : ctx_(ctx) {}

  Answer<std::string> txt(std::string_view name) override { return query(name, kTypeTxt, parse_txt_rdata); }
  Answer<std::string> a(std::string_view name) override { return query(name, kTypeA, parse_a_rdata); }
  Answer<std::string> aaaa(std::string_view name) override { return query(name, kTypeAaaa, parse_aaaa_rdata); }
  Answer<MxRecord> mx(std::string_view name) override { return query(name, kTypeMx, parse_mx_rdata); }
  Answer<std::string> ptr(std::string_view ip) override {
    auto name = reverse_name(ip);
    if (!name) {
      Answer<std::string> answer;
      answer.status = DnsStatus::permanent;
      return answer;
    }
    return query(*name, kTypePtr, parse_ptr_rdata);
  }

 private:
  template <typename Parse>
  auto query(std::string_view name, int type, Parse parse)
      -> Answer<typename decltype(parse(std::string_view{}))::value_type> {
    using T = typename decltype(parse(std::string_view{}))::value_type;
    Answer<T> answer;
    std::string qname(name);
    // An embedded NUL would silently truncate the C string we hand to unbound.
    if (qname.empty() || qname.size() > kMaxQueryName + 1 || qname.find('\0') != std::string::npos) {
      answer.status = DnsStatus::permanent;
      return answer;
    }
    ub_result* raw = nullptr;
    int err = ub_resolve(ctx_.get(), qname.c_str(), type, kClassIn, &raw);
    std::unique_ptr<ub_result, ResultDeleter> result(raw);
    if (err != 0 || !result) {
      log::warn("dns.resolve_failed", {{"name", qname}, {"type", type}, {"error", ub_strerror(err)}});
      answer.status = DnsStatus::temporary;
      return answer;
    }
    // Bogus = DNSSEC validation failed: the data may be forged, so treat like SERVFAIL.
    if (result->bogus) {
      answer.status = DnsStatus::temporary;
      return answer;
    }
    if (result->rcode == kRcodeNxDomain || result->nxdomain) {
      answer.status = DnsStatus::nxdomain;
      return answer;
    }
    if (result->rcode != kRcodeNoError) {
      // SERVFAIL (2), REFUSED (5), NOTIMP (4) and friends: the server could not answer now.
      answer.status = DnsStatus::temporary;
      return answer;
    }
    answer.secure = result->secure != 0;
    if (!result->havedata) {
      answer.status = DnsStatus::nodata;
      return answer;
    }
    for (int i = 0; result->data[i] != nullptr; ++i) {
      if (answer.records.size() >= kMaxRecordsPerAnswer) {
        break;
      }
      auto value = parse(std::string_view(result->data[i], static_cast<std::size_t>(result->len[i])));
      if (!value) {
        log::warn("dns.bad_rdata", {{"name", qname}, {"type", type}});
        answer.status = DnsStatus::permanent;
        answer.records.clear();
        return answer;
      }
      answer.records.push_back(std::move(*value));
    }
    answer.status = DnsStatus::ok;
    return answer;
  }

  std::unique_ptr<ub_ctx, ContextDeleter> ctx_;
};

Status set_option(ub_ctx* ctx, const char* option, const std::string& value) {
  int err = ub_ctx_set_option(ctx, option, value.c_str());
  if (err != 0) {
    return make_error(ErrorKind::permanent, std::string("unbound option ") + option + ": " + ub_strerror(err));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<Resolver>> make_unbound_resolver(const ResolverOptions& options) {
  std::unique_ptr<ub_ctx, ContextDeleter> ctx(ub_ctx_create());
  if (!ctx) {
    return make_error(ErrorKind::temporary, "ub_ctx_create failed");
  }
  if (!options.forwarders.empty()) {
    // Forwarders on loopback (tests, a local dnsmasq/unbound) are refused by default.
    if (auto status = set_option(ctx.get(), "do-not-query-localhost:", "no"); !status) {
      return status.error();
    }
    // unbound answers the RFC 6761 / RFC 5737 special names itself (".test", "invalid",
    // the documentation address ranges, RFC 1918 reverse zones) with NXDOMAIN. An explicit
    // forwarder is the authority we were told to trust, and test setups serve exactly these
    // names, so pass them through to it.
    for (const char* zone : kSpecialZones) {
      if (auto status = set_option(ctx.get(), "local-zone:", std::string(zone) + " transparent"); !status) {
        return status.error();
      }
    }
    if (auto status = set_option(ctx.get(), "unblock-lan-zones:", "yes"); !status) {
      return status.error();
    }
    std::string_view list = options.forwarders;
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string one(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      // Trim spaces around each entry ("a, b").
      while (!one.empty() && one.front() == ' ') {
        one.erase(0, 1);
      }
      while (!one.empty() && one.back() == ' ') {
        one.pop_back();
      }
      if (one.empty()) {
        continue;
      }
      int err = ub_ctx_set_fwd(ctx.get(), one.c_str());
      if (err != 0) {
        return make_error(ErrorKind::bad_syntax, "forwarder " + one + ": " + ub_strerror(err));
      }
    }
  } else {
    int err = ub_ctx_resolvconf(ctx.get(), nullptr);
    if (err != 0) {
      return make_error(ErrorKind::temporary, std::string("resolv.conf: ") + ub_strerror(err));
    }
    err = ub_ctx_hosts(ctx.get(), nullptr);
    if (err != 0) {
      // /etc/hosts is a convenience; missing it must not stop mail.
      log::warn("dns.hosts_unreadable", {{"error", ub_strerror(err)}});
    }
  }
  // unbound has no per-query deadline option. The closest knob caps the round-trip time it
  // will wait for one server (its back-off otherwise grows to 120 s); with retries a query
  // can still take a small multiple of it. Older libunbound may not know the option.
  if (options.timeout_ms > 0) {
    if (auto status = set_option(ctx.get(), "infra-cache-max-rtt:", std::to_string(options.timeout_ms)); !status) {
      log::warn("dns.option_ignored", {{"detail", status.error().detail}});
    }
  }
  return std::unique_ptr<Resolver>(new UnboundResolver(ctx.release()));
}

}  // namespace postroom::dns
