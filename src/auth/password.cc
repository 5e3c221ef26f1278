#include "auth/password.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "base/check.h"

namespace postroom::auth {

namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// Reads "key=<decimal>" at the front of text and advances past it.
bool read_param(std::string_view& text, std::string_view key, std::uint32_t& out) {
  if (text.substr(0, key.size()) != key || text.size() <= key.size() || text[key.size()] != '=') {
    return false;
  }
  text.remove_prefix(key.size() + 1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{}) {
    return false;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const Argon2Params& params) {
  std::vector<unsigned char> salt(params.salt_length);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return make_error(ErrorKind::temporary, "RAND_bytes failed");
  }
  const std::size_t encoded_length = argon2_encodedlen(params.time_cost, params.memory_kib, params.parallelism,
                                                       params.salt_length, params.hash_length, Argon2_id);
  std::string encoded(encoded_length, '\0');
  const int rc =
      argon2id_hash_encoded(params.time_cost, params.memory_kib, params.parallelism, password.data(), password.size(),
                            salt.data(), salt.size(), params.hash_length, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    const ErrorKind kind = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? ErrorKind::temporary : ErrorKind::permanent;
    return make_error(kind, std::string("argon2id_hash_encoded: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));  // argon2_encodedlen counts the terminating NUL
  return encoded;
}

bool verify_password(std::string_view password, std::string_view phc) {
  if (phc.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix || phc.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string encoded(phc);  // libargon2 wants a NUL-terminated string
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool needs_rehash(std::string_view phc, const Argon2Params& params) {
  if (phc.substr(0, kArgon2idPrefix.size()) != kArgon2idPrefix) {
    return true;
  }
  std::string_view rest = phc.substr(kArgon2idPrefix.size());
  std::uint32_t version = 0;
  std::uint32_t memory = 0;
  std::uint32_t time = 0;
  std::uint32_t lanes = 0;
  if (!read_param(rest, "v", version) || rest.substr(0, 1) != "$") {
    return true;
  }
  rest.remove_prefix(1);
  if (!read_param(rest, "m", memory) || rest.substr(0, 1) != ",") {
    return true;
  }
  rest.remove_prefix(1);
  if (!read_param(rest, "t", time) || rest.substr(0, 1) != ",") {
    return true;
  }
  rest.remove_prefix(1);
  if (!read_param(rest, "p", lanes)) {
    return true;
  }
  return version != ARGON2_VERSION_NUMBER || memory != params.memory_kib || time != params.time_cost ||
         lanes != params.parallelism;
}

const std::string& dummy_password_hash() {
  // Thread-safe one-time initialisation (C++11 magic statics).
  static const std::string hash = [] {
    // The password is random and forgotten at once: even a server bug that ignored "account
    // not found" could not be logged into with it.
    unsigned char random[16];
    POSTROOM_CHECK(RAND_bytes(random, sizeof random) == 1, "no randomness for the dummy password");
    Result<std::string> made = hash_password(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    POSTROOM_CHECK(made.ok(), "cannot hash the dummy password");
    return std::move(made).value();
  }();
  return hash;
}

}  // namespace postroom::auth
