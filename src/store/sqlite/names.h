// Normalising and validating the names the store keys on.
//
// Contract: addresses and domains are stored in ASCII lower case, so every lookup lower-cases
// its input first and compares exactly. Validation is deliberately shallow (the SMTP and
// admin layers parse addresses fully); it only keeps values the store cannot key on sensibly
// (empty parts, spaces, control characters, absurd lengths) out of the database.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace postroom::store::sqlite {

std::string ascii_lower(std::string_view text);

// Lower-cased domain, or bad_syntax.
Result<std::string> normalize_domain(std::string_view domain);

struct NormalizedAddress {
  std::string address;  // local@domain, lower-case
  std::string domain;   // the part after '@'
};
// Lower-cased address split at its last '@', or bad_syntax.
Result<NormalizedAddress> normalize_address(std::string_view address);

// Canonical mailbox name: "INBOX" in any case becomes "INBOX"; others unchanged. bad_syntax
// for empty names, empty hierarchy levels ("a//b", "/a", "a/"), control characters and
// names longer than kMaxMailboxName.
Result<std::string> normalize_mailbox_name(std::string_view name);

// Limits against abuse of the admin API and IMAP CREATE: long keys bloat every index.
inline constexpr std::size_t kMaxDomainName = 253;    // RFC 1035
inline constexpr std::size_t kMaxAddress = 254;       // RFC 5321 path limit
inline constexpr std::size_t kMaxMailboxName = 1000;  // generous for deep hierarchies

}  // namespace postroom::store::sqlite
