#include "mailauth/dmarc.h"

#include <charconv>
#include <random>

#include "mailauth/tag_list.h"
#include "mailauth/util.h"
#include "mime/address.h"
#include "mime/header.h"
#include "mime/text.h"

namespace postroom::mailauth {

const char* to_string(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::none: return "none";
    case DmarcPolicy::quarantine: return "quarantine";
    case DmarcPolicy::reject: return "reject";
  }
  return "none";
}

const char* to_string(DmarcResult result) {
  switch (result) {
    case DmarcResult::none: return "none";
    case DmarcResult::pass: return "pass";
    case DmarcResult::fail: return "fail";
    case DmarcResult::temperror: return "temperror";
    case DmarcResult::permerror: return "permerror";
  }
  return "none";
}

namespace {

std::optional<DmarcPolicy> parse_policy(std::string_view text) {
  std::string value = lower(trim(text));
  if (value == "none") {
    return DmarcPolicy::none;
  }
  if (value == "quarantine") {
    return DmarcPolicy::quarantine;
  }
  if (value == "reject") {
    return DmarcPolicy::reject;
  }
  return std::nullopt;
}

std::optional<Alignment> parse_alignment(std::string_view text) {
  std::string value = lower(trim(text));
  if (value == "r") {
    return Alignment::relaxed;
  }
  if (value == "s") {
    return Alignment::strict;
  }
  return std::nullopt;
}

bool is_dmarc_record(std::string_view text) {
  // v=DMARC1 must come first (§6.4); tolerate whitespace around "=".
  text = trim(text);
  if (!text.starts_with("v")) {
    return false;
  }
  text = trim(text.substr(1));
  if (!text.starts_with("=")) {
    return false;
  }
  text = trim(text.substr(1));
  return text.starts_with("DMARC1") && (text.size() == 6 || text[6] == ';' || is_wsp(text[6]));
}

DmarcPolicy downgrade(DmarcPolicy policy) {
  // §6.6.4: a message not sampled by pct= gets the next less severe policy.
  return policy == DmarcPolicy::reject ? DmarcPolicy::quarantine : DmarcPolicy::none;
}

unsigned random_sample() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return std::uniform_int_distribution<unsigned>(0, 99)(generator);
}

}  // namespace

Result<DmarcRecord> parse_dmarc_record(std::string_view text) {
  if (!is_dmarc_record(text)) {
    return make_error(ErrorKind::bad_syntax, "not a DMARC record");
  }
  auto tags = TagList::parse(text);
  if (!tags) {
    return make_error(ErrorKind::bad_syntax, "DMARC record: " + tags.error().detail);
  }
  DmarcRecord record;
  if (const std::string* rua = tags->find("rua")) {
    std::string_view list = *rua;
    while (!list.empty()) {
      std::size_t comma = list.find(',');
      std::string_view uri = trim(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (!uri.empty()) {
        record.rua.emplace_back(uri);
      }
    }
  }
  const std::string* p = tags->find("p");
  std::optional<DmarcPolicy> policy = p ? parse_policy(*p) : std::nullopt;
  std::optional<DmarcPolicy> subdomain;
  bool sp_valid = true;
  if (const std::string* sp = tags->find("sp")) {
    subdomain = parse_policy(*sp);
    sp_valid = subdomain.has_value();
  }
  if (!policy || !sp_valid) {
    if (record.rua.empty()) {
      return make_error(ErrorKind::bad_syntax, "DMARC record without a valid p=");
    }
    policy = DmarcPolicy::none;  // §6.6.3
    subdomain.reset();
  }
  record.policy = *policy;
  record.subdomain_policy = subdomain;
  if (const std::string* adkim = tags->find("adkim")) {
    auto mode = parse_alignment(*adkim);
    if (!mode) {
      return make_error(ErrorKind::bad_syntax, "bad adkim=");
    }
    record.dkim_alignment = *mode;
  }
  if (const std::string* aspf = tags->find("aspf")) {
    auto mode = parse_alignment(*aspf);
    if (!mode) {
      return make_error(ErrorKind::bad_syntax, "bad aspf=");
    }
    record.spf_alignment = *mode;
  }
  if (const std::string* pct = tags->find("pct")) {
    std::string_view digits = trim(*pct);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value > 100) {
      return make_error(ErrorKind::bad_syntax, "bad pct=");
    }
    record.percent = value;
  }
  return record;
}

