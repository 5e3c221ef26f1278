// DMARC (RFC 7489): policy record discovery, identifier alignment and the policy to apply.
//
// Contract:
// - check_dmarc blocks on DNS: at most two TXT queries (_dmarc.<From domain>, then
//   _dmarc.<organizational domain>), never a tree walk.
// - Tags v, p, sp, adkim, aspf, pct, rua are parsed; rua/ruf URIs are kept but no
//   aggregate or failure reports are sent (reporting is not implemented), and fo/rf/ri are
//   accepted and ignored.
// - A record with an invalid p= (or sp=) but a rua= is treated as p=none (§6.6.3); without
//   rua= it is a permerror with no policy applied.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/resolver.h"
#include "mailauth/psl.h"
#include "mailauth/spf.h"

namespace postroom::mailauth {

enum class DmarcPolicy { none, quarantine, reject };
enum class Alignment { relaxed, strict };

const char* to_string(DmarcPolicy policy);

struct DmarcRecord {
  DmarcPolicy policy = DmarcPolicy::none;         // p=
  std::optional<DmarcPolicy> subdomain_policy;    // sp=
  Alignment dkim_alignment = Alignment::relaxed;  // adkim=
  Alignment spf_alignment = Alignment::relaxed;   // aspf=
  unsigned percent = 100;                         // pct=
  std::vector<std::string> rua;                   // parsed, unused
};

// One TXT value; bad_syntax when it is not a valid DMARC record (see the §6.6.3 rule above
// for what the caller does with that).
Result<DmarcRecord> parse_dmarc_record(std::string_view text);

enum class DmarcResult { none, pass, fail, temperror, permerror };

const char* to_string(DmarcResult result);

struct DmarcInput {
  std::string from_domain;  // RFC5322.From domain (see from_domain())
  SpfResult spf = SpfResult::none;
  std::string spf_domain;                      // the domain SPF checked (MAIL FROM domain, or HELO)
  std::vector<std::string> dkim_pass_domains;  // d= of every DKIM pass
  // 0..99, compared against pct=; unset = random. Tests set it.
  std::optional<unsigned> sample;
};

struct DmarcOutcome {
  DmarcResult result = DmarcResult::none;
  DmarcPolicy policy = DmarcPolicy::none;  // what to do with the message (after pct)
  std::optional<DmarcRecord> record;
  std::string record_domain;  // where the record was found
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string reason;
};

DmarcOutcome check_dmarc(dns::Resolver& resolver, const DmarcInput& input,
                         const PublicSuffixList& psl = PublicSuffixList::system());

// True when `a` and `b` are aligned: equal (strict) or same organizational domain (relaxed).
bool aligned(std::string_view a, std::string_view b, Alignment mode, const PublicSuffixList& psl);

// The RFC5322.From domain of a message, lower-case. nullopt when there is no From, more
// than one From field, or a From with zero or several addresses: §6.6.1 says such
// messages cannot be evaluated (callers should reject or treat as failing).
std::optional<std::string> from_domain(std::string_view message);

}  // namespace postroom::mailauth
