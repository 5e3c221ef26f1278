// Snapshot: the selected mailbox's message list as one IMAP session last reported it, and
// SnapshotCache: the latest snapshot of recently selected mailboxes, shared by all sessions.
//
// Why compact: a session holds its snapshot for as long as the mailbox is selected, and
// SELECT must be fast on 100k-message mailboxes. Each message is 16 bytes (UID, modseq and an
// interned flag set: a mailbox has few distinct flag sets); everything else about a message
// (dates, size, body) is read from the store when a command needs it.
//
// Why a cache: reading 100k states from SQLite costs tens of milliseconds; copying 1.6 MB and
// applying the changes since the cached modseq (CONDSTORE's change log) costs well under one.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/types.h"

namespace postroom::server::imap {

// Copies share their data until one of them changes (copy on write): a session selecting a
// cached mailbox costs a pointer, and every connection parked on the same mailbox (a user's
// phone, laptop and tablet in IDLE) holds one array between them. Shared data is never
// changed, so copies may live on different threads.
class Snapshot {
 public:
  using FlagSetId = std::uint32_t;

  std::size_t size() const { return data().entries.size(); }
  bool empty() const { return data().entries.empty(); }
  // i is 0-based (sequence number - 1).
  store::Uid uid(std::size_t i) const { return data().entries[i].uid; }
  store::ModSeq modseq(std::size_t i) const { return data().entries[i].modseq; }
  const std::vector<std::string>& flags(std::size_t i) const { return data().flag_sets[data().entries[i].flags]; }
  // Exact spelling for system flags ("\\Seen"); keywords compare as stored.
  bool has_flag(std::size_t i, std::string_view flag) const;
  store::Uid last_uid() const { return empty() ? 0 : data().entries.back().uid; }
  // Index of the first message with UID >= uid (size() if none).
  std::size_t lower_bound(store::Uid uid) const;
  // Index of the message with this UID, if present.
  std::optional<std::size_t> find(store::Uid uid) const;
  // The highest modseq of any message (0 if empty).
  store::ModSeq max_modseq() const;

  // Appends a message; its UID must be above last_uid().
  void push_back(store::Uid uid, store::ModSeq modseq, std::string_view stored_flags);
  void push_back(store::Uid uid, store::ModSeq modseq, const std::vector<std::string>& flags);
  void set(std::size_t i, store::ModSeq modseq, const std::vector<std::string>& flags);
  void erase(std::size_t i);

  // Applies changes read from the store (messages with modseq > some point, and UIDs expunged
  // since), silently: updated flags replace, new UIDs above last_uid() are appended, expunged
  // UIDs are removed. Idempotent, so changes already reflected may be applied again.
  void apply(std::span<const store::MessageMeta> changed, std::span<const store::Uid> expunged);

  // The message's UID, modseq and flags; the other fields are left empty (not loaded).
  store::MessageMeta partial_meta(std::size_t i) const;

  // Whether this and `other` share their data.
  bool shares_data_with(const Snapshot& other) const { return data_ != nullptr && data_ == other.data_; }
  // Whether both list the same messages with the same modseqs, hence the same flags (every
  // flag change gives a new modseq): then either may stand for the other.
  bool same_messages(const Snapshot& other) const;

 private:
  struct Entry {
    store::Uid uid;
    FlagSetId flags;
    store::ModSeq modseq;
  };
  struct Data {
    std::vector<Entry> entries;
    std::vector<std::vector<std::string>> flag_sets;
    std::unordered_map<std::string, FlagSetId> by_key;  // flags joined by ' '
    std::string last_text;                              // the stored text push_back interned last, and its set
    FlagSetId last_id = 0;
  };
  const Data& data() const;
  // The data, made this instance's own first if it is shared.
  Data& mutate();
  static FlagSetId intern(Data& data, std::string key, std::vector<std::string> flags);

  std::shared_ptr<Data> data_;  // null = empty
};

// Thread-safe; sessions on every I/O thread use one instance (ImapService's).
class SnapshotCache {
 public:
  struct Entry {
    std::uint32_t uidvalidity = 0;
    store::ModSeq modseq = 0;  // every change up to here is in `snapshot`
    Snapshot snapshot;
  };
  // Keeps at most `max_messages` messages' worth of snapshots; the least recently used go
  // first. A snapshot larger than the whole budget is not kept.
  explicit SnapshotCache(std::size_t max_messages) : max_messages_(max_messages) {}

  std::shared_ptr<const Entry> get(store::AccountId account, store::MailboxId mailbox);
  // Stores a copy of `entry` unless the cache holds one as new for the mailbox.
  void put(store::AccountId account, store::MailboxId mailbox, const Entry& entry);

 private:
  using Key = std::pair<store::AccountId, store::MailboxId>;
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      return std::hash<std::uint64_t>{}(key.first * 1000003u ^ key.second);
    }
  };
  struct Slot {
    std::shared_ptr<const Entry> entry;
    std::list<Key>::iterator lru;
  };

  std::mutex mutex_;
  std::size_t max_messages_;
  std::size_t held_ = 0;  // messages in all cached snapshots
  std::list<Key> lru_;    // most recently used first
  std::unordered_map<Key, Slot, KeyHash> slots_;
};

}  // namespace postroom::server::imap
