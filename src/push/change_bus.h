// ChangeBus: in-process change notifications (DESIGN.md §1 push/). mail/ publishes one event
// after every durable mutation; IMAP IDLE / NOTIFY sessions (and EAS Ping later) subscribe
// per account and re-read the store when an event arrives.
//
// Contract:
// - Thread-safe: subscribe, publish and Subscription destruction from any thread.
// - publish() calls every callback subscribed to the event's account synchronously, on the
//   publishing thread (a storage thread). Callbacks must be cheap and must not block: post to
//   your own executor and return. They must not call publish() on the same bus.
// - Events are published only AFTER the change is durable (committed), so a subscriber that
//   re-reads the store on an event always sees the change (or a later state).
// - Events are hints, not a log: a subscriber compares the store (highest modseq, change
//   log) with what it has seen. Events for one account are delivered to one subscriber in
//   publish order when published from one thread; concurrent publishers may interleave.
// - Destroying a Subscription (or reset()) unsubscribes: when it returns, the callback is not
//   running on another thread and will not be called again. A callback may destroy its own
//   Subscription (same-thread re-entry is allowed).
// - The bus must outlive its Subscriptions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace postroom::push {

enum class ChangeKind {
  appended,  // messages entered `mailbox` (deliver, APPEND, COPY, MOVE target)
  flags,     // flags of messages in `mailbox` changed
  expunged,  // messages left `mailbox` (EXPUNGE, MOVE source, POP3 QUIT)
  mailbox_created,
  mailbox_deleted,
  mailbox_renamed,  // `mailbox` (same id) has a new name, or children were renamed
};

struct ChangeEvent {
  std::int64_t account = 0;  // store::AccountId
  std::int64_t mailbox = 0;  // store::MailboxId
  ChangeKind kind = ChangeKind::appended;
  // The account's modseq right after the change (>= the mailbox's HIGHESTMODSEQ); 0 when
  // unknown (mailbox events that do not touch messages).
  std::uint64_t highest_modseq = 0;
};

class ChangeBus {
 public:
  using Callback = std::function<void(const ChangeEvent&)>;

  ChangeBus() = default;
  ChangeBus(const ChangeBus&) = delete;
  ChangeBus& operator=(const ChangeBus&) = delete;

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    // Unsubscribes now (idempotent).
    void reset();
    bool active() const { return bus_ != nullptr; }

   private:
    friend class ChangeBus;
    struct Entry;
    Subscription(ChangeBus* bus, std::int64_t account, std::shared_ptr<Entry> entry)
        : bus_(bus), account_(account), entry_(std::move(entry)) {}
    ChangeBus* bus_ = nullptr;
    std::int64_t account_ = 0;
    std::shared_ptr<Entry> entry_;
  };

  // Calls `callback` for every event of `account` until the Subscription is destroyed.
  [[nodiscard]] Subscription subscribe(std::int64_t account, Callback callback);
  void publish(const ChangeEvent& event);

  // Number of live subscriptions (all accounts); for tests and metrics.
  std::size_t subscriber_count() const;

 private:
  void unsubscribe(std::int64_t account, const std::shared_ptr<Subscription::Entry>& entry);

  mutable std::mutex mutex_;
  std::unordered_map<std::int64_t, std::vector<std::shared_ptr<Subscription::Entry>>> by_account_;
};

}  // namespace postroom::push
