#include "auth/login_limiter.h"

#include <algorithm>

#include "base/check.h"

namespace postroom::auth {

namespace {

std::string_view clip(std::string_view part) {
  return part.substr(0, kMaxKeyPart);
}

std::string address_key(std::string_view address) {
  return "A" + std::string(clip(address));
}

std::string account_key(std::string_view account) {
  return "U" + std::string(clip(account));
}

// Length-prefixed so that no (address, account) pair can collide with another.
std::string pair_key(std::string_view address, std::string_view account) {
  const std::string_view a = clip(address);
  return "P" + std::to_string(a.size()) + ":" + std::string(a) + std::string(clip(account));
}

}  // namespace

LoginLimiter::LoginLimiter(LimiterConfig config)
    : config_(config), max_kept_(std::max(config.max_failures_per_address, config.max_failures_per_account)) {
  POSTROOM_CHECK(config_.max_failures_per_address >= 1 && config_.max_failures_per_account >= 1,
                 "login limits must allow at least one failure");
  // One failure touches three keys; evicting one of them while recording would lose it.
  POSTROOM_CHECK(config_.max_tracked_keys >= 3, "limiter must track at least three keys");
}

LoginLimiter::Entry* LoginLimiter::find(const std::string& key, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return nullptr;
  }
  // Drop failures older than the window; an entry left empty is forgotten altogether.
  const TimePoint oldest_counted = now - std::chrono::seconds(config_.window_seconds);
  auto& failures = it->second.failures;
  failures.erase(failures.begin(), std::upper_bound(failures.begin(), failures.end(), oldest_counted));
  if (failures.empty()) {
    erase(key);
    return nullptr;
  }
  return &it->second;
}

LoginLimiter::Entry& LoginLimiter::touch(const std::string& key) {
  auto [it, inserted] = entries_.try_emplace(key);
  if (inserted) {
    lru_.push_front(&it->first);  // node-based map: the key's address is stable
    it->second.lru = lru_.begin();
    while (entries_.size() > config_.max_tracked_keys) {
      const std::string* oldest = lru_.back();
      POSTROOM_CHECK(oldest != &it->first, "evicting the key being recorded");
      erase(*oldest);
    }
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  return it->second;
}

void LoginLimiter::erase(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return;
  }
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

std::size_t LoginLimiter::count(const std::string& key, TimePoint now) {
  const Entry* entry = find(key, now);
  return entry ? entry->failures.size() : 0;
}

std::chrono::milliseconds LoginLimiter::retry_after(const std::string& key, std::size_t max, TimePoint now) {
  const Entry* entry = find(key, now);
  if (entry == nullptr || entry->failures.size() < max) {
    return std::chrono::milliseconds(0);
  }
  // Allowed again once enough failures age out that fewer than max remain.
  const TimePoint freed = entry->failures[entry->failures.size() - max] + std::chrono::seconds(config_.window_seconds);
  return std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(freed - now));
}

Decision LoginLimiter::check(std::string_view address, std::string_view account, TimePoint now) {
  std::lock_guard lock(mutex_);
  Decision decision;
  if (!address.empty()) {
    const auto wait = retry_after(address_key(address), config_.max_failures_per_address, now);
    if (wait.count() > 0) {
      decision = Decision{false, wait, Decision::BlockedBy::address};
    }
  }
  if (!account.empty()) {
    const auto wait = retry_after(account_key(account), config_.max_failures_per_account, now);
    if (wait > decision.retry_after) {
      decision = Decision{false, wait, Decision::BlockedBy::account};
    }
  }
  return decision;
}

std::chrono::milliseconds LoginLimiter::failure_delay(std::string_view address, std::string_view account,
                                                      TimePoint now) {
  std::lock_guard lock(mutex_);
  std::size_t failures = 0;
  if (!address.empty()) {
    failures = std::max(failures, count(address_key(address), now));
  }
  if (!account.empty()) {
    failures = std::max(failures, count(account_key(account), now));
  }
  if (failures == 0) {
    return std::chrono::milliseconds(0);
  }
  std::uint64_t delay = config_.base_delay_ms;
  for (std::size_t i = 1; i < failures && delay < config_.max_delay_ms; ++i) {
    delay *= 2;
  }
  return std::chrono::milliseconds(std::min<std::uint64_t>(delay, config_.max_delay_ms));
}

void LoginLimiter::record_failure(std::string_view address, std::string_view account, TimePoint now) {
  std::lock_guard lock(mutex_);
  const auto add = [&](const std::string& key) {
    find(key, now);  // prune first so the kept timestamps are the recent ones
    auto& failures = touch(key).failures;
    // Callers' clocks are monotonic; insert in order anyway so pruning stays correct.
    failures.insert(std::upper_bound(failures.begin(), failures.end(), now), now);
    if (failures.size() > max_kept_) {
      failures.erase(failures.begin(), failures.begin() + static_cast<std::ptrdiff_t>(failures.size() - max_kept_));
    }
  };
  if (!address.empty()) {
    add(address_key(address));
  }
  if (!account.empty()) {
    add(account_key(account));
  }
  if (!address.empty() && !account.empty()) {
    add(pair_key(address, account));
  }
}

void LoginLimiter::record_success(std::string_view address, std::string_view account, TimePoint now) {
  std::lock_guard lock(mutex_);
  if (address.empty() || account.empty()) {
    return;
  }
  const std::string pair = pair_key(address, account);
  const Entry* entry = find(pair, now);
  if (entry == nullptr) {
    return;
  }
  const std::vector<TimePoint> own = entry->failures;
  erase(pair);
  for (const std::string& key : {address_key(address), account_key(account)}) {
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      continue;
    }
    auto& failures = it->second.failures;
    for (TimePoint t : own) {
      auto match = std::lower_bound(failures.begin(), failures.end(), t);
      if (match != failures.end() && *match == t) {
        failures.erase(match);
      }
    }
    if (failures.empty()) {
      erase(key);
    }
  }
}

std::size_t LoginLimiter::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace postroom::auth
