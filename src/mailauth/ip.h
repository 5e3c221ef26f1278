// IP addresses for SPF: parsing, CIDR matching and the textual forms macros need.
// Contract: pure functions, no DNS. IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as the IPv4
// address, as RFC 7208 §5 asks of a client that connected over IPv6 from an IPv4 host.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::mailauth {

struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4

  std::size_t size() const { return v6 ? 16 : 4; }
  bool operator==(const IpAddress&) const = default;
};

std::optional<IpAddress> parse_ip(std::string_view text);

// True when the first `prefix` bits of a and b are equal (and they are the same family).
bool same_prefix(const IpAddress& a, const IpAddress& b, unsigned prefix);

// Dotted IPv4 or inet_ntop IPv6.
std::string to_text(const IpAddress& ip);
// RFC 7208 §7.3 %{i}: dotted IPv4, or 32 dot-separated nibbles for IPv6.
std::string to_macro_text(const IpAddress& ip);

}  // namespace postroom::mailauth
