#include "config/settings.h"

#include <array>

#include "config/checks.h"

namespace postroom::config {
namespace {

constexpr std::string_view kLogLevels[] = {"debug", "info", "warn", "error"};
constexpr std::string_view kTlsVersions[] = {"1.2", "1.3"};
constexpr std::string_view kStoreBackends[] = {"sqlite"};
constexpr std::string_view kBareNewline[] = {"reject", "normalize"};
constexpr std::string_view kSpfActions[] = {"mark", "junk", "reject"};
constexpr std::string_view kDmarcActions[] = {"policy", "reject", "junk", "mark"};
constexpr std::string_view kSmarthostTls[] = {"starttls", "tls", "none"};

constexpr std::int64_t kMaxInt64 = INT64_MAX;  // TOML integers are signed 64-bit

// Ranges: the low ends stop settings that would disable a protection or make the server
// unusable; the high ends stop typos (an extra zero) from becoming resource exhaustion.
const Setting kSettings[] = {
    // [server]
    {.section = "server",
     .key = "hostname",
     .field = &Config::hostname,
     .check = check_hostname,
     .accepts = "a DNS name",
     .doc = "Name the server calls itself in protocol greetings and puts in the self-signed certificate."},
    {.section = "server",
     .key = "data_dir",
     .field = &Config::data_dir,
     .check = check_path,
     .accepts = "a non-empty path",
     .doc = "Directory holding the mail store, blobs and generated TLS material."},
    {.section = "server",
     .key = "user",
     .field = &Config::user,
     .check = check_user_name,
     .accepts = "\"\" or a Unix user name",
     .doc = "When started as root, switch to this user after binding the listeners; \"\" keeps the current user."},
    {.section = "server",
     .key = "threads",
     .field = &Config::threads,
     .min = 0,
     .max = 256,
     .doc = "Number of I/O threads, each running its own event loop; 0 means one per CPU core."},
    {.section = "server",
     .key = "storage_threads",
     .field = &Config::storage_threads,
     .min = 1,
     .max = 256,
     .doc = "Threads doing storage work (SQL, fsync) so that no I/O thread ever blocks on disk. "
            "They mostly wait on fsync, so more threads let more deliveries share one group commit."},
    {.section = "server",
     .key = "shutdown_grace_seconds",
     .field = &Config::shutdown_grace_seconds,
     .min = 0,
     .max = 3600,
     .doc = "On SIGTERM, how long in-flight commands may run after listeners close before connections are cut."},
    {.section = "server",
     .key = "log_level",
     .field = &Config::log_level,
     .one_of = kLogLevels,
     .doc = "Least severe level written to the log."},
    // [tls]
    {.section = "tls",
     .key = "cert",
     .field = &Config::tls_cert,
     .check = check_optional_path,
     .accepts = "\"\" or a path",
     .doc = "PEM certificate chain; \"\" uses a self-signed certificate generated in data_dir/tls/ at first start. Set "
            "together with tls.key."},
    {.section = "tls",
     .key = "key",
     .field = &Config::tls_key,
     .check = check_optional_path,
     .accepts = "\"\" or a path",
     .doc = "PEM private key for tls.cert; \"\" when tls.cert is \"\"."},
    {.section = "tls",
     .key = "min_version",
     .field = &Config::tls_min_version,
     .one_of = kTlsVersions,
     .doc = "Oldest TLS version accepted on TLS and STARTTLS listeners."},
    // [auth]
    {.section = "auth",
     .key = "allow_plaintext_auth",
     .field = &Config::allow_plaintext_auth,
     .doc = "Allow passwords in clear (POP3 USER/PASS, AUTH PLAIN/LOGIN) on connections without TLS. Keep false "
            "outside tests."},
    {.section = "auth",
     .key = "failure_delay_ms",
     .field = &Config::auth_failure_delay_ms,
     .min = 0,
     .max = 60000,
     .doc = "Delay before answering a failed authentication; repeated failures from the same address grow it, up to "
            "auth.max_delay_ms."},
    {.section = "auth",
     .key = "max_delay_ms",
     .field = &Config::auth_max_delay_ms,
     .min = 0,
     .max = 600000,
     .doc = "Ceiling of the growing failure delay; must be at least auth.failure_delay_ms."},
    {.section = "auth",
     .key = "max_failures_per_address",
     .field = &Config::auth_max_failures_per_address,
     .min = 1,
     .max = 1000000,
     .doc = "Failed authentications from one client address within the window before that address is refused."},
    {.section = "auth",
     .key = "max_failures_per_account",
     .field = &Config::auth_max_failures_per_account,
     .min = 1,
     .max = 1000000,
     .doc = "Failed authentications against one account within the window before it is refused from everywhere."},
    {.section = "auth",
     .key = "failure_window_seconds",
     .field = &Config::auth_failure_window_seconds,
     .min = 1,
     .max = 86400,
     .doc = "Sliding window over which authentication failures are counted."},
    {.section = "auth",
     .key = "cache_ttl_seconds",
     .field = &Config::auth_cache_ttl_seconds,
     .min = 0,
     .max = 86400,
     .doc = "How long a successful password check is remembered, so repeated logins skip the Argon2id hash (only "
            "an HMAC of the password with a random per-process key is kept; a password change invalidates it). "
            "0 disables the cache."},
    // [pop3]
    {.section = "pop3",
     .key = "expire",
     .field = &Config::pop3_expire,
     .check = check_pop3_expire,
     .accepts = "\"NEVER\" or a whole number of days from \"0\" to \"36500\"",
     .doc = "RFC 2449 EXPIRE capability: how long messages stay after being retrieved; the server enforces what it "
            "advertises."},
    {.section = "pop3",
     .key = "login_delay_seconds",
     .field = &Config::pop3_login_delay_seconds,
     .min = 0,
     .max = 86400,
     .doc = "RFC 2449 LOGIN-DELAY: minimum seconds between logins to one account, advertised and enforced; 0 means not "
            "advertised."},
    {.section = "pop3",
     .key = "idle_timeout_seconds",
     .field = &Config::pop3_idle_timeout_seconds,
     .min = 600,
     .max = 86400,
     .doc = "Inactivity after which a POP3 session is closed; RFC 1939 requires at least 10 minutes."},
    // [limits]
    {.section = "limits",
     .key = "max_message_bytes",
     .field = &Config::max_message_bytes,
     .min = 1024,
     .max = 4ll * 1024 * 1024 * 1024,
     .doc = "Largest message accepted by any protocol (advertised as SMTP SIZE)."},
    {.section = "limits",
     .key = "mime_max_depth",
     .field = &Config::mime_max_depth,
     .min = 1,
     .max = 256,
     .doc = "Deepest MIME nesting parsed; stops stack and time exhaustion from crafted nested multiparts."},
    {.section = "limits",
     .key = "mime_max_parts",
     .field = &Config::mime_max_parts,
     .min = 1,
     .max = 100000,
     .doc = "Most MIME parts parsed in one message; stops BODYSTRUCTURE blow-up from crafted messages."},
    {.section = "limits",
     .key = "mime_max_header_bytes",
     .field = &Config::mime_max_header_bytes,
     .min = 1024,
     .max = 16 * 1024 * 1024,
     .doc = "Largest header block of one message or part; stops unbounded header buffering."},
    // [store]
    {.section = "store",
     .key = "backend",
     .field = &Config::store_backend,
     .one_of = kStoreBackends,
     .doc = "Storage backend; \"sqlite\" keeps metadata in SQLite (WAL) and bodies as blobs under data_dir."},
    {.section = "store",
     .key = "default_quota_bytes",
     .field = &Config::default_quota_bytes,
     .min = 0,
     .max = kMaxInt64,
     .doc = "Storage quota given to new accounts, in bytes; 0 means unlimited."},
    {.section = "store",
     .key = "default_quota_messages",
     .field = &Config::default_quota_messages,
     .min = 0,
     .max = kMaxInt64,
     .doc = "Message-count quota given to new accounts; 0 means unlimited."},
    // [smtp]
    {.section = "smtp",
     .key = "max_recipients",
     .field = &Config::smtp_max_recipients,
     .min = 1,
     .max = 100000,
     .doc = "Recipients accepted in one SMTP transaction; more get 452 4.5.3 (RFC 5321 asks for at least 100)."},
    {.section = "smtp",
     .key = "command_timeout_seconds",
     .field = &Config::smtp_command_timeout_seconds,
     .min = 10,
     .max = 3600,
     .doc = "How long an SMTP session may wait for the client's next command or data before it is closed."},
    {.section = "smtp",
     .key = "max_errors",
     .field = &Config::smtp_max_errors,
     .min = 1,
     .max = 1000,
     .doc = "Bad commands tolerated in one SMTP session before it is closed with 421."},
    {.section = "smtp",
     .key = "max_line_bytes",
     .field = &Config::smtp_max_line_bytes,
     .min = 512,
     .max = 65536,
     .doc = "Longest SMTP command line accepted, CRLF included (RFC 5321 minimum 512; ESMTP parameters need more); "
            "longer lines get 500 5.5.2."},
    {.section = "smtp",
     .key = "max_session_seconds",
     .field = &Config::smtp_max_session_seconds,
     .min = 60,
     .max = 86400,
     .doc = "Longest an SMTP connection may last in all; then it is closed with 421 4.4.2 between commands."},
    {.section = "smtp",
     .key = "bare_newline",
     .field = &Config::smtp_bare_newline,
     .one_of = kBareNewline,
     .doc = "What to do with a bare LF or CR inside DATA: reject the message (defends against SMTP smuggling) or "
            "normalize it to CRLF."},
    {.section = "smtp",
     .key = "check_inbound",
     .field = &Config::smtp_check_inbound,
     .doc = "Check SPF, DKIM and DMARC on mail received on SMTP listeners (port 25) and record them in "
            "Authentication-Results."},
    {.section = "smtp",
     .key = "spf_fail_action",
     .field = &Config::smtp_spf_fail_action,
     .one_of = kSpfActions,
     .doc = "What happens to a message whose SPF result is fail and that DMARC does not decide: mark only, file it in "
            "Junk, or reject it with 550 5.7.23."},
    {.section = "smtp",
     .key = "dmarc_fail_action",
     .field = &Config::smtp_dmarc_fail_action,
     .one_of = kDmarcActions,
     .doc = "What happens to a message failing DMARC: follow the sender domain's policy (reject/quarantine/none), or "
            "always reject, file in Junk, or only mark."},
    // [dns]
    {.section = "dns",
     .key = "resolver",
     .field = &Config::dns_resolver,
     .check = check_dns_resolver,
     .accepts = "\"\" or comma-separated IP[@port] forwarders",
     .doc = "DNS servers to ask (e.g. \"127.0.0.1@5353\"); \"\" uses /etc/resolv.conf."},
    {.section = "dns",
     .key = "timeout_ms",
     .field = &Config::dns_timeout_ms,
     .min = 100,
     .max = 60000,
     .doc = "How long one DNS lookup may take before it counts as a temporary failure."},
    // [queue]
    {.section = "queue",
     .key = "mx_port",
     .field = &Config::queue_mx_port,
     .min = 1,
     .max = 65535,
     .doc = "TCP port of remote MX hosts; 25 except in tests."},
    {.section = "queue",
     .key = "retry_base_seconds",
     .field = &Config::queue_retry_base_seconds,
     .min = 1,
     .max = 86400,
     .doc =
         "First retry delay after a temporary failure; each further retry doubles it, up to queue.retry_max_seconds."},
    {.section = "queue",
     .key = "retry_max_seconds",
     .field = &Config::queue_retry_max_seconds,
     .min = 1,
     .max = 604800,
     .doc = "Longest delay between two delivery attempts."},
    {.section = "queue",
     .key = "max_lifetime_seconds",
     .field = &Config::queue_max_lifetime_seconds,
     .min = 60,
     .max = 2592000,
     .doc = "How long a message may stay queued before it is bounced to its sender (default 5 days)."},
    {.section = "queue",
     .key = "delay_warning_seconds",
     .field = &Config::queue_delay_warning_seconds,
     .min = 0,
     .max = 2592000,
     .doc = "After this long undelivered, the sender gets one delay warning (DSN Action: delayed); 0 disables it."},
    {.section = "queue",
     .key = "connect_timeout_seconds",
     .field = &Config::queue_connect_timeout_seconds,
     .min = 1,
     .max = 600,
     .doc = "How long to wait for a TCP connection to a remote host."},
    {.section = "queue",
     .key = "smarthost",
     .field = &Config::queue_smarthost,
     .check = check_optional_host,
     .accepts = "\"\" or a host name or IP address",
     .doc = "Relay all outbound mail through this host instead of looking up MX records; \"\" delivers directly."},
    {.section = "queue",
     .key = "smarthost_port",
     .field = &Config::queue_smarthost_port,
     .min = 1,
     .max = 65535,
     .doc = "Port of the smarthost."},
    {.section = "queue",
     .key = "smarthost_tls",
     .field = &Config::queue_smarthost_tls,
     .one_of = kSmarthostTls,
     .doc = "How to secure the smarthost connection: STARTTLS (required), implicit TLS, or none."},
    {.section = "queue",
     .key = "smarthost_user",
     .field = &Config::queue_smarthost_user,
     .doc = "User name for AUTH at the smarthost; \"\" sends no AUTH."},
    {.section = "queue",
     .key = "smarthost_password",
     .field = &Config::queue_smarthost_password,
     .doc = "Password for AUTH at the smarthost (sent only over TLS)."},
    // [dkim]
    {.section = "dkim",
     .key = "sign",
     .field = &Config::dkim_sign,
     .doc = "Sign mail submitted by users with the DKIM key of the sender's domain, where one exists (postroom dkim "
            "generate)."},
    {.section = "dkim",
     .key = "selector",
     .field = &Config::dkim_selector,
     .check = check_dkim_selector,
     .accepts = "a DNS label",
     .doc = "Selector of the signing keys: the public key is published at SELECTOR._domainkey.DOMAIN."},
    {.section = "dkim",
     .key = "key_dir",
     .field = &Config::dkim_key_dir,
     .check = check_optional_path,
     .accepts = "\"\" or a path",
     .doc = "Directory of DKIM private keys (DOMAIN.SELECTOR.key); \"\" means data_dir/dkim."},
};

constexpr std::string_view kSections[] = {"server", "tls",  "auth", "pop3",  "limits",
                                          "store",  "smtp", "dns",  "queue", "dkim"};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

}  // namespace

std::span<const Setting> settings() {
  return kSettings;
}

std::span<const std::string_view> section_names() {
  return kSections;
}

std::string_view section_doc(std::string_view section) {
  if (section == "server") {
    return "Process-wide settings.";
  }
  if (section == "tls") {
    return "Certificate and protocol versions for every TLS and STARTTLS listener.";
  }
  if (section == "auth") {
    return "Password authentication and the throttling of failures (brute-force protection).";
  }
  if (section == "pop3") {
    return "POP3 service behaviour (RFC 1939, RFC 2449 capabilities).";
  }
  if (section == "limits") {
    return "Resource limits applied to every message, whichever protocol brings it.";
  }
  if (section == "store") {
    return "Where accounts and mail are kept, and the defaults for new accounts.";
  }
  if (section == "smtp") {
    return "SMTP receiving and submission (RFC 5321, RFC 6409) and inbound SPF/DKIM/DMARC policy.";
  }
  if (section == "dns") {
    return "The DNS resolver used for MX lookups, SPF, DKIM and DMARC.";
  }
  if (section == "queue") {
    return "Outbound delivery: retries, bounces, and an optional smarthost.";
  }
  if (section == "dkim") {
    return "DKIM signing of outgoing mail (RFC 6376).";
  }
  return "";
}

std::string qualified_name(const Setting& setting) {
  std::string name(setting.section);
  name += '.';
  name += setting.key;
  return name;
}

std::string default_as_toml(const Setting& setting) {
  static const Config defaults;
  return std::visit(Overloaded{
                        [](std::string Config::*field) { return toml_quoted(defaults.*field); },
                        [](unsigned Config::*field) { return std::to_string(defaults.*field); },
                        [](std::uint64_t Config::*field) { return std::to_string(defaults.*field); },
                        [](bool Config::*field) { return std::string(defaults.*field ? "true" : "false"); },
                    },
                    setting.field);
}

std::string accepted_values(const Setting& setting) {
  if (std::holds_alternative<bool Config::*>(setting.field)) {
    return "true or false";
  }
  if (std::holds_alternative<std::string Config::*>(setting.field)) {
    if (!setting.one_of.empty()) {
      std::string text = setting.one_of.size() == 1 ? "only " : "one of ";
      for (std::size_t i = 0; i < setting.one_of.size(); ++i) {
        if (i > 0) {
          text += ", ";
        }
        text += toml_quoted(setting.one_of[i]);
      }
      return text;
    }
    return setting.accepts.empty() ? std::string("a string") : std::string(setting.accepts);
  }
  if (setting.max == kMaxInt64) {
    return setting.min == 0 ? std::string("a non-negative integer")
                            : "an integer of at least " + std::to_string(setting.min);
  }
  return "an integer from " + std::to_string(setting.min) + " to " + std::to_string(setting.max);
}

}  // namespace postroom::config
