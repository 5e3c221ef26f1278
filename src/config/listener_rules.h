// What a [[listener]] entry may say: the known services, which of them can upgrade with
// STARTTLS, and their well-known ports. Used by the loader to validate and fill defaults, and
// by the reference docs to describe them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "config/config.h"

namespace postroom::config {

struct ServiceRule {
  std::string_view name;      // value of `service`
  bool supports_starttls;     // the protocol defines an in-band upgrade to TLS
  ListenerMode default_mode;  // used when `mode` is absent
  std::uint16_t plain_port;   // default port for plain/starttls; 0 = none, `port` required
  std::uint16_t tls_port;     // default port for implicit TLS; 0 = none, `port` required
  std::string_view doc;
};

std::span<const ServiceRule> service_rules();
const ServiceRule* find_service(std::string_view name);

// The default port of `service` in `mode`; nullopt when there is no well-known one.
std::optional<std::uint16_t> default_port(const ServiceRule& service, ListenerMode mode);

std::optional<ListenerMode> parse_listener_mode(std::string_view text);

// The keys of one [[listener]] table, for unknown-key detection and the docs.
struct ListenerKey {
  std::string_view key;
  std::string_view default_text;  // in words, since defaults depend on `service`
  std::string_view accepts;
  std::string_view doc;
};
std::span<const ListenerKey> listener_keys();

}  // namespace postroom::config
