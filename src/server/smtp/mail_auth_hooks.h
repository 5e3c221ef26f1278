// The SMTP hooks backed by mailauth/: inbound SPF + DKIM + DMARC with the configured policy,
// and DKIM signing with per-domain key files. Blocking (DNS, files): sessions call them
// through io::offload.
#pragma once

#include <string>

#include "dns/resolver.h"
#include "server/smtp/smtp_service.h"

namespace postroom::server::smtp {

struct InboundPolicy {
  std::string authserv_id;                   // our hostname, in Authentication-Results
  std::string spf_fail_action = "mark";      // mark | junk | reject
  std::string dmarc_fail_action = "policy";  // policy | reject | junk | mark
};

// Checks SPF (MAIL FROM, or HELO for the null path), every DKIM signature and DMARC, writes
// Authentication-Results, and decides accept / junk / reject. Removes forged
// Authentication-Results fields carrying our authserv-id from *context.message.
InboundVerdict check_inbound(dns::Resolver& resolver, const InboundPolicy& policy, const InboundContext& context);

// Key file of a domain: <key_dir>/<domain>.<selector>.key (PEM, RSA or Ed25519).
std::string dkim_key_path(const std::string& key_dir, const std::string& domain, const std::string& selector);

// A DKIM-Signature field for `message` sent from `domain`, or "" when the domain has no key
// (or signing fails: an unsigned message is better than a lost one; the failure is logged).
std::string dkim_sign_if_key(const std::string& key_dir, const std::string& selector, const std::string& domain,
                             const std::string& message);

}  // namespace postroom::server::smtp
