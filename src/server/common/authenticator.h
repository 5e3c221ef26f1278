// Authenticator: checks a user name and password against the store, with the failure
// throttling every protocol shares (POP3 now; IMAP, SMTP AUTH and EAS later).
//
// Contract: login() blocks (argon2id costs tens of milliseconds and the store does I/O), so
// sessions call it through io::offload. It never tells the caller whether the user exists:
// an unknown user costs the same hash verification as a wrong password.
// The returned delay is applied by the session (a timer, not a sleeping thread) before it
// answers a failure, so a guesser gets slow answers without tying up a thread.
//
// SECURITY: runs before authentication with attacker-chosen input; the limiter bounds how
// many guesses one address, or all addresses against one account, get per window.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "auth/login_limiter.h"
#include "auth/verified_cache.h"
#include "base/result.h"
#include "store/store.h"

namespace postroom::server {

struct LoginOutcome {
  enum class Kind { success, bad_credentials, throttled, unavailable };
  Kind kind = Kind::bad_credentials;
  store::Account account;              // on success
  std::chrono::milliseconds delay{0};  // wait this long before answering
  std::string detail;                  // for logs
};

class Authenticator {
 public:
  // `verified` (optional) skips Argon2id for a password verified recently (auth/verified_cache.h).
  Authenticator(store::Store& store, auth::LoginLimiter& limiter, auth::VerifiedCache* verified = nullptr)
      : store_(store), limiter_(limiter), verified_(verified) {}

  LoginOutcome login(std::string_view user, std::string_view password, std::string_view remote_address);

 private:
  store::Store& store_;
  auth::LoginLimiter& limiter_;
  auth::VerifiedCache* verified_;
};

}  // namespace postroom::server
