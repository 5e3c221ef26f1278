// Password hashing with argon2id (RFC 9106), stored as PHC strings:
//   $argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>
// Contract: hash_password never returns the same string twice (fresh 16-byte salt from
// OpenSSL's CSPRNG); verify_password compares in constant time (argon2id_verify) and returns
// false, never crashes, for malformed or non-argon2id strings.
//
// SECURITY: verify_password is what a pre-authentication client makes us run. Its cost is the
// point (a stolen hash is slow to crack) and also a denial-of-service lever: the server must
// consult auth::LoginLimiter before calling it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace postroom::auth {

struct Argon2Params {
  // OWASP Password Storage Cheat Sheet, argon2id option "m=19 MiB, t=2, p=1": strong enough
  // against GPU cracking while a login costs tens of milliseconds, not seconds.
  std::uint32_t time_cost = 2;       // iterations
  std::uint32_t memory_kib = 19456;  // 19 MiB
  std::uint32_t parallelism = 1;     // lanes; one core per login keeps logins fair
  std::uint32_t hash_length = 32;    // octets of output
  std::uint32_t salt_length = 16;    // octets of random salt (RFC 9106 recommends 16)
};

// Hashes password into a PHC string. Errors: ErrorKind::temporary if the random generator
// fails, ErrorKind::permanent for parameters libargon2 refuses (detail names them).
Result<std::string> hash_password(std::string_view password, const Argon2Params& params = {});

// True only when phc is an argon2id PHC string and password matches it.
bool verify_password(std::string_view password, std::string_view phc);

// True when phc was made with weaker (or different) parameters than params, or is not
// argon2id at all: the server re-hashes on the next successful login.
bool needs_rehash(std::string_view phc, const Argon2Params& params = {});

// A valid hash of a random password, made once per process with default parameters. When an
// account does not exist, verify the password against this so that the reply takes as long
// as for a real account and does not reveal which accounts exist.
const std::string& dummy_password_hash();

}  // namespace postroom::auth
