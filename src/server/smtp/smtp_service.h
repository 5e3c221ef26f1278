// SMTP service: one shared object for every SMTP-family listener.
//   smtp         port 25, receiving for local domains (MX); no AUTH; SPF/DKIM/DMARC checks
//   submission   port 587 (STARTTLS) and submissions 465 (implicit TLS): AUTH required,
//                relays for its users to any domain (RFC 6409, RFC 8314)
//   lmtp         RFC 2033: local delivery only, per-recipient replies after DATA
// The service owns no storage itself: local delivery goes through mail::MailService, and
// the outbound queue, inbound authentication checks and DKIM signing are hooks bin/ wires
// in, so this layer does not depend on their backends.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/runtime.h"
#include "io/stream.h"
#include "mail/mail_service.h"
#include "proto/smtp/command.h"
#include "proto/smtp/policy.h"
#include "server/common/authenticator.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::server::smtp {

enum class Role { mx, submission, lmtp };
enum class ListenerKind { plain, starttls, tls };

struct SmtpSettings {
  std::string hostname = "localhost";
  bool allow_plaintext_auth = false;
  std::uint64_t max_message_bytes = 50ull * 1024 * 1024;
  unsigned max_recipients = 100;
  unsigned max_errors = 20;
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds max_session{3600};
  std::size_t max_line_bytes = 4096;
  std::chrono::seconds tls_handshake_timeout{30};
  postroom::smtp::BareNewlinePolicy bare_newline = postroom::smtp::BareNewlinePolicy::reject;
  bool check_inbound = true;
};

// What an inbound message looked like to SPF/DKIM/DMARC, and what to do with it.
struct InboundVerdict {
  enum class Disposition { accept, junk, reject };
  Disposition disposition = Disposition::accept;
  std::string authentication_results;  // whole header field, CRLF-terminated; may be ""
  std::string reject_reply;            // full SMTP reply line when rejecting
};

struct InboundContext {
  std::string client_ip;
  std::string helo;
  std::string mail_from;  // "" for the null reverse-path
  // CRLF message as received (before our headers). The checker may rewrite it: it removes
  // Authentication-Results fields that forge our authserv-id (RFC 8601 §5).
  std::string* message = nullptr;
};

struct OutboundRecipient {
  std::string address;
  postroom::smtp::RcptParams params;
};

struct OutboundMessage {
  std::string sender;  // "" = null reverse-path
  std::vector<OutboundRecipient> recipients;
  std::string bytes;  // CRLF message, our headers included
  postroom::smtp::MailParams params;
};

// Delivery status notifications the SMTP session owes after it answered 250:
// - delivered: local recipients that asked for NOTIFY=SUCCESS (RFC 3461 §4.1);
// - failed: local recipients whose mailbox can never hold the message (larger than the
//   whole quota) while other recipients succeeded — SMTP has one reply after DATA, so
//   these get a bounce instead (RFC 5321 §6.1: no silent loss).
struct DeliveredReport {
  enum class Action { delivered, failed };
  Action action = Action::delivered;
  std::string status = "2.0.0";       // RFC 3463 code for every recipient of this report
  std::string sender;                 // never "" (the null reverse-path gets no DSN)
  postroom::smtp::MailParams params;  // ENVID, RET
  std::vector<OutboundRecipient> recipients;
  const std::string* message = nullptr;
};

// Hooks. All block (DNS, disk); sessions call them through io::offload.
using InboundChecker = std::function<InboundVerdict(const InboundContext&)>;
// Durably queues the message; returns the queue id.
using OutboundQueue = std::function<Result<std::string>(const OutboundMessage&)>;
// Returns a DKIM-Signature header field (CRLF-terminated) for a message sent from
// `domain`, or "" when the domain has no key.
using DkimSigner = std::function<std::string(const std::string& domain, const std::string& message)>;
// Sends a "delivered" DSN (RFC 3464 Action: delivered) to the sender; failures are logged,
// never fatal (the message itself is already delivered).
using DeliveredNotifier = std::function<void(const DeliveredReport&)>;

struct SmtpHooks {
  InboundChecker check_inbound;  // may be empty: no checks
  OutboundQueue enqueue;         // may be empty: submission to remote domains answers 451
  DkimSigner sign;               // may be empty: no signing
  DeliveredNotifier delivered;   // may be empty: DSN is then not advertised
};

class SmtpService {
 public:
  SmtpService(io::Runtime& runtime, mail::MailService& mail, Authenticator& authenticator, SSL_CTX* tls,
              SmtpSettings settings, SmtpHooks hooks)
      : runtime_(runtime),
        mail_(mail),
        authenticator_(authenticator),
        tls_(tls),
        settings_(std::move(settings)),
        hooks_(std::move(hooks)) {}

  io::Task<void> serve(std::unique_ptr<io::Stream> stream, Role role, ListenerKind kind);

  io::Runtime& runtime() { return runtime_; }
  mail::MailService& mail() { return mail_; }
  Authenticator& authenticator() { return authenticator_; }
  SSL_CTX* tls() const { return tls_; }
  const SmtpSettings& settings() const { return settings_; }
  const SmtpHooks& hooks() const { return hooks_; }

 private:
  io::Runtime& runtime_;
  mail::MailService& mail_;
  Authenticator& authenticator_;
  SSL_CTX* tls_;
  SmtpSettings settings_;
  SmtpHooks hooks_;
};

}  // namespace postroom::server::smtp
