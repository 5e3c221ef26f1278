// SMTP enhanced status codes (RFC 3463, registry RFC 5248, announced by RFC 2034).
// Contract: a value type holding class.subject.detail; to_string() renders "5.5.4".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::smtp {

struct EnhancedStatus {
  int klass = 0;    // 2 success, 4 persistent transient failure, 5 permanent failure
  int subject = 0;  // 0..999
  int detail = 0;   // 0..999

  std::string to_string() const;
  friend bool operator==(const EnhancedStatus&, const EnhancedStatus&) = default;
};

// Parses "c.s.d" exactly (class 2, 4 or 5; subject and detail 1 to 3 digits each, RFC 3463
// §2). Returns nullopt for anything else.
std::optional<EnhancedStatus> parse_enhanced_status(std::string_view text);

}  // namespace postroom::smtp
