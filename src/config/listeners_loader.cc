#include "config/listeners_loader.h"

#include <arpa/inet.h>

#include <array>
#include <optional>
#include <string>

#include "config/checks.h"
#include "config/listener_rules.h"

namespace postroom::config {
namespace {

constexpr std::string_view kDefaultAddress = "0.0.0.0";

std::string entry_name(std::size_t index) {
  return "listener[" + std::to_string(index) + "]";
}

std::string service_list() {
  std::string text;
  for (const ServiceRule& rule : service_rules()) {
    text += text.empty() ? "one of " : ", ";
    text += toml_quoted(rule.name);
  }
  return text;
}

std::string starttls_service_list() {
  std::string text;
  for (const ServiceRule& rule : service_rules()) {
    if (rule.supports_starttls) {
      text += text.empty() ? "" : ", ";
      text += rule.name;
    }
  }
  return text;
}

// The binary form of an address, so that "::1" and "0:0::1" count as the same socket.
struct BoundAddress {
  int family = AF_INET;
  std::array<unsigned char, 16> bytes{};

  bool is_wildcard() const {
    for (unsigned char byte : bytes) {
      if (byte != 0) {
        return false;
      }
    }
    return true;
  }
  bool operator==(const BoundAddress&) const = default;
};

BoundAddress to_bound_address(const std::string& text) {
  BoundAddress bound;
  if (inet_pton(AF_INET, text.c_str(), bound.bytes.data()) == 1) {
    bound.family = AF_INET;
  } else {
    // Validated before: it is an IPv6 literal.
    bound.family = AF_INET6;
    inet_pton(AF_INET6, text.c_str(), bound.bytes.data());
  }
  return bound;
}

std::string socket_text(const Listener& listener) {
  bool v6 = listener.address.find(':') != std::string::npos;
  std::string text = v6 ? "[" + listener.address + "]" : listener.address;
  return text + ":" + std::to_string(listener.port);
}

struct ReadListener {
  Listener listener;
  std::size_t index;
  std::uint32_t line;
};

// One [[listener]] table; nullopt (with problems reported) when it is unusable.
std::optional<Listener> read_one(std::size_t index, const toml::table& table, Diagnostics& diagnostics) {
  const std::string name = entry_name(index);
  const std::uint32_t entry_line = line_of(table);
  bool failed = false;
  auto fail = [&](std::uint32_t line, std::string_view key, std::string problem) {
    diagnostics.add(line, name + "." + std::string(key), std::move(problem));
    failed = true;
  };

  const ServiceRule* service = nullptr;
  bool service_seen = false;
  std::optional<std::string> address;
  std::optional<std::uint16_t> port;
  std::optional<ListenerMode> mode;
  std::uint32_t mode_line = entry_line;

  for (auto&& [key, value] : table) {
    const std::uint32_t line = line_of(key);
    const std::string_view key_text = key.str();
    if (key_text == "service") {
      service_seen = true;
      const auto* text = value.as_string();
      service = text != nullptr ? find_service(text->get()) : nullptr;
      if (service == nullptr) {
        fail(line, key_text, "expected " + service_list() + ", got " + describe(value));
      }
    } else if (key_text == "address") {
      const auto* text = value.as_string();
      std::string problem = text != nullptr ? check_ip_address(text->get()) : "expected a string";
      if (!problem.empty()) {
        fail(line, key_text, problem + ", got " + describe(value));
      } else {
        address = text->get();
      }
    } else if (key_text == "port") {
      const auto* number = value.as_integer();
      if (number == nullptr || number->get() < 1 || number->get() > 65535) {
        fail(line, key_text, "expected an integer from 1 to 65535, got " + describe(value));
      } else {
        port = static_cast<std::uint16_t>(number->get());
      }
    } else if (key_text == "mode") {
      const auto* text = value.as_string();
      mode_line = line;
      mode = text != nullptr ? parse_listener_mode(text->get()) : std::nullopt;
      if (!mode) {
        fail(line, key_text, "expected one of \"plain\", \"starttls\", \"tls\", got " + describe(value));
      }
    } else {
      fail(line, key_text, "unknown key (a listener has service, address, port and mode)");
    }
  }

  if (!service_seen) {
    fail(entry_line, "service", "missing; every listener names its service, " + service_list());
  }
  if (failed) {
    return std::nullopt;
  }

  Listener listener;
  listener.service = std::string(service->name);
  listener.address = address.value_or(std::string(kDefaultAddress));
  listener.mode = mode.value_or(service->default_mode);
  if (listener.mode == ListenerMode::starttls && !service->supports_starttls) {
    fail(mode_line, "mode",
         "starttls is not available for service " + toml_quoted(service->name) + " (only for " +
             starttls_service_list() + ")");
    return std::nullopt;
  }
  std::optional<std::uint16_t> chosen_port = port ? port : default_port(*service, listener.mode);
  if (!chosen_port) {
    fail(entry_line, "port",
         "missing; service " + toml_quoted(service->name) + " has no well-known port in mode " +
             toml_quoted(to_string(listener.mode)));
    return std::nullopt;
  }
  listener.port = *chosen_port;
  return listener;
}

// Two listeners clash when the kernel would refuse the second bind: same port and either the
// same address or a wildcard of the same family. IPv4 and IPv6 are judged separately: "::" and
// "0.0.0.0" on one port coexist only if the I/O layer sets IPV6_V6ONLY on IPv6 sockets, which
// it must (see README.md).
void check_clashes(const std::vector<ReadListener>& listeners, Diagnostics& diagnostics) {
  for (std::size_t later = 0; later < listeners.size(); ++later) {
    const ReadListener& b = listeners[later];
    const BoundAddress b_address = to_bound_address(b.listener.address);
    for (std::size_t earlier = 0; earlier < later; ++earlier) {
      const ReadListener& a = listeners[earlier];
      const BoundAddress a_address = to_bound_address(a.listener.address);
      if (a.listener.port != b.listener.port || a_address.family != b_address.family) {
        continue;
      }
      const std::string where = entry_name(a.index) + " on line " + std::to_string(a.line);
      if (a_address == b_address) {
        diagnostics.add(b.line, entry_name(b.index),
                        "duplicate address and port " + socket_text(b.listener) + ", already used by " + where);
        break;
      }
      if (a_address.is_wildcard() || b_address.is_wildcard()) {
        diagnostics.add(b.line, entry_name(b.index),
                        socket_text(b.listener) + " overlaps " + socket_text(a.listener) + " of " + where +
                            " (a wildcard address already covers every address of its family)");
        break;
      }
    }
  }
}

}  // namespace

void read_listeners(const toml::key& key, const toml::node& node, std::vector<Listener>& out,
                    Diagnostics& diagnostics) {
  const toml::array* entries = node.as_array();
  if (entries != nullptr && entries->empty()) {
    return;  // `listener = []`: explicitly none
  }
  if (entries == nullptr || !entries->is_array_of_tables()) {
    diagnostics.add(line_of(key), "listener",
                    "expected an array of tables, written [[listener]], got " + describe(node));
    return;
  }
  std::vector<ReadListener> read;
  for (std::size_t index = 0; index < entries->size(); ++index) {
    const toml::table& table = *entries->get(index)->as_table();
    std::optional<Listener> listener = read_one(index, table, diagnostics);
    if (listener) {
      read.push_back(ReadListener{std::move(*listener), index, line_of(table)});
    }
  }
  check_clashes(read, diagnostics);
  for (ReadListener& entry : read) {
    out.push_back(std::move(entry.listener));
  }
}

}  // namespace postroom::config
