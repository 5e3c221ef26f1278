#include "dns/rdata.h"

#include <arpa/inet.h>

#include <cstdint>

namespace postroom::dns {

namespace {
// RFC 1035 §2.3.4 size limits; a longer name is a malformed answer.
constexpr std::size_t kMaxNameOctets = 255;
constexpr std::size_t kMaxLabelOctets = 63;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

std::string normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    out.push_back(lower(c));
  }
  return out;
}

std::optional<std::string> parse_wire_name(std::string_view wire, std::size_t* consumed) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    if (pos >= wire.size()) {
      return std::nullopt;
    }
    auto length = static_cast<std::uint8_t>(wire[pos]);
    ++pos;
    if (length == 0) {
      break;
    }
    // 0xC0 = compression pointer, 0x40/0x80 = obsolete extended labels: both refused.
    if (length > kMaxLabelOctets || wire.size() - pos < length) {
      return std::nullopt;
    }
    if (!out.empty()) {
      out.push_back('.');
    }
    for (std::size_t i = 0; i < length; ++i) {
      out.push_back(lower(wire[pos + i]));
    }
    pos += length;
    if (pos > kMaxNameOctets) {
      return std::nullopt;
    }
  }
  if (consumed) {
    *consumed = pos;
  }
  return out;
}

std::optional<std::string> parse_a_rdata(std::string_view rdata) {
  if (rdata.size() != 4) {
    return std::nullopt;
  }
  char text[INET_ADDRSTRLEN];
  if (!inet_ntop(AF_INET, rdata.data(), text, sizeof text)) {
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> parse_aaaa_rdata(std::string_view rdata) {
  if (rdata.size() != 16) {
    return std::nullopt;
  }
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, rdata.data(), text, sizeof text)) {
    return std::nullopt;
  }
  return std::string(text);
}

std::optional<MxRecord> parse_mx_rdata(std::string_view rdata) {
  if (rdata.size() < 3) {
    return std::nullopt;
  }
  MxRecord mx;
  mx.preference =
      static_cast<std::uint16_t>((static_cast<std::uint8_t>(rdata[0]) << 8) | static_cast<std::uint8_t>(rdata[1]));
  std::size_t consumed = 0;
  auto host = parse_wire_name(rdata.substr(2), &consumed);
  if (!host || consumed != rdata.size() - 2) {
    return std::nullopt;
  }
  mx.host = std::move(*host);
  return mx;
}

std::optional<std::string> parse_ptr_rdata(std::string_view rdata) {
  std::size_t consumed = 0;
  auto host = parse_wire_name(rdata, &consumed);
  if (!host || consumed != rdata.size()) {
    return std::nullopt;
  }
  return host;
}

std::optional<std::string> parse_txt_rdata(std::string_view rdata) {
  if (rdata.empty()) {
    return std::nullopt;
  }
  std::string out;
  std::size_t pos = 0;
  while (pos < rdata.size()) {
    auto length = static_cast<std::uint8_t>(rdata[pos]);
    ++pos;
    if (rdata.size() - pos < length) {
      return std::nullopt;
    }
    out.append(rdata.substr(pos, length));
    pos += length;
  }
  return out;
}

std::optional<std::string> reverse_name(std::string_view ip) {
  std::string text(ip);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    return std::to_string(bytes[3]) + "." + std::to_string(bytes[2]) + "." + std::to_string(bytes[1]) + "." +
           std::to_string(bytes[0]) + ".in-addr.arpa";
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 15; i >= 0; --i) {
      out.push_back(kHex[bytes[i] & 0x0f]);
      out.push_back('.');
      out.push_back(kHex[bytes[i] >> 4]);
      out.push_back('.');
    }
    return out + "ip6.arpa";
  }
  return std::nullopt;
}

}  // namespace postroom::dns
