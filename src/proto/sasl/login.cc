#include "proto/sasl/login.h"

#include "base/check.h"
#include "proto/sasl/utf8.h"

namespace postroom::sasl {

namespace {

std::optional<Error> check_field(std::string_view field, std::string_view what) {
  if (field.empty()) {
    return make_error(ErrorKind::bad_syntax, std::string(what) + " is empty");
  }
  if (field.size() > kMaxFieldOctets) {
    return make_error(ErrorKind::limit, std::string(what) + " longer than 255 octets");
  }
  if (field.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::bad_syntax, std::string(what) + " contains NUL");
  }
  if (!is_valid_utf8(field)) {
    return make_error(ErrorKind::bad_syntax, std::string(what) + " is not valid UTF-8");
  }
  return std::nullopt;
}

}  // namespace

Step LoginMechanism::start(std::optional<std::string_view> initial_response) {
  POSTROOM_CHECK(state_ == State::idle, "LOGIN exchange started twice");
  state_ = State::want_user;
  if (!initial_response) {
    return Challenge{std::string(kLoginUserPrompt)};
  }
  return step(*initial_response);
}

Step LoginMechanism::step(std::string_view client_response) {
  switch (state_) {
    case State::want_user:
      if (auto error = check_field(client_response, "user name")) {
        state_ = State::finished;
        return Failed{*error};
      }
      user_ = std::string(client_response);
      state_ = State::want_password;
      return Challenge{std::string(kLoginPasswordPrompt)};
    case State::want_password:
      state_ = State::finished;
      if (auto error = check_field(client_response, "password")) {
        return Failed{*error};
      }
      return Done{std::string(), std::move(user_), std::string(client_response)};
    case State::idle:
    case State::finished: break;
  }
  POSTROOM_CHECK(false, "LOGIN step outside an exchange");
  return Failed{make_error(ErrorKind::permanent, "unreachable")};
}

}  // namespace postroom::sasl
