#include "mailauth/spf.h"

#include "dns/rdata.h"
#include "mailauth/ip.h"
#include "mailauth/spf_macro.h"
#include "mailauth/spf_record.h"

namespace postroom::mailauth {

const char* to_string(SpfResult result) {
  switch (result) {
    case SpfResult::none: return "none";
    case SpfResult::neutral: return "neutral";
    case SpfResult::pass: return "pass";
    case SpfResult::fail: return "fail";
    case SpfResult::softfail: return "softfail";
    case SpfResult::temperror: return "temperror";
    case SpfResult::permerror: return "permerror";
  }
  return "none";
}

namespace {

// How one mechanism came out.
enum class Match { yes, no, temperror, permerror };

// A domain name fit to query (RFC 7208 §4.3): labels of 1..63 octets, at most 253 in all,
// more than one label.
bool valid_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253 || domain.find('.') == std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t dot = domain.find('.', start);
    std::size_t end = dot == std::string_view::npos ? domain.size() : dot;
    if (end == start || end - start > 63) {
      return false;
    }
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return true;
}

class Checker {
 public:
  Checker(dns::Resolver& resolver, const IpAddress& ip, std::string sender, std::string helo, const SpfLimits& limits)
      : resolver_(resolver), ip_(ip), sender_(std::move(sender)), helo_(std::move(helo)), limits_(limits) {}

  SpfOutcome run(std::string domain) {
    SpfOutcome outcome;
    outcome.domain = domain;
    outcome.result = check(domain, /*top=*/true);
    outcome.reason = reason_;
    return outcome;
  }

 private:
  SpfResult fail_with(SpfResult result, std::string reason) {
    if (reason_.empty()) {
      reason_ = std::move(reason);
    }
    return result;
  }

  // Counts one DNS-querying term; false once the limit is passed.
  bool count_lookup() { return ++lookups_ <= limits_.dns_lookups; }
  // Counts an answer that was NXDOMAIN or empty; false once the void limit is passed.
  bool count_void() { return ++void_lookups_ <= limits_.void_lookups; }

  MacroContext context(const std::string& domain) {
    MacroContext ctx;
    ctx.sender = sender_;
    std::size_t at = sender_.rfind('@');
    ctx.local_part = sender_.substr(0, at);
    ctx.sender_domain = sender_.substr(at + 1);
    if (ctx.local_part.empty()) {
      ctx.local_part = "postmaster";  // §4.3
    }
    ctx.domain = domain;
    ctx.ip = ip_;
    ctx.helo = helo_;
    ctx.validated_name = [this, domain] { return validated_name(domain); };
    return ctx;
  }

  // check_host() on one domain; top is false for include/redirect targets.
  SpfResult check(const std::string& domain, bool top) {
    if (!valid_domain(domain)) {
      return fail_with(top ? SpfResult::none : SpfResult::permerror, "malformed domain " + domain);
    }
    dns::Answer<std::string> txt = resolver_.txt(domain);
    switch (txt.status) {
      case dns::DnsStatus::ok: break;
      case dns::DnsStatus::nxdomain:
      case dns::DnsStatus::nodata: return fail_with(SpfResult::none, "no SPF record at " + domain);
      case dns::DnsStatus::temporary: return fail_with(SpfResult::temperror, "DNS failure for " + domain);
      case dns::DnsStatus::permanent: return fail_with(SpfResult::permerror, "bad DNS answer for " + domain);
    }
    const std::string* found = nullptr;
    for (const std::string& value : txt.records) {
      if (is_spf_record(value)) {
        if (found) {
          return fail_with(SpfResult::permerror, "multiple SPF records at " + domain);
        }
        found = &value;
      }
    }
    if (!found) {
      return fail_with(SpfResult::none, "no SPF record at " + domain);
    }
    auto record = parse_spf_record(*found);
    if (!record) {
      return fail_with(SpfResult::permerror, domain + ": " + record.error().detail);
    }
    for (const Mechanism& mechanism : record->mechanisms) {
      Match match = evaluate(mechanism, domain);
      if (match == Match::temperror) {
        return SpfResult::temperror;
      }
      if (match == Match::permerror) {
        return SpfResult::permerror;
      }
      if (match == Match::yes) {
        switch (mechanism.qualifier) {
          case Qualifier::pass: return SpfResult::pass;
          case Qualifier::fail: return SpfResult::fail;
          case Qualifier::softfail: return SpfResult::softfail;
          case Qualifier::neutral: return SpfResult::neutral;
        }
      }
    }
    if (record->redirect) {
      if (!count_lookup()) {
        return fail_with(SpfResult::permerror, "DNS lookup limit exceeded");
      }
      auto target = expand_macros(*record->redirect, context(domain));
      if (!target) {
        return fail_with(SpfResult::permerror, "bad redirect= macro");
      }
      SpfResult result = check(dns::normalize_name(*target), /*top=*/false);
      // §6.1: a redirect to a domain without an SPF record is a permerror.
      return result == SpfResult::none ? fail_with(SpfResult::permerror, "redirect target has no SPF record") : result;
    }
    return SpfResult::neutral;
  }

