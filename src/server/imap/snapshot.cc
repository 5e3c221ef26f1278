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

const Snapshot::Data& Snapshot::data() const {
  static const Data kEmpty;
  return data_ ? *data_ : kEmpty;
}

Snapshot::Data& Snapshot::mutate() {
  // use_count() == 1 is exact here: another owner could only appear by copying from us.
  if (!data_) {
    data_ = std::make_shared<Data>();
  } else if (data_.use_count() > 1) {
    data_ = std::make_shared<Data>(*data_);
  }
  return *data_;
}

bool Snapshot::has_flag(std::size_t i, std::string_view flag) const {
  const auto& set = flags(i);
  return std::find(set.begin(), set.end(), flag) != set.end();
}

std::size_t Snapshot::lower_bound(store::Uid uid) const {
  const auto& entries = data().entries;
  auto it = std::lower_bound(entries.begin(), entries.end(), uid,
                             [](const Entry& entry, store::Uid value) { return entry.uid < value; });
  return static_cast<std::size_t>(it - entries.begin());
}

std::optional<std::size_t> Snapshot::find(store::Uid uid) const {
  std::size_t i = lower_bound(uid);
  if (i < size() && data().entries[i].uid == uid) {
    return i;
  }
  return std::nullopt;
}

store::ModSeq Snapshot::max_modseq() const {
  store::ModSeq highest = 0;
  for (const Entry& entry : data().entries) {
    highest = std::max(highest, entry.modseq);
  }
  return highest;
}

Snapshot::FlagSetId Snapshot::intern(Data& data, std::string key, std::vector<std::string> flags) {
  auto found = data.by_key.find(key);
  if (found != data.by_key.end()) {
    return found->second;
  }
  auto id = static_cast<FlagSetId>(data.flag_sets.size());
  data.flag_sets.push_back(std::move(flags));
  data.by_key.emplace(std::move(key), id);
  return id;
}

void Snapshot::push_back(store::Uid uid, store::ModSeq modseq, std::string_view stored_flags) {
  Data& own = mutate();
  // Consecutive messages usually share their flags: skip the hash lookup then.
  if (own.flag_sets.empty() || stored_flags != own.last_text) {
    own.last_text.assign(stored_flags);
    own.last_id = intern(own, own.last_text, split(stored_flags));
  }
  own.entries.push_back({uid, own.last_id, modseq});
}

void Snapshot::push_back(store::Uid uid, store::ModSeq modseq, const std::vector<std::string>& flags) {
  Data& own = mutate();
  own.entries.push_back({uid, intern(own, join(flags), flags), modseq});
}

void Snapshot::set(std::size_t i, store::ModSeq modseq, const std::vector<std::string>& flags) {
  Data& own = mutate();
  own.entries[i].flags = intern(own, join(flags), flags);
  own.entries[i].modseq = modseq;
}

void Snapshot::erase(std::size_t i) {
  Data& own = mutate();
  own.entries.erase(own.entries.begin() + static_cast<std::ptrdiff_t>(i));
}

void Snapshot::apply(std::span<const store::MessageMeta> changed, std::span<const store::Uid> expunged) {
  for (store::Uid uid : expunged) {
    if (auto i = find(uid)) {
      erase(*i);
    }
  }
  for (const auto& meta : changed) {
    if (auto i = find(meta.uid)) {
      if (modseq(*i) != meta.modseq || flags(*i) != meta.flags) {
        set(*i, meta.modseq, meta.flags);
      }
    } else if (meta.uid > last_uid()) {
      push_back(meta.uid, meta.modseq, meta.flags);
    }
  }
}

bool Snapshot::same_messages(const Snapshot& other) const {
  const auto& mine = data().entries;
  const auto& theirs = other.data().entries;
  return mine.size() == theirs.size() &&
         std::equal(mine.begin(), mine.end(), theirs.begin(),
                    [](const Entry& a, const Entry& b) { return a.uid == b.uid && a.modseq == b.modseq; });
}

store::MessageMeta Snapshot::partial_meta(std::size_t i) const {
  store::MessageMeta meta;
  meta.uid = uid(i);
  meta.modseq = modseq(i);
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
