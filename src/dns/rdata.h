// Hand-written parsers for the rdata of the record types mail needs (RFC 1035 §3.3, RFC 3596),
// and the reverse-lookup name for an address (RFC 1035 §3.5, RFC 3596 §2.5).
//
// Contract: input is one record's rdata exactly as libunbound hands it over (no RDLENGTH,
// names uncompressed). Every read is bounds-checked; malformed rdata gives nullopt, never a
// partial value. Names come back lower-case without the trailing dot.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dns/resolver.h"

namespace postroom::dns {

// A name in wire form (length-prefixed labels ending with the root label). Compression
// pointers are refused: rdata inside ub_result is already decompressed, so a pointer here
// means a corrupt answer. Limits: 255 octets total, 63 per label (RFC 1035 §2.3.4).
// `consumed` receives the wire length when not null.
std::optional<std::string> parse_wire_name(std::string_view wire, std::size_t* consumed = nullptr);

std::optional<std::string> parse_a_rdata(std::string_view rdata);     // 4 octets -> "192.0.2.1"
std::optional<std::string> parse_aaaa_rdata(std::string_view rdata);  // 16 octets -> inet_ntop
std::optional<MxRecord> parse_mx_rdata(std::string_view rdata);       // preference + name
std::optional<std::string> parse_ptr_rdata(std::string_view rdata);   // one name
// TXT: one or more <length><bytes> character-strings, concatenated without separator
// (RFC 7208 §3.3, RFC 6376 §3.6.2.2). An empty rdata is malformed (RFC 1035 needs >= 1).
std::optional<std::string> parse_txt_rdata(std::string_view rdata);

// "192.0.2.1" -> "1.2.0.192.in-addr.arpa"; IPv6 -> 32 nibbles under ip6.arpa.
// nullopt when `ip` is not an address.
std::optional<std::string> reverse_name(std::string_view ip);

// Lower-cases ASCII and drops one trailing dot: the form names are compared and stored in.
std::string normalize_name(std::string_view name);

}  // namespace postroom::dns
