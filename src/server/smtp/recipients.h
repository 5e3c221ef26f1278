// Recipient policy shared by the SMTP roles: is an address ours, whose is it, does it fit?
// Blocking (store reads); sessions call these through io::offload.
//
// SECURITY: this is where Postroom refuses to be an open relay. A recipient outside the
// local domains is accepted only from an authenticated submission session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/smtp/command.h"
#include "store/store.h"

namespace postroom::server::smtp {

struct RecipientDecision {
  enum class Kind {
    local,         // deliver into `account`
    remote,        // not one of our domains: queue it (submission only)
    unknown_user,  // 550 5.1.1
    relay_denied,  // 550 5.7.1
    over_quota,    // 452 4.2.2 (may fit later)
    too_big_ever,  // 552 5.2.2 (larger than the whole quota)
    temporary,     // 451 4.3.0
  };
  Kind kind = Kind::temporary;
  store::Account account;
  std::string address;  // normalised address to deliver to / queue for
};

// `size_hint` is the MAIL SIZE= value (0 when none). `may_relay` is true for authenticated
// submission.
RecipientDecision decide_recipient(store::Store& store, const postroom::smtp::Path& path, std::uint64_t size_hint,
                                   bool may_relay, const std::string& hostname);

// The addresses a user may send as: the account's own address and every alias pointing to
// it (RFC 6409 §8 leaves the policy to the server; ours forbids sending as others).
std::vector<std::string> sendable_addresses(store::Store& store, const store::Account& account);

std::string lower_ascii(std::string text);

}  // namespace postroom::server::smtp
