#include "server/common/maildrop_locks.h"

namespace postroom::server {

MaildropLock::~MaildropLock() {
  if (locks_ != nullptr) {
    locks_->release(account_);
  }
}

std::optional<MaildropLock> MaildropLocks::try_lock(store::AccountId account) {
  std::lock_guard lock(mutex_);
  if (!held_.insert(account).second) {
    return std::nullopt;
  }
  return MaildropLock(this, account);
}

void MaildropLocks::release(store::AccountId account) {
  std::lock_guard lock(mutex_);
  held_.erase(account);
}

}  // namespace postroom::server
