// Throttling of failed logins, in memory, shared by every protocol's login path.
//
// Server flow for one login attempt:
//   if (!limiter.check(address, account, now).allowed) -> temporary refusal, no password check
//   ok = verify_password(...)
//   ok ? limiter.record_success(address, account, now)
//      : (limiter.record_failure(address, account, now),
//         wait limiter.failure_delay(address, account, now), then reply with the failure)
//
// Contract:
// - Counts failures per client address and per account in a sliding window: a failure
//   counts for window_seconds after it happened. check() blocks once either count reaches its
//   maximum, and says when the oldest relevant failure ages out (retry_after).
// - record_success forgets the failures that this address made on this account (the user's
//   own typos), from both counters; failures made from other addresses stay.
// - Time is passed in by the caller (steady clock), so tests are deterministic.
// - Thread-safe; all methods take one internal mutex for a few microseconds.
// - An empty address or account means "not known yet" and is neither counted nor checked.
//
// SECURITY: runs before authentication, on attacker-chosen strings. Memory is bounded:
// at most max_tracked_keys entries (least recently failed evicted first), each holding at
// most max(max_failures_*) timestamps and a key of at most 2 * kMaxKeyPart octets.
//
// Trade-off: the per-account limit stops one account being guessed from many addresses, but
// lets an attacker lock a user out for up to window_seconds. The server should therefore
// answer a blocked login with a temporary error ([SYS/TEMP] / [LOGIN-DELAY] in POP3), and the
// per-account limit is higher than the per-address one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace postroom::auth {

struct LimiterConfig {
  // One address guessing passwords (for any accounts): stops online brute force from a host.
  std::uint32_t max_failures_per_address = 10;
  // One account guessed from anywhere: stops a botnet spreading guesses over many addresses.
  std::uint32_t max_failures_per_account = 20;
  // How long a failure counts.
  std::uint32_t window_seconds = 300;
  // Delay before replying to a failure: base * 2^(failures - 1), capped. Slows guessing on
  // one connection without tying up the server (the wait is a timer, not a thread).
  std::uint32_t base_delay_ms = 1000;
  std::uint32_t max_delay_ms = 8000;
  // An attacker cycling through source addresses or invented account names must not grow
  // this table without bound; ~300 bytes per key, so 100k keys is ~30 MB at worst.
  std::size_t max_tracked_keys = 100000;
};

// Keys are truncated to this many octets per part: longer input only comes from a hostile
// client, and truncation merely merges such keys (making the limit stricter for them).
inline constexpr std::size_t kMaxKeyPart = 320;

struct Decision {
  enum class BlockedBy { none, address, account };
  bool allowed = true;
  std::chrono::milliseconds retry_after{0};  // 0 when allowed
  BlockedBy blocked_by = BlockedBy::none;    // for logs
};

class LoginLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit LoginLimiter(LimiterConfig config);

  LoginLimiter(const LoginLimiter&) = delete;
  LoginLimiter& operator=(const LoginLimiter&) = delete;

  Decision check(std::string_view address, std::string_view account, TimePoint now);

  // Delay to wait before replying to the failure just recorded: grows with the larger of
  // the two failure counts in the window; 0 when there are none.
  std::chrono::milliseconds failure_delay(std::string_view address, std::string_view account, TimePoint now);

  void record_failure(std::string_view address, std::string_view account, TimePoint now);
  void record_success(std::string_view address, std::string_view account, TimePoint now);

  // Number of keys currently held (address, account and address+account entries).
  std::size_t tracked_keys() const;

 private:
  struct Entry {
    std::vector<TimePoint> failures;              // ascending, at most max_kept_ timestamps
    std::list<const std::string*>::iterator lru;  // points at this entry's key in entries_
  };

  Entry* find(const std::string& key, TimePoint now);
  Entry& touch(const std::string& key);
  void erase(const std::string& key);
  std::size_t count(const std::string& key, TimePoint now);
  std::chrono::milliseconds retry_after(const std::string& key, std::size_t max, TimePoint now);

  const LimiterConfig config_;
  const std::size_t max_kept_;  // timestamps kept per key
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<const std::string*> lru_;  // most recently failed first
};

}  // namespace postroom::auth
