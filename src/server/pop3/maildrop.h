// The maildrop of one POP3 session (RFC 1939 §3): the message list snapshot taken at login,
// the in-memory DELE marks and what was retrieved, plus a small read-ahead cache of bodies.
//
// Why read ahead: clients download a maildrop in order (RETR 1, RETR 2, ...) and wait for
// each answer. One storage-executor round trip per RETR left the session waiting more than
// working, so a RETR that misses the cache reads the requested message and the next ones the
// client has not retrieved yet in one round trip (bounded by kReadAheadBytes/-Messages), and
// the following RETRs are answered from memory. Bodies are immutable (named by their hash),
// so a cached body is the message the snapshot lists for as long as the session lasts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/types.h"

namespace postroom::server::pop3 {

// Bounds of one read-ahead: memory per session stays near kReadAheadBytes (plus the one
// requested message, whatever its size), and one round trip stays short.
inline constexpr std::uint64_t kReadAheadBytes = 256 * 1024;
inline constexpr std::size_t kReadAheadMessages = 32;

struct Maildrop {
  store::AccountId account = 0;
  store::MailboxId mailbox = 0;
  std::uint32_t uidvalidity = 0;
  std::vector<store::MessageMeta> messages;
  std::vector<bool> deleted;
  std::vector<bool> retrieved;

  // Takes the snapshot (DELE marks and retrieved flags cleared, cache empty).
  void load(store::AccountId account_id, store::MailboxId mailbox_id, std::uint32_t validity,
            std::vector<store::MessageMeta> listing);

  // The indexes to read for a RETR of `index` that missed the cache: `index` first, then the
  // following messages neither deleted nor retrieved, while they fit the read-ahead bounds.
  std::vector<std::size_t> read_plan(std::size_t index) const;

  // Cached body of `index`, moved out of the cache (RETR), or copied (TOP: a RETR may follow).
  std::optional<std::string> take_cached(std::size_t index);
  const std::string* peek_cached(std::size_t index) const;
  // Replaces the cache with these bodies (the previous read-ahead was not followed).
  void set_cache(std::vector<std::pair<std::size_t, std::string>> bodies) { cache_ = std::move(bodies); }
  void clear_cache() { cache_.clear(); }

 private:
  // A handful of entries, in index order: a linear scan beats a map here.
  std::vector<std::pair<std::size_t, std::string>> cache_;
};

}  // namespace postroom::server::pop3
