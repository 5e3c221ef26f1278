#include "push/change_bus.h"

#include <algorithm>

namespace postroom::push {

// One subscriber. `mutex` is held while its callback runs, so unsubscribing (which takes it
// too) waits for a running callback; recursive so the callback may end its own subscription.
struct ChangeBus::Subscription::Entry {
  std::recursive_mutex mutex;
  bool active = true;
  Callback callback;
};

ChangeBus::Subscription::Subscription(Subscription&& other) noexcept
    : bus_(other.bus_), account_(other.account_), entry_(std::move(other.entry_)) {
  other.bus_ = nullptr;
}

ChangeBus::Subscription& ChangeBus::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    bus_ = other.bus_;
    account_ = other.account_;
    entry_ = std::move(other.entry_);
    other.bus_ = nullptr;
  }
  return *this;
}

void ChangeBus::Subscription::reset() {
  if (bus_ == nullptr) {
    return;
  }
  ChangeBus* bus = bus_;
  bus_ = nullptr;
  std::shared_ptr<Entry> entry = std::move(entry_);
  bus->unsubscribe(account_, entry);
}

ChangeBus::Subscription ChangeBus::subscribe(std::int64_t account, Callback callback) {
  auto entry = std::make_shared<Subscription::Entry>();
  entry->callback = std::move(callback);
  {
    std::lock_guard lock(mutex_);
    by_account_[account].push_back(entry);
  }
  return Subscription(this, account, std::move(entry));
}

void ChangeBus::unsubscribe(std::int64_t account, const std::shared_ptr<Subscription::Entry>& entry) {
  {
    std::lock_guard lock(mutex_);
    auto found = by_account_.find(account);
    if (found != by_account_.end()) {
      auto& entries = found->second;
      entries.erase(std::remove(entries.begin(), entries.end(), entry), entries.end());
      if (entries.empty()) {
        by_account_.erase(found);
      }
    }
  }
  // Waits for a callback running on another thread; from inside the callback (same thread)
  // the recursive mutex lets this through.
  std::lock_guard lock(entry->mutex);
  entry->active = false;
}

void ChangeBus::publish(const ChangeEvent& event) {
  std::vector<std::shared_ptr<Subscription::Entry>> targets;
  {
    std::lock_guard lock(mutex_);
    auto found = by_account_.find(event.account);
    if (found == by_account_.end()) {
      return;
    }
    targets = found->second;
  }
  // Callbacks run outside the bus lock, so subscribing or unsubscribing from a callback
  // cannot deadlock on it.
  for (const auto& entry : targets) {
    std::lock_guard lock(entry->mutex);
    if (entry->active) {
      entry->callback(event);
    }
  }
}

std::size_t ChangeBus::subscriber_count() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const auto& [account, entries] : by_account_) {
    count += entries.size();
  }
  return count;
}

}  // namespace postroom::push
