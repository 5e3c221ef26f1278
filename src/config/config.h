// Typed configuration of postroomd, read once at startup from a TOML file.
//
// Contract:
// - Every setting has a default (the member initialisers below), a validator and a one-line
//   meaning; all three live in one declarative table (config/settings.h), from which
//   docs/configuration.md and config/postroom.example.toml are generated.
// - load_*() either returns a Config in which every value passed its validator and the
//   cross-checks (TLS cert/key pairing, listener clashes, delay ordering), or an Error whose
//   detail names the file, the line and the key: "<file>:<line>: <key>: <problem>". When a
//   file has several mistakes, each gets its own such line (joined by '\n', ordered by line),
//   so one restart is enough to see them all.
// - Unknown sections and unknown keys are errors, never ignored: a misspelt key silently
//   falling back to its default is how insecure settings reach production.
// - No exceptions escape: toml++ reports parse errors by throwing, and that is caught here at
//   the boundary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::config {

enum class ListenerMode { plain, starttls, tls };

// "plain", "starttls" or "tls": the spelling used in the file.
std::string_view to_string(ListenerMode mode);

struct Listener {
  std::string service;  // "pop3", "imap", "smtp", "submission", "submissions", "lmtp", "http"
  std::string address;  // an IP literal to bind: "127.0.0.1", "::1", "0.0.0.0", "::"
  std::uint16_t port = 0;
  ListenerMode mode = ListenerMode::plain;

  bool operator==(const Listener&) const = default;
};

struct Config {
  // [server]
  std::string hostname = "localhost";  // name in greetings and certificate
  std::string data_dir = "/var/lib/postroom";
  std::string user = "";  // drop privileges to this user after binding (when root); "" = stay
  unsigned threads = 0;   // I/O threads; 0 = one per core
  unsigned storage_threads = 16;
  unsigned shutdown_grace_seconds = 10;
  std::string log_level = "info";  // debug|info|warn|error
  // [tls]
  std::string tls_cert = "";  // PEM path; "" = self-signed generated in data_dir/tls/
  std::string tls_key = "";
  std::string tls_min_version = "1.2";  // "1.2" | "1.3"
  // [[listener]] array of tables
  std::vector<Listener> listeners;  // default: none (the example config declares them)
  // [auth]
  bool allow_plaintext_auth = false;  // allow USER/PASS and AUTH PLAIN/LOGIN without TLS
  unsigned auth_failure_delay_ms = 1000;
  unsigned auth_max_delay_ms = 8000;
  unsigned auth_cache_ttl_seconds = 600;
  unsigned auth_max_failures_per_address = 10;
  unsigned auth_max_failures_per_account = 20;
  unsigned auth_failure_window_seconds = 300;
  // [pop3]
  std::string pop3_expire = "NEVER";         // RFC 2449 EXPIRE: "NEVER" or whole days "0".."36500"
  unsigned pop3_login_delay_seconds = 0;     // advertised LOGIN-DELAY; 0 = not advertised
  unsigned pop3_idle_timeout_seconds = 600;  // RFC 1939: at least 10 minutes
  // [limits]
  std::uint64_t max_message_bytes = 50ull * 1024 * 1024;
  unsigned mime_max_depth = 32;
  unsigned mime_max_parts = 2000;
  unsigned mime_max_header_bytes = 262144;
  // [store]
  std::string store_backend = "sqlite";   // only "sqlite" for now
  std::uint64_t default_quota_bytes = 0;  // for new accounts; 0 = unlimited
  std::uint64_t default_quota_messages = 0;

  // [smtp]
  unsigned smtp_max_recipients = 100;             // RCPT TO per transaction (RFC 5321 §4.5.3.1.8: at least 100)
  unsigned smtp_command_timeout_seconds = 300;    // RFC 5321 §4.5.3.2.7: server timeout at least 5 minutes
  unsigned smtp_max_errors = 20;                  // bad commands before the session is closed
  unsigned smtp_max_line_bytes = 4096;            // command line limit incl. CRLF (RFC 5321: at least 512)
  unsigned smtp_max_session_seconds = 3600;       // a whole SMTP connection, however busy
  std::string smtp_bare_newline = "reject";       // "reject" | "normalize": bare LF/CR in DATA
  bool smtp_check_inbound = true;                 // SPF, DKIM, DMARC on port 25
  std::string smtp_spf_fail_action = "mark";      // "mark" | "junk" | "reject" for SPF fail
  std::string smtp_dmarc_fail_action = "policy";  // "policy" | "reject" | "junk" | "mark"
  // [dns]
  std::string dns_resolver = "";  // "" = /etc/resolv.conf; else "127.0.0.1@5353"
  unsigned dns_timeout_ms = 5000;
  // [queue]
  unsigned queue_mx_port = 25;
  unsigned queue_retry_base_seconds = 60;
  unsigned queue_retry_max_seconds = 3600;
  unsigned queue_max_lifetime_seconds = 432000;  // 5 days
  unsigned queue_delay_warning_seconds = 14400;  // 4 hours
  unsigned queue_connect_timeout_seconds = 30;
  std::string queue_smarthost = "";  // "" = deliver by MX
  unsigned queue_smarthost_port = 587;
  std::string queue_smarthost_tls = "starttls";  // "starttls" | "tls" | "none"
  std::string queue_smarthost_user = "";
  std::string queue_smarthost_password = "";
  // [dkim]
  bool dkim_sign = true;
  std::string dkim_selector = "postroom";
  std::string dkim_key_dir = "";  // "" = data_dir/dkim

  bool operator==(const Config&) const = default;
};

// Reads and validates the file at `path`; the path as given is the <file> in error details.
// A missing file is ErrorKind::not_found, an unreadable one ErrorKind::denied, one over 1 MiB
// ErrorKind::limit, another read failure ErrorKind::temporary, and anything wrong inside it
// ErrorKind::bad_syntax; every detail starts with the path.
Result<Config> load_file(const std::string& path);

// Parses and validates TOML text; `source_name` is the <file> in error details.
// Error detail format: "<file>:<line>: <key>: <problem>", e.g.
// "postroom.toml:12: pop3.login_delay_seconds: expected a non-negative integer, got \"x\"".
Result<Config> load_string(std::string_view toml_text, std::string_view source_name);

// The reference of every setting in Markdown; docs/configuration.md is exactly this text
// (a unit test keeps them equal).
std::string render_reference_markdown();

// A fully commented example file with every setting at its default and POP3 listeners on
// 110 (STARTTLS) and 995 (implicit TLS); config/postroom.example.toml is exactly this text.
std::string render_example_toml();

}  // namespace postroom::config
