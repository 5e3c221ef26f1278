#include "server/imap/snapshot.h"

#include <algorithm>

namespace postroom::server::imap {
namespace {

std::string join(const std::vector<std::string>& flags) {
  std::string key;
  for (const auto& flag : flags) {
    if (!key.empty()) {
      key += ' ';
    }
    key += flag;
  }
  return key;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> flags;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (end > start) {
      flags.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return flags;
}

}  // namespace

bool Snapshot::has_flag(std::size_t i, std::string_view flag) const {
  const auto& set = flags(i);
  return std::find(set.begin(), set.end(), flag) != set.end();
}

std::size_t Snapshot::lower_bound(store::Uid uid) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), uid,
                             [](const Entry& entry, store::Uid value) { return entry.uid < value; });
  return static_cast<std::size_t>(it - entries_.begin());
}

std::optional<std::size_t> Snapshot::find(store::Uid uid) const {
  std::size_t i = lower_bound(uid);
  if (i < entries_.size() && entries_[i].uid == uid) {
    return i;
  }
  return std::nullopt;
}

store::ModSeq Snapshot::max_modseq() const {
  store::ModSeq highest = 0;
  for (const Entry& entry : entries_) {
    highest = std::max(highest, entry.modseq);
  }
  return highest;
}

Snapshot::FlagSetId Snapshot::intern(std::string key, std::vector<std::string> flags) {
  auto found = by_key_.find(key);
  if (found != by_key_.end()) {
    return found->second;
  }
  auto id = static_cast<FlagSetId>(flag_sets_.size());
  flag_sets_.push_back(std::move(flags));
  by_key_.emplace(std::move(key), id);
  return id;
}

void Snapshot::push_back(store::Uid uid, store::ModSeq modseq, std::string_view stored_flags) {
  // Consecutive messages usually share their flags: skip the hash lookup then.
  if (flag_sets_.empty() || stored_flags != last_text_) {
    last_text_.assign(stored_flags);
    last_id_ = intern(last_text_, split(stored_flags));
  }
  entries_.push_back({uid, last_id_, modseq});
}

void Snapshot::push_back(store::Uid uid, store::ModSeq modseq, const std::vector<std::string>& flags) {
  entries_.push_back({uid, intern(join(flags), flags), modseq});
}

void Snapshot::set(std::size_t i, store::ModSeq modseq, const std::vector<std::string>& flags) {
  entries_[i].flags = intern(join(flags), flags);
  entries_[i].modseq = modseq;
}

void Snapshot::erase(std::size_t i) {
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Snapshot::apply(std::span<const store::MessageMeta> changed, std::span<const store::Uid> expunged) {
  for (store::Uid uid : expunged) {
    if (auto i = find(uid)) {
      erase(*i);
    }
  }
  for (const auto& meta : changed) {
    if (auto i = find(meta.uid)) {
      set(*i, meta.modseq, meta.flags);
    } else if (meta.uid > last_uid()) {
      push_back(meta.uid, meta.modseq, meta.flags);
    }
  }
}

store::MessageMeta Snapshot::partial_meta(std::size_t i) const {
  store::MessageMeta meta;
  meta.uid = entries_[i].uid;
  meta.modseq = entries_[i].modseq;
  meta.flags = flags(i);
  return meta;
}

std::shared_ptr<const SnapshotCache::Entry> SnapshotCache::get(store::AccountId account, store::MailboxId mailbox) {
  std::lock_guard lock(mutex_);
  auto found = slots_.find({account, mailbox});
  if (found == slots_.end()) {
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, found->second.lru);
  return found->second.entry;
}

void SnapshotCache::put(store::AccountId account, store::MailboxId mailbox, const Entry& entry) {
  std::size_t size = entry.snapshot.size();
  if (size > max_messages_) {
    return;
  }
  std::lock_guard lock(mutex_);
  Key key{account, mailbox};
  auto found = slots_.find(key);
  if (found != slots_.end()) {
    const Entry& held = *found->second.entry;
    if (held.uidvalidity == entry.uidvalidity && held.modseq >= entry.modseq) {
      return;  // ours is not newer
    }
    held_ -= held.snapshot.size();
    lru_.erase(found->second.lru);
    slots_.erase(found);
  }
  while (held_ + size > max_messages_ && !lru_.empty()) {
    auto victim = slots_.find(lru_.back());
    held_ -= victim->second.entry->snapshot.size();
    slots_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(key);
  slots_.emplace(key, Slot{std::make_shared<const Entry>(entry), lru_.begin()});
  held_ += size;
}

}  // namespace postroom::server::imap