  // The target of a mechanism: its domain-spec expanded, or the current domain.
  std::optional<std::string> target(const Mechanism& mechanism, const std::string& domain) {
    if (mechanism.domain_spec.empty()) {
      return domain;
    }
    auto expanded = expand_macros(mechanism.domain_spec, context(domain));
    if (!expanded) {
      return std::nullopt;
    }
    return dns::normalize_name(*expanded);
  }

  // A or AAAA for `name` (by the client's family) and whether any is within the CIDR.
  Match address_match(const std::string& name, const Mechanism& mechanism, bool count_as_void) {
    dns::Answer<std::string> answer = ip_.v6 ? resolver_.aaaa(name) : resolver_.a(name);
    if (answer.status == dns::DnsStatus::temporary) {
      fail_with(SpfResult::temperror, "DNS failure for " + name);
      return Match::temperror;
    }
    if (answer.status != dns::DnsStatus::ok || answer.records.empty()) {
      if (count_as_void && !count_void()) {
        fail_with(SpfResult::permerror, "void lookup limit exceeded");
        return Match::permerror;
      }
      return Match::no;
    }
    unsigned prefix = ip_.v6 ? mechanism.cidr6 : mechanism.cidr4;
    for (const std::string& text : answer.records) {
      auto address = parse_ip(text);
      if (address && same_prefix(*address, ip_, prefix)) {
        return Match::yes;
      }
    }
    return Match::no;
  }

  Match evaluate(const Mechanism& mechanism, const std::string& domain) {
    switch (mechanism.kind) {
      case MechanismKind::all: reason_ = "matched all"; return Match::yes;
      case MechanismKind::ip4:
      case MechanismKind::ip6: {
        unsigned prefix = mechanism.network.v6 ? mechanism.cidr6 : mechanism.cidr4;
        bool hit = same_prefix(mechanism.network, ip_, prefix);
        if (hit) {
          reason_ = "matched " + to_text(mechanism.network) + "/" + std::to_string(prefix);
        }
        return hit ? Match::yes : Match::no;
      }
      default: break;
    }
    if (!count_lookup()) {
      fail_with(SpfResult::permerror, "DNS lookup limit exceeded");
      return Match::permerror;
    }
    auto name = target(mechanism, domain);
    if (!name) {
      fail_with(SpfResult::permerror, "bad macro in domain-spec");
      return Match::permerror;
    }
    Match match = Match::no;
    switch (mechanism.kind) {
      case MechanismKind::include: match = include(*name); break;
      case MechanismKind::a: match = address_match(*name, mechanism, true); break;
      case MechanismKind::mx: match = mx(*name, mechanism); break;
      case MechanismKind::ptr: match = ptr(*name); break;
      case MechanismKind::exists: match = exists(*name); break;
      default: break;
    }
    if (match == Match::yes && reason_.empty()) {
      reason_ = "matched mechanism for " + *name;
    }
    return match;
  }

  Match include(const std::string& name) {
    std::string saved = reason_;
    SpfResult result = check(name, /*top=*/false);
    switch (result) {
      case SpfResult::pass: reason_ = "matched include:" + name; return Match::yes;
      case SpfResult::fail:
      case SpfResult::softfail:
      case SpfResult::neutral: reason_ = saved; return Match::no;
      case SpfResult::temperror: return Match::temperror;
      case SpfResult::none: reason_ = "include:" + name + " has no SPF record"; return Match::permerror;
      case SpfResult::permerror: return Match::permerror;
    }
    return Match::permerror;
  }

  Match mx(const std::string& name, const Mechanism& mechanism) {
    dns::Answer<dns::MxRecord> answer = resolver_.mx(name);
    if (answer.status == dns::DnsStatus::temporary) {
      fail_with(SpfResult::temperror, "DNS failure for " + name);
      return Match::temperror;
    }
    if (answer.status != dns::DnsStatus::ok || answer.records.empty()) {
      if (!count_void()) {
        fail_with(SpfResult::permerror, "void lookup limit exceeded");
        return Match::permerror;
      }
      return Match::no;
    }
    if (answer.records.size() > limits_.names_per_mx_or_ptr) {
      fail_with(SpfResult::permerror, "more than 10 MX names at " + name);
      return Match::permerror;
    }
    for (const dns::MxRecord& record : answer.records) {
      if (record.host.empty()) {
        continue;  // null MX (RFC 7505)
      }
      Match match = address_match(record.host, mechanism, false);
      if (match != Match::no) {
        return match;
      }
    }
    return Match::no;
  }

