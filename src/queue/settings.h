// Settings of the outbound queue. The daemon fills them from config [queue] (names in
// README.md); tests shorten the timeouts and retry intervals.
#pragma once

#include <cstdint>
#include <string>

#include "client/smtp_client.h"

namespace postroom::queue {

enum class SmarthostTls { starttls, tls, none };

struct QueueSettings {
  std::string hostname = "localhost";  // EHLO name, Reporting-MTA, MAILER-DAEMON@hostname
  std::uint16_t mx_port = 25;          // port of MX hosts (tests point it at a fake server)

  // Retries: the n-th deferral waits retry_base * 2^(n-1), capped at retry_max.
  unsigned retry_base_seconds = 60;
  unsigned retry_max_seconds = 3600;
  unsigned max_lifetime_seconds = 5 * 24 * 3600;  // then the recipient fails (DSN)
  unsigned delay_warning_seconds = 4 * 3600;      // one "delayed" DSN after this; 0 = never

  // Scheduler.
  unsigned poll_interval_ms = 1000;               // re-reads the queue at least this often (CLI retry)
  unsigned max_connections = 20;                  // destinations delivered to at once
  unsigned max_messages_per_tick = 200;           // messages taken from the store per scan
  unsigned max_recipients_per_transaction = 100;  // RFC 5321 §4.5.3.1.8 minimum
  unsigned max_messages_per_connection = 50;
  bool use_bdat = false;  // BDAT instead of DATA when CHUNKING is offered
  // A DSN quotes the whole original only below this size (else its headers).
  std::uint64_t dsn_max_original_bytes = 10 * 1024 * 1024;

  client::SmtpTimeouts timeouts;

  // Relay everything through one host instead of MX delivery when smarthost is not "".
  // smarthost may be a host name or an IP literal.
  std::string smarthost;
  std::uint16_t smarthost_port = 587;
  SmarthostTls smarthost_tls = SmarthostTls::starttls;
  std::string smarthost_user;  // "" = no AUTH
  std::string smarthost_password;
};

// Parses "starttls" | "tls" | "none"; false for anything else.
bool parse_smarthost_tls(const std::string& text, SmarthostTls& out);

}  // namespace postroom::queue
