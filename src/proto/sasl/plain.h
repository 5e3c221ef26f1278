// SASL PLAIN (RFC 4616): one message "[authzid] NUL authcid NUL passwd".
#pragma once

#include <optional>
#include <string_view>

#include "proto/sasl/mechanism.h"

namespace postroom::sasl {

// Splits and validates a decoded PLAIN message: exactly two NULs; authcid and passwd
// non-empty; each field at most kMaxFieldOctets and valid UTF-8. No SASLprep is applied.
Result<Done> parse_plain_message(std::string_view message);

// Sends an empty challenge when the client gave no initial response (RFC 4616 §2: the
// client may send the message with the command or after an empty challenge).
class PlainMechanism final : public Mechanism {
 public:
  std::string_view name() const override { return "PLAIN"; }
  Step start(std::optional<std::string_view> initial_response) override;
  Step step(std::string_view client_response) override;

 private:
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace postroom::sasl