bool aligned(std::string_view a, std::string_view b, Alignment mode, const PublicSuffixList& psl) {
  std::string left = lower(trim(a));
  std::string right = lower(trim(b));
  if (left.ends_with('.')) {
    left.pop_back();
  }
  if (right.ends_with('.')) {
    right.pop_back();
  }
  if (left.empty() || right.empty()) {
    return false;
  }
  if (mode == Alignment::strict) {
    return left == right;
  }
  return psl.organizational_domain(left) == psl.organizational_domain(right);
}

DmarcOutcome check_dmarc(dns::Resolver& resolver, const DmarcInput& input, const PublicSuffixList& psl) {
  DmarcOutcome outcome;
  std::string from = lower(trim(input.from_domain));
  if (from.ends_with('.')) {
    from.pop_back();
  }
  if (from.empty()) {
    outcome.result = DmarcResult::permerror;
    outcome.reason = "no RFC5322.From domain";
    return outcome;
  }
  std::string organizational = psl.organizational_domain(from);
  std::vector<std::string> candidates = {from};
  if (organizational != from) {
    candidates.push_back(organizational);
  }
  std::optional<Error> invalid;
  for (const std::string& domain : candidates) {
    dns::Answer<std::string> answer = resolver.txt("_dmarc." + domain);
    if (answer.status == dns::DnsStatus::temporary) {
      outcome.result = DmarcResult::temperror;
      outcome.reason = "DNS failure for _dmarc." + domain;
      return outcome;
    }
    std::vector<const std::string*> records;
    for (const std::string& value : answer.records) {
      if (is_dmarc_record(value)) {
        records.push_back(&value);
      }
    }
    if (records.size() != 1) {
      continue;  // none, or several: §6.6.3 says treat as no record
    }
    auto record = parse_dmarc_record(*records.front());
    if (!record) {
      invalid = record.error();
      break;  // a record was found here; the organizational domain is not consulted
    }
    outcome.record = std::move(*record);
    outcome.record_domain = domain;
    break;
  }
  if (!outcome.record) {
    outcome.result = invalid ? DmarcResult::permerror : DmarcResult::none;
    outcome.reason = invalid ? invalid->detail : "no DMARC record";
    return outcome;
  }
  const DmarcRecord& record = *outcome.record;
  outcome.spf_aligned = input.spf == SpfResult::pass && aligned(input.spf_domain, from, record.spf_alignment, psl);
  for (const std::string& domain : input.dkim_pass_domains) {
    if (aligned(domain, from, record.dkim_alignment, psl)) {
      outcome.dkim_aligned = true;
      break;
    }
  }
  if (outcome.spf_aligned || outcome.dkim_aligned) {
    outcome.result = DmarcResult::pass;
    outcome.policy = DmarcPolicy::none;
    outcome.reason = outcome.dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
    return outcome;
  }
  outcome.result = DmarcResult::fail;
  // sp= applies when the policy came from the organizational domain's record and the From
  // domain is below it (§6.6.3 step 5).
  bool subdomain = outcome.record_domain != from;
  DmarcPolicy policy = subdomain && record.subdomain_policy ? *record.subdomain_policy : record.policy;
  unsigned sample = input.sample.value_or(random_sample());
  if (sample >= record.percent && policy != DmarcPolicy::none) {
    policy = downgrade(policy);
    outcome.reason = "no aligned pass; pct= sampled out";
  } else {
    outcome.reason = "no aligned SPF or DKIM pass";
  }
  outcome.policy = policy;
  return outcome;
}

std::optional<std::string> from_domain(std::string_view message) {
  std::vector<mime::HeaderField> fields = mime::parse_header_fields(message);
  const mime::HeaderField* from = nullptr;
  for (const mime::HeaderField& field : fields) {
    if (mime::iequals(field.name, "From")) {
      if (from) {
        return std::nullopt;  // several From fields
      }
      from = &field;
    }
  }
  if (!from) {
    return std::nullopt;
  }
  std::vector<mime::Address> addresses = mime::parse_address_list(mime::unfold(from->value));
  std::optional<std::string> domain;
  for (const mime::Address& address : addresses) {
    if (address.kind != mime::Address::Kind::mailbox) {
      continue;
    }
    if (domain) {
      return std::nullopt;  // several authors
    }
    domain = lower(address.host);
  }
  if (!domain || domain->empty()) {
    return std::nullopt;
  }
  return domain;
}

}  // namespace postroom::mailauth
