#include "server/common/authenticator.h"

#include <algorithm>
#include <cctype>

#include "auth/password.h"

namespace postroom::server {

LoginOutcome Authenticator::login(std::string_view user, std::string_view password, std::string_view remote_address) {
  auto now = std::chrono::steady_clock::now();
  std::string account_key(user.substr(0, auth::kMaxKeyPart));
  std::transform(account_key.begin(), account_key.end(), account_key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  LoginOutcome outcome;
  auth::Decision decision = limiter_.check(remote_address, account_key, now);
  if (!decision.allowed) {
    // Throttled attempts are not verified at all: a blocked guesser learns nothing, even
    // with the right password, until the window has passed.
    outcome.kind = LoginOutcome::Kind::throttled;
    outcome.delay = limiter_.failure_delay(remote_address, account_key, now);
    outcome.detail = decision.blocked_by == auth::Decision::BlockedBy::address ? "address" : "account";
    return outcome;
  }
  auto account = store_.find_account(account_key);
  if (!account && account.error().kind != ErrorKind::not_found) {
    outcome.kind = LoginOutcome::Kind::unavailable;
    outcome.detail = account.error().detail;
    return outcome;
  }
  // An unknown user costs the same argon2id verification as a wrong password, so response
  // times do not reveal which accounts exist.
  const std::string& hash = account ? account->password_hash : auth::dummy_password_hash();
  bool verified = false;
  if (account && verified_ != nullptr && verified_->verified(account_key, hash, password, now)) {
    verified = true;
  } else {
    verified = auth::verify_password(password, hash) && account.ok();
    if (verified && verified_ != nullptr) {
      verified_->remember(account_key, hash, password, now);
    }
  }
  if (!verified) {
    limiter_.record_failure(remote_address, account_key, now);
    outcome.kind = LoginOutcome::Kind::bad_credentials;
    outcome.delay = limiter_.failure_delay(remote_address, account_key, now);
    return outcome;
  }
  limiter_.record_success(remote_address, account_key, now);
  outcome.kind = LoginOutcome::Kind::success;
  outcome.account = std::move(*account);
  return outcome;
}

}  // namespace postroom::server
