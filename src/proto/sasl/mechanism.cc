#include "proto/sasl/mechanism.h"

#include <array>

#include "proto/sasl/base64.h"
#include "proto/sasl/login.h"
#include "proto/sasl/plain.h"

namespace postroom::sasl {

namespace {

constexpr std::array<std::string_view, 2> kSupported = {"PLAIN", "LOGIN"};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'a' && x <= 'z') {
      x = static_cast<char>(x - 'a' + 'A');
    }
    if (x != b[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::unique_ptr<Mechanism> make_mechanism(std::string_view name) {
  if (iequals(name, "PLAIN")) {
    return std::make_unique<PlainMechanism>();
  }
  if (iequals(name, "LOGIN")) {
    return std::make_unique<LoginMechanism>();
  }
  return nullptr;
}

std::span<const std::string_view> supported_mechanisms() {
  return kSupported;
}

Result<std::string> decode_initial_response(std::string_view wire) {
  if (wire == "=") {
    return std::string();
  }
  if (wire.empty()) {
    // An empty initial response is written "=", never as nothing (RFC 4954 §4).
    return make_error(ErrorKind::bad_syntax, "empty initial response must be sent as \"=\"");
  }
  return decode_client_response(wire);
}

Result<std::string> decode_client_response(std::string_view wire) {
  if (wire.size() > kMaxEncodedResponse) {
    return make_error(ErrorKind::limit, "SASL response too long");
  }
  return base64_decode(wire);
}

}  // namespace postroom::sasl