  // Names from the PTR of ip_ whose forward lookup includes ip_ (§5.5), at most 10.
  std::vector<std::string> validated_names() {
    std::vector<std::string> names;
    dns::Answer<std::string> answer = resolver_.ptr(to_text(ip_));
    if (answer.status != dns::DnsStatus::ok) {
      // A failed PTR makes ptr not match; it is not an error (§5.5).
      if (answer.status != dns::DnsStatus::temporary && !count_void()) {
        void_exceeded_ = true;
      }
      return names;
    }
    std::size_t tried = 0;
    Mechanism any;
    any.cidr4 = 32;
    any.cidr6 = 128;
    for (const std::string& host : answer.records) {
      if (++tried > limits_.names_per_mx_or_ptr) {
        break;  // §4.6.4: the rest are ignored
      }
      if (address_match(host, any, false) == Match::yes) {
        names.push_back(dns::normalize_name(host));
      }
    }
    return names;
  }

  static bool within(const std::string& name, const std::string& domain) {
    return name == domain ||
           (name.size() > domain.size() && name.ends_with(domain) && name[name.size() - domain.size() - 1] == '.');
  }

  Match ptr(const std::string& domain) {
    for (const std::string& name : validated_names()) {
      if (within(name, domain)) {
        return Match::yes;
      }
    }
    if (void_exceeded_) {
      fail_with(SpfResult::permerror, "void lookup limit exceeded");
      return Match::permerror;
    }
    return Match::no;
  }

  // %{p}: §7.3 prefers a validated name in the current domain, then any validated name.
  std::string validated_name(const std::string& domain) {
    if (!count_lookup()) {
      return "unknown";  // the lookup limit is checked again by the next DNS term
    }
    std::vector<std::string> names = validated_names();
    for (const std::string& name : names) {
      if (within(name, domain)) {
        return name;
      }
    }
    return names.empty() ? "unknown" : names.front();
  }

  Match exists(const std::string& name) {
    // exists always queries A, whatever the client's family (§5.7).
    dns::Answer<std::string> answer = resolver_.a(name);
    if (answer.status == dns::DnsStatus::temporary) {
      fail_with(SpfResult::temperror, "DNS failure for " + name);
      return Match::temperror;
    }
    if (answer.status == dns::DnsStatus::ok && !answer.records.empty()) {
      reason_ = "matched exists:" + name;
      return Match::yes;
    }
    if (!count_void()) {
      fail_with(SpfResult::permerror, "void lookup limit exceeded");
      return Match::permerror;
    }
    return Match::no;
  }

  dns::Resolver& resolver_;
  IpAddress ip_;
  std::string sender_;
  std::string helo_;
  SpfLimits limits_;
  unsigned lookups_ = 0;
  unsigned void_lookups_ = 0;
  bool void_exceeded_ = false;
  std::string reason_;
};

}  // namespace

SpfOutcome check_host(dns::Resolver& resolver, std::string_view ip, std::string_view domain, std::string_view sender,
                      std::string_view helo, const SpfLimits& limits) {
  auto address = parse_ip(ip);
  if (!address) {
    SpfOutcome outcome;
    outcome.result = SpfResult::permerror;
    outcome.domain = std::string(domain);
    outcome.reason = "bad client address";
    return outcome;
  }
  std::string full_sender(sender);
  if (full_sender.empty()) {
    full_sender = "postmaster@" + std::string(helo);
  } else if (full_sender.find('@') == std::string::npos) {
    full_sender = "postmaster@" + full_sender;
  }
  Checker checker(resolver, *address, std::move(full_sender), std::string(helo), limits);
  return checker.run(dns::normalize_name(domain));
}

SpfOutcome check_mail_from(dns::Resolver& resolver, std::string_view ip, std::string_view mail_from,
                           std::string_view helo, const SpfLimits& limits) {
  std::size_t at = mail_from.rfind('@');
  if (mail_from.empty() || at == std::string_view::npos) {
    return check_host(resolver, ip, helo, "", helo, limits);
  }
  return check_host(resolver, ip, mail_from.substr(at + 1), mail_from, helo, limits);
}

}  // namespace postroom::mailauth
