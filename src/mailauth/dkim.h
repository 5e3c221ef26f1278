// DKIM (RFC 6376) verification and signing, with rsa-sha256, ed25519-sha256 (RFC 8463) and,
// for verification only, rsa-sha1 (flagged weak: RFC 8301 forbids it, old mail still has it).
//
// Contract:
// - Messages are whole RFC 5322 messages (header, blank line, body). Bare LF line ends are
//   converted to CRLF first, so a message stored with LF verifies as sent.
// - dkim_verify blocks on DNS (key at <s>._domainkey.<d>); call it via io::offload. At
//   most DkimVerifyOptions::max_signatures signatures are checked: each costs a DNS query
//   and a public-key operation, and a sender could otherwise add hundreds.
// - The canonicalized body is built in memory (one copy of the body).
// - l= is honoured, but content after the signed length is unauthenticated: an attacker
//   can append anything. Results record the l= so callers may treat it as weaker; we never
//   emit l= when signing.
// - t= in the future is not an error (clock skew); x= in the past is fail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dns/resolver.h"
#include "mailauth/dkim_signature.h"

namespace postroom::mailauth {

enum class DkimStatus { none, pass, fail, neutral, temperror, permerror };

const char* to_string(DkimStatus status);  // RFC 8601 spelling

struct DkimResult {
  DkimStatus status = DkimStatus::none;
  std::string reason;    // why, for logs and the AR comment
  std::string domain;    // d=
  std::string selector;  // s=
  std::string identity;  // i=
  std::string b_prefix;  // first 8 characters of b= (RFC 6008 header.b)
  DkimAlgorithm algorithm = DkimAlgorithm::rsa_sha256;
  bool weak = false;                         // rsa-sha1: treat a pass with suspicion
  bool testing = false;                      // key has t=y: the domain is testing DKIM
  std::optional<std::uint64_t> body_length;  // l= was used: unsigned content may follow
};

struct DkimVerifyOptions {
  std::uint64_t now = 0;  // seconds since the epoch; 0 = the current time
  std::size_t max_signatures = 5;
  bool accept_sha1 = true;  // false: rsa-sha1 signatures are permerror
};

// One result per DKIM-Signature field (top to bottom), empty when there is none.
std::vector<DkimResult> dkim_verify(dns::Resolver& resolver, std::string_view message,
                                    const DkimVerifyOptions& options = {});

// Verifies one signature with a key record already in hand (tests, offline checks).
DkimResult dkim_verify_with_key(std::string_view message, std::size_t signature_index, std::string_view key_record,
                                const DkimVerifyOptions& options = {});

struct DkimSignOptions {
  std::string domain;
  std::string selector;
  std::string private_key_pem;  // RSA (>= 1024 bits) or Ed25519; decides a=
  // Fields signed, in this order, each as often as it occurs in the message.
  std::vector<std::string> headers = {"From",       "To",           "Cc",           "Subject",
                                      "Date",       "Message-ID",   "Reply-To",     "In-Reply-To",
                                      "References", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
  // Names listed once more than they occur, so that adding another such field later
  // breaks the signature (RFC 6376 §8.15 "oversigning").
  std::vector<std::string> oversign = {"From"};
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::relaxed;
  std::optional<std::uint64_t> timestamp;      // t=; default now
  std::optional<std::uint64_t> expires_after;  // x = t + this; default no x=
  std::string identity;                        // i=; empty = omitted
};

// The "DKIM-Signature: ...\r\n" field (lines folded to at most 78 characters) to prepend
// to the message. bad_syntax for an unreadable key or missing domain/selector.
Result<std::string> dkim_sign(std::string_view message, const DkimSignOptions& options);

struct GeneratedKey {
  std::string private_pem;     // PKCS#8 PEM
  std::string dns_txt_record;  // "v=DKIM1; k=rsa; p=..." for <selector>._domainkey.<domain>
};

// A fresh key: RSA (rsa_bits, at least 1024, 2048 recommended) or Ed25519.
Result<GeneratedKey> generate_key(DkimKeyType type, int rsa_bits = 2048);

}  // namespace postroom::mailauth
