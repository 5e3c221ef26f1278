#include "proto/sasl/plain.h"

#include "base/check.h"
#include "proto/sasl/utf8.h"

namespace postroom::sasl {

namespace {

Status check_field(std::string_view field, std::string_view what, bool may_be_empty) {
  if (field.empty() && !may_be_empty) {
    return make_error(ErrorKind::bad_syntax, std::string(what) + " is empty");
  }
  if (field.size() > kMaxFieldOctets) {
    return make_error(ErrorKind::limit, std::string(what) + " longer than 255 octets");
  }
  if (!is_valid_utf8(field)) {
    return make_error(ErrorKind::bad_syntax, std::string(what) + " is not valid UTF-8");
  }
  return ok_status();
}

}  // namespace

Result<Done> parse_plain_message(std::string_view message) {
  const std::size_t first = message.find('\0');
  if (first == std::string_view::npos) {
    return make_error(ErrorKind::bad_syntax, "PLAIN message has no NUL separator");
  }
  const std::size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) {
    return make_error(ErrorKind::bad_syntax, "PLAIN message has only one NUL separator");
  }
  if (message.find('\0', second + 1) != std::string_view::npos) {
    return make_error(ErrorKind::bad_syntax, "PLAIN password contains NUL");
  }
  const std::string_view authzid = message.substr(0, first);
  const std::string_view authcid = message.substr(first + 1, second - first - 1);
  const std::string_view password = message.substr(second + 1);
  if (Status s = check_field(authzid, "authzid", true); !s) {
    return s.error();
  }
  if (Status s = check_field(authcid, "authcid", false); !s) {
    return s.error();
  }
  if (Status s = check_field(password, "password", false); !s) {
    return s.error();
  }
  return Done{std::string(authzid), std::string(authcid), std::string(password)};
}

Step PlainMechanism::start(std::optional<std::string_view> initial_response) {
  POSTROOM_CHECK(!started_, "PLAIN exchange started twice");
  started_ = true;
  if (!initial_response) {
    return Challenge{};
  }
  return step(*initial_response);
}

Step PlainMechanism::step(std::string_view client_response) {
  POSTROOM_CHECK(started_ && !finished_, "PLAIN step outside an exchange");
  finished_ = true;
  Result<Done> done = parse_plain_message(client_response);
  if (!done) {
    return Failed{done.error()};
  }
  return std::move(done).value();
}

}  // namespace postroom::sasl
