// VerifiedCache: remembers recent successful password checks, so a client that logs in again
// and again (phones reconnect for every sync, mail clients open several connections) pays the
// Argon2id verification once per TTL instead of every time. Dovecot's auth_cache does the same.
//
// SECURITY:
// - Only successes are cached. A wrong password always takes the full Argon2id path, so
//   guessing costs what it did; an unknown user is never cached.
// - No password is kept: an entry holds HMAC-SHA-256(process key, stored hash, password) with
//   a random key made at startup, compared in constant time.
// - An entry is only valid for the stored hash it was made with: changing the password
//   (which changes the stored hash, read on every login) invalidates it at once, even when
//   the change was made by another process (the CLI).
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace postroom::auth {

class VerifiedCache {
 public:
  using Clock = std::chrono::steady_clock;
  // ttl 0 disables the cache. At most max_entries accounts are remembered (when full, expired
  // entries are dropped, then an arbitrary one).
  VerifiedCache(std::chrono::seconds ttl, std::size_t max_entries);

  // True when `password` was verified against exactly `stored_hash` for `account` within the TTL.
  bool verified(std::string_view account, std::string_view stored_hash, std::string_view password,
                Clock::time_point now);
  // Records a successful verification.
  void remember(std::string_view account, std::string_view stored_hash, std::string_view password,
                Clock::time_point now);

 private:
  using Digest = std::array<unsigned char, 32>;
  Digest digest(std::string_view stored_hash, std::string_view password) const;
  struct Entry {
    Digest digest;
    Clock::time_point expires;
  };

  std::chrono::seconds ttl_;
  std::size_t max_entries_;
  std::array<unsigned char, 32> key_{};
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace postroom::auth
