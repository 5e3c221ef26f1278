// OpenSSL glue for DKIM: hashing, verifying, signing, key generation (RFC 6376 §3.3,
// RFC 8301, RFC 8463). Internal to mailauth; dkim.h is the public API.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "mailauth/dkim_signature.h"

namespace postroom::mailauth {

// SHA-256 or SHA-1 (for rsa-sha1) of `data`.
std::string dkim_hash(DkimAlgorithm algorithm, std::string_view data);

// RSA keys shorter than this are refused (RFC 8301 §3.2: verifiers MUST NOT consider
// signatures with keys < 1024 bits valid); anything that short can be factored.
inline constexpr int kMinRsaBits = 1024;

// Verifies `signature` over `header_data` (the canonicalized header block) with the key
// record's p=. Errors: bad_syntax for an unusable key (permerror), denied when the
// signature does not verify (fail).
Status dkim_verify_signature(DkimAlgorithm algorithm, const DkimKey& key, std::string_view header_data,
                             std::string_view signature);

// Signs `header_data` with a PEM private key (RSA or Ed25519; the algorithm follows the
// key). Returns the raw signature bytes.
struct DkimSigner {
  DkimAlgorithm algorithm;
  std::string signature;
};
Result<DkimSigner> dkim_sign_data(std::string_view private_key_pem, std::string_view header_data);

// The algorithm a PEM private key signs with (rsa-sha256 or ed25519-sha256).
Result<DkimAlgorithm> dkim_key_algorithm(std::string_view private_key_pem);

}  // namespace postroom::mailauth
