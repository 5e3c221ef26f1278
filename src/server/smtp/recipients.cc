#include "server/smtp/recipients.h"

#include <algorithm>

namespace postroom::server::smtp {

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return text;
}

namespace {

bool is_local_domain(store::Store& store, const std::string& domain, bool& failed) {
  auto domains = store.list_domains();
  if (!domains) {
    failed = true;
    return false;
  }
  return std::any_of(domains->begin(), domains->end(), [&](const store::Domain& d) { return d.name == domain; });
}

}  // namespace

RecipientDecision decide_recipient(store::Store& store, const postroom::smtp::Path& path, std::uint64_t size_hint,
                                   bool may_relay, const std::string& hostname) {
  RecipientDecision decision;
  std::string address;
  std::string domain;
  if (path.kind == postroom::smtp::Path::Kind::postmaster) {
    // RFC 5321 §4.5.1: <Postmaster> without a domain must be accepted; it means the
    // postmaster of this host.
    domain = lower_ascii(hostname);
    address = "postmaster@" + domain;
  } else {
    domain = lower_ascii(path.mailbox.domain);
    address = path.mailbox.local_part + "@" + domain;
  }
  decision.address = address;
  if (path.mailbox.domain_kind != postroom::smtp::DomainKind::name &&
      path.kind != postroom::smtp::Path::Kind::postmaster) {
    // Address literals name a host, not one of our mail domains.
    decision.kind = may_relay ? RecipientDecision::Kind::remote : RecipientDecision::Kind::relay_denied;
    return decision;
  }
  auto account = store.resolve_recipient(address);
  if (!account) {
    if (account.error().kind != ErrorKind::not_found && account.error().kind != ErrorKind::bad_syntax) {
      decision.kind = RecipientDecision::Kind::temporary;
      return decision;
    }
    bool failed = false;
    bool local = is_local_domain(store, domain, failed);
    if (failed) {
      decision.kind = RecipientDecision::Kind::temporary;
    } else if (local || path.kind == postroom::smtp::Path::Kind::postmaster) {
      decision.kind = RecipientDecision::Kind::unknown_user;
    } else {
      decision.kind = may_relay ? RecipientDecision::Kind::remote : RecipientDecision::Kind::relay_denied;
    }
    return decision;
  }
  decision.account = std::move(*account);
  decision.address = decision.account.address;
  auto usage = store.usage(decision.account.id);
  if (!usage) {
    decision.kind = RecipientDecision::Kind::temporary;
    return decision;
  }
  const store::Account& a = decision.account;
  if (a.quota_bytes != 0 && size_hint > a.quota_bytes) {
    decision.kind = RecipientDecision::Kind::too_big_ever;
    return decision;
  }
  bool bytes_full = a.quota_bytes != 0 && usage->bytes + std::max<std::uint64_t>(size_hint, 1) > a.quota_bytes;
  bool count_full = a.quota_messages != 0 && usage->messages + 1 > a.quota_messages;
  decision.kind = (bytes_full || count_full) ? RecipientDecision::Kind::over_quota : RecipientDecision::Kind::local;
  return decision;
}

std::vector<std::string> sendable_addresses(store::Store& store, const store::Account& account) {
  std::vector<std::string> addresses{account.address};
  auto aliases = store.list_aliases("");
  if (aliases) {
    for (const auto& alias : *aliases) {
      if (alias.target == account.address) {
        addresses.push_back(alias.source);
      }
    }
  }
  return addresses;
}

}  // namespace postroom::server::smtp
