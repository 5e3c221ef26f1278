// SASL LOGIN (draft-murchison-sasl-login-00): obsolete but still what Outlook and many
// phones send. The server asks "Username:" then "Password:" (base64 "VXNlcm5hbWU6" and
// "UGFzc3dvcmQ6" on the wire); each client answer is one field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proto/sasl/mechanism.h"

namespace postroom::sasl {

inline constexpr std::string_view kLoginUserPrompt = "Username:";
inline constexpr std::string_view kLoginPasswordPrompt = "Password:";

// Some clients send the user name as an initial response ("AUTH LOGIN dXNlcg=="); it is
// accepted and the exchange skips straight to the password prompt.
class LoginMechanism final : public Mechanism {
 public:
  std::string_view name() const override { return "LOGIN"; }
  Step start(std::optional<std::string_view> initial_response) override;
  Step step(std::string_view client_response) override;

 private:
  enum class State { idle, want_user, want_password, finished };
  State state_ = State::idle;
  std::string user_;
};

}  // namespace postroom::sasl
