#include "server/smtp/mail_auth_hooks.h"

#include <fstream>
#include <iterator>

#include "base/log.h"
#include "mailauth/auth_results.h"
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"
#include "proto/smtp/reply.h"

namespace postroom::server::smtp {
namespace {

using mailauth::DmarcPolicy;
using mailauth::DmarcResult;
using mailauth::SpfResult;
using Disposition = InboundVerdict::Disposition;

Disposition from_action(const std::string& action) {
  if (action == "reject") {
    return Disposition::reject;
  }
  if (action == "junk") {
    return Disposition::junk;
  }
  return Disposition::accept;
}

}  // namespace

InboundVerdict check_inbound(dns::Resolver& resolver, const InboundPolicy& policy, const InboundContext& context) {
  std::string& message = *context.message;
  message = mailauth::strip_authentication_results(message, policy.authserv_id);

  mailauth::AuthResultsInput ar;
  ar.authserv_id = policy.authserv_id;
  ar.mail_from = context.mail_from;
  ar.helo = context.helo;
  ar.spf = mailauth::check_mail_from(resolver, context.client_ip, context.mail_from, context.helo);
  ar.dkim = mailauth::dkim_verify(resolver, message);
  std::vector<std::string> dkim_pass;
  for (const auto& result : ar.dkim) {
    if (result.status == mailauth::DkimStatus::pass) {
      dkim_pass.push_back(result.domain);
    }
  }
  if (auto from = mailauth::from_domain(message)) {
    ar.header_from = *from;
    mailauth::DmarcInput input;
    input.from_domain = *from;
    input.spf = ar.spf->result;
    input.spf_domain = ar.spf->domain;
    input.dkim_pass_domains = dkim_pass;
    ar.dmarc = mailauth::check_dmarc(resolver, input);
  }

  InboundVerdict verdict;
  verdict.authentication_results = mailauth::format_authentication_results(ar);
  if (verdict.authentication_results.size() < 2 ||
      verdict.authentication_results.compare(verdict.authentication_results.size() - 2, 2, "\r\n") != 0) {
    verdict.authentication_results += "\r\n";
  }
  bool dmarc_failed = ar.dmarc && ar.dmarc->result == DmarcResult::fail;
  bool dmarc_passed = ar.dmarc && ar.dmarc->result == DmarcResult::pass;
  if (dmarc_failed) {
    if (policy.dmarc_fail_action == "policy") {
      verdict.disposition = ar.dmarc->policy == DmarcPolicy::reject       ? Disposition::reject
                            : ar.dmarc->policy == DmarcPolicy::quarantine ? Disposition::junk
                                                                          : Disposition::accept;
    } else {
      verdict.disposition = from_action(policy.dmarc_fail_action);
    }
    if (verdict.disposition == Disposition::reject) {
      // RFC 7372 §3.2: 5.7.1 for a DMARC policy rejection.
      verdict.reject_reply = postroom::smtp::reply(550, postroom::smtp::EnhancedStatus{5, 7, 1},
                                                   "message rejected by the DMARC policy of " + ar.header_from);
    }
  } else if (!dmarc_passed && ar.spf->result == SpfResult::fail) {
    verdict.disposition = from_action(policy.spf_fail_action);
    if (verdict.disposition == Disposition::reject) {
      // RFC 7372 §3.2: 5.7.23 "SPF validation failed".
      verdict.reject_reply = postroom::smtp::reply(550, postroom::smtp::EnhancedStatus{5, 7, 23},
                                                   "SPF validation failed for " + ar.spf->domain);
    }
  }
  return verdict;
}

std::string dkim_key_path(const std::string& key_dir, const std::string& domain, const std::string& selector) {
  return key_dir + "/" + domain + "." + selector + ".key";
}

std::string dkim_sign_if_key(const std::string& key_dir, const std::string& selector, const std::string& domain,
                             const std::string& message) {
  if (domain.empty() || domain.find('/') != std::string::npos || domain.front() == '.') {
    return "";
  }
  std::ifstream in(dkim_key_path(key_dir, domain, selector), std::ios::binary);
  if (!in) {
    return "";
  }
  mailauth::DkimSignOptions options;
  options.domain = domain;
  options.selector = selector;
  options.private_key_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto signature = mailauth::dkim_sign(message, options);
  if (!signature) {
    log::error("dkim.sign_failed", {{"domain", domain}, {"error", signature.error().detail}});
    return "";
  }
  std::string field = std::move(*signature);
  if (field.size() < 2 || field.compare(field.size() - 2, 2, "\r\n") != 0) {
    field += "\r\n";
  }
  return field;
}

}  // namespace postroom::server::smtp
