// Exclusive per-account maildrop locks for POP3 (RFC 1939 §8: the server acquires an
// exclusive-access lock on the maildrop when it enters the TRANSACTION state).
// Contract: thread-safe; a MaildropLock releases its account when destroyed, so a session
// that ends in any way (QUIT, dropped connection, shutdown) never leaves a stale lock.
#pragma once

#include <mutex>
#include <optional>
#include <unordered_set>

#include "store/types.h"

namespace postroom::server {

class MaildropLocks;

class MaildropLock {
 public:
  MaildropLock(MaildropLock&& other) noexcept : locks_(other.locks_), account_(other.account_) {
    other.locks_ = nullptr;
  }
  MaildropLock& operator=(MaildropLock&&) = delete;
  MaildropLock(const MaildropLock&) = delete;
  ~MaildropLock();

 private:
  friend class MaildropLocks;
  MaildropLock(MaildropLocks* locks, store::AccountId account) : locks_(locks), account_(account) {}
  MaildropLocks* locks_;
  store::AccountId account_;
};

class MaildropLocks {
 public:
  // nullopt when another session holds the account's maildrop.
  std::optional<MaildropLock> try_lock(store::AccountId account);

 private:
  friend class MaildropLock;
  void release(store::AccountId account);
  std::mutex mutex_;
  std::unordered_set<store::AccountId> held_;
};

}  // namespace postroom::server
