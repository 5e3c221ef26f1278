#include "mailauth/ip.h"

#include <arpa/inet.h>

namespace postroom::mailauth {

std::optional<IpAddress> parse_ip(std::string_view text) {
  // inet_pton needs a C string; an address is never longer than this, so longer input
  // is refused before the copy.
  if (text.size() > INET6_ADDRSTRLEN) {
    return std::nullopt;
  }
  std::string copy(text);
  IpAddress ip;
  if (inet_pton(AF_INET, copy.c_str(), ip.bytes.data()) == 1) {
    return ip;
  }
  if (inet_pton(AF_INET6, copy.c_str(), ip.bytes.data()) == 1) {
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, ip.bytes.begin())) {
      IpAddress v4;
      std::copy(ip.bytes.begin() + 12, ip.bytes.end(), v4.bytes.begin());
      return v4;
    }
    ip.v6 = true;
    return ip;
  }
  return std::nullopt;
}

bool same_prefix(const IpAddress& a, const IpAddress& b, unsigned prefix) {
  if (a.v6 != b.v6) {
    return false;
  }
  unsigned bits = static_cast<unsigned>(a.size()) * 8;
  if (prefix > bits) {
    prefix = bits;
  }
  std::size_t whole = prefix / 8;
  for (std::size_t i = 0; i < whole; ++i) {
    if (a.bytes[i] != b.bytes[i]) {
      return false;
    }
  }
  unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == (b.bytes[whole] & mask);
}

std::string to_text(const IpAddress& ip) {
  char out[INET6_ADDRSTRLEN];
  inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.bytes.data(), out, sizeof out);
  return out;
}

std::string to_macro_text(const IpAddress& ip) {
  if (!ip.v6) {
    return to_text(ip);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i > 0) {
      out.push_back('.');
    }
    out.push_back(kHex[ip.bytes[i] >> 4]);
    out.push_back('.');
    out.push_back(kHex[ip.bytes[i] & 0x0f]);
  }
  return out;
}

}  // namespace postroom::mailauth
