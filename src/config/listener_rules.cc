#include "config/listener_rules.h"

namespace postroom::config {
namespace {

// STARTTLS exists for POP3 (RFC 2595 STLS), IMAP (RFC 2595), SMTP and submission (RFC 3207).
// "submissions" is implicit TLS by definition (RFC 8314); LMTP and HTTP get no upgrade here.
const ServiceRule kServices[] = {
    {"pop3", true, ListenerMode::starttls, 110, 995, "POP3 (RFC 1939)"},
    {"imap", true, ListenerMode::starttls, 143, 993, "IMAP4rev1/IMAP4rev2"},
    {"smtp", true, ListenerMode::starttls, 25, 0, "SMTP relay and inbound mail (RFC 5321)"},
    {"submission", true, ListenerMode::starttls, 587, 465, "Message submission by clients (RFC 6409)"},
    {"submissions", false, ListenerMode::tls, 0, 465, "Message submission over implicit TLS (RFC 8314)"},
    {"lmtp", false, ListenerMode::plain, 24, 0, "Local delivery from another MTA (RFC 2033)"},
    {"http", false, ListenerMode::plain, 80, 443, "Autodiscover, autoconfig, ActiveSync and the admin API"},
};

const ListenerKey kListenerKeys[] = {
    {"service", "required", "one of \"pop3\", \"imap\", \"smtp\", \"submission\", \"submissions\", \"lmtp\", \"http\"",
     "Protocol served on this socket."},
    {"address", "\"0.0.0.0\"", "an IPv4 or IPv6 address",
     "Local address to bind: \"0.0.0.0\" or \"::\" for every interface, \"127.0.0.1\" or \"::1\" for this host only."},
    {"port", "the service's well-known port for the mode", "an integer from 1 to 65535",
     "TCP port. Required when the service has no well-known port in that mode (smtp and lmtp over tls)."},
    {"mode", "\"tls\" for submissions, \"plain\" for lmtp and http, else \"starttls\"",
     "one of \"plain\", \"starttls\", \"tls\"",
     "\"plain\": no TLS; \"starttls\": plain until the client upgrades (pop3, imap, smtp, submission only); \"tls\": "
     "TLS from the first byte."},
};

}  // namespace

std::string_view to_string(ListenerMode mode) {
  switch (mode) {
    case ListenerMode::plain: return "plain";
    case ListenerMode::starttls: return "starttls";
    case ListenerMode::tls: return "tls";
  }
  return "plain";
}

std::span<const ServiceRule> service_rules() {
  return kServices;
}

const ServiceRule* find_service(std::string_view name) {
  for (const ServiceRule& rule : kServices) {
    if (rule.name == name) {
      return &rule;
    }
  }
  return nullptr;
}

std::optional<std::uint16_t> default_port(const ServiceRule& service, ListenerMode mode) {
  std::uint16_t port = mode == ListenerMode::tls ? service.tls_port : service.plain_port;
  if (port == 0) {
    return std::nullopt;
  }
  return port;
}

std::optional<ListenerMode> parse_listener_mode(std::string_view text) {
  for (ListenerMode mode : {ListenerMode::plain, ListenerMode::starttls, ListenerMode::tls}) {
    if (to_string(mode) == text) {
      return mode;
    }
  }
  return std::nullopt;
}

std::span<const ListenerKey> listener_keys() {
  return kListenerKeys;
}

}  // namespace postroom::config
