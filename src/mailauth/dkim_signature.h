// DKIM-Signature header field (RFC 6376 §3.5) and DKIM key records (§3.6.1, RFC 8463).
//
// Contract: parse_* check syntax and the RFC's MUSTs that need no DNS and no clock:
// required tags, v=1, known algorithm, "from" in h=, i= within d=. Failures are bad_syntax
// (the verifier's permerror) with the reason in the detail. Input is attacker-controlled:
// sizes are bounded by TagList::kMaxTags and kMaxSignedFields (dkim_signature.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mailauth/dkim_canon.h"

namespace postroom::mailauth {

enum class DkimAlgorithm { rsa_sha256, rsa_sha1, ed25519_sha256 };

const char* to_string(DkimAlgorithm algorithm);

struct DkimSignature {
  DkimAlgorithm algorithm = DkimAlgorithm::rsa_sha256;
  std::string signature;  // b=, decoded
  std::string b_text;     // b= as written, whitespace removed (header.b in AR)
  std::string body_hash;  // bh=, decoded
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;                        // d=, lower-case
  std::string selector;                      // s=
  std::vector<std::string> signed_fields;    // h=, lower-case, in order, repeats kept
  std::string identity;                      // i=, "@d" when absent
  std::optional<std::uint64_t> body_length;  // l=
  std::optional<std::uint64_t> timestamp;    // t=
  std::optional<std::uint64_t> expiration;   // x=
};

// `value` is the field value after "DKIM-Signature:" (folded text is fine).
Result<DkimSignature> parse_dkim_signature(std::string_view value);

enum class DkimKeyType { rsa, ed25519 };

struct DkimKey {
  DkimKeyType type = DkimKeyType::rsa;
  std::string public_key;     // p=, decoded: DER SubjectPublicKeyInfo for RSA, 32 raw bytes for Ed25519
  bool revoked = false;       // p= empty (§3.6.1)
  bool testing = false;       // t=y
  bool strict = false;        // t=s: i= must be exactly d=
  bool allows_sha1 = true;    // h= absent or lists sha1
  bool allows_sha256 = true;  // h= absent or lists sha256
};

// A TXT record at <selector>._domainkey.<domain>. Unknown tags and flags are ignored;
// v= when present must be "DKIM1" and first; s= must include "*" or "email".
Result<DkimKey> parse_dkim_key(std::string_view record);

}  // namespace postroom::mailauth
