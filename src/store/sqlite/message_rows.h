// Row-level building blocks shared by the message and mailbox methods of SqliteStore. Each
// runs inside the caller's write savepoint and keeps every derived structure consistent in
// that same transaction: blob refcounts, mailbox counters (messages, bytes, unseen, deleted,
// uidnext, highestmodseq), account usage, keyword counts, the change log and the full-text
// index. None commits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/search_document.h"
#include "store/sqlite/group_committer.h"
#include "store/types.h"

namespace postroom::store::sqlite {

// Flags are stored space-separated; a client-chosen keyword list must not grow a row without
// bound. validate_flags checks count, length and characters.
Status validate_flags(const std::vector<std::string>& flags);
// System flags in canonical spelling ("\\seen" -> "\\Seen"), duplicates dropped
// case-insensitively (first spelling kept), order kept.
std::vector<std::string> canonical_flags(const std::vector<std::string>& flags);

// "E" + first 24 hex digits of the blob id (RFC 8474 EMAILID).
std::string email_id_for(const std::string& blob_id);

// Columns: uid, modseq, internal_date, save_date, size, blob_id, flags.
MessageMeta meta_from_row(const Stmt& stmt);

// Makes sure (account, blob) has a search document; inserts `document` if absent, indexed at
// once (import, backfill).
Status index_document(Db& db, AccountId account, const std::string& blob_id, const SearchDocument& document);

// Makes sure (account, blob) has a search document, but leaves its text to the background
// indexer (search.cc, index_pending_documents): a docid above the `search_indexed` watermark
// and no FTS row. The SMTP/APPEND path uses this so a commit costs one small row instead of a
// trigram index insert (≈8 ms and ≈1 MB of WAL for 100 KB of text); SEARCH scans such
// messages' bodies until they are indexed (README.md "Full-text search").
Status queue_document(Db& db, AccountId account, const std::string& blob_id);

// Writes the FTS row of document `docid` (any stale row under that number is removed first).
Status write_fts_row(Db& db, std::int64_t docid, const SearchDocument& document);

// Once no message of the account names the blob, queues the account's document for removal
// by the idle indexer (table search_unindex, search_index.h): an FTS delete costs as much as
// an insert, so it stays off the commit path. The search_docs row stays until its FTS row is
// gone, so its docid is not reused meanwhile; it is harmless (SEARCH joins documents to live
// messages) and is used again if the same body comes back to the account. `size`: the body's
// octets (bounds the idle units).
Status unindex_if_unreferenced(Db& db, AccountId account, const std::string& blob_id, std::uint64_t size);

// Drops `count` references to a blob (messages rows, or a queued message: queue.cc); a blob
// left with none is deleted from the table and handed to GC (its file goes after the commit).
Status release_blob_references(WriteContext& context, const std::string& hash, std::int64_t count);

// One new message row in `mailbox`, with the next UID and a new modseq; updates every
// counter. `check_quota` adds the quota check (append). The blob must already have a durable
// file (append: ensure_blob) or a blobs row (copy).
struct RowInput {
  std::int64_t internal_date = 0;
  std::int64_t save_date = 0;
  std::uint64_t size = 0;
  std::string blob_id;
  std::vector<std::string> flags;  // canonical
  std::string envelope;
  std::string bodystructure;
};
Result<MessageMeta> insert_row(WriteContext& context, AccountId account, MailboxId mailbox, const RowInput& row);

// Fails with over_quota if adding `messages` messages of `bytes` octets would exceed the
// account's quota.
Status check_quota(Db& db, AccountId account, std::uint64_t bytes, std::uint64_t messages);

// Expunges the given UIDs (sorted, unique; missing ones skipped); tombstones, counters,
// blob references, search documents. Returns the UIDs removed. Each removed UID gets its own
// modseq (in UID order), allocated in one update; counters, usage and keyword counts are
// changed once per call and blob references once per distinct body, so the cost per UID is
// the row delete and its tombstone.
Result<std::vector<Uid>> expunge_rows(WriteContext& context, AccountId account, MailboxId mailbox,
                                      const std::vector<Uid>& sorted_uids);

// Copies the given UIDs (sorted, unique; missing skipped) from one mailbox into another,
// batched like expunge_rows (new UIDs and modseqs in source UID order).
Result<CopyResult> copy_rows(WriteContext& context, AccountId account, MailboxId from,
                             const std::vector<Uid>& sorted_uids, MailboxId to, bool quota);

// Replaces a message's flags (old ones given), with a new modseq and all counters.
Result<MessageMeta> write_flags(Db& db, AccountId account, MailboxId mailbox, Uid uid,
                                const std::vector<std::string>& old_flags, const std::vector<std::string>& new_flags);

std::vector<Uid> sorted_unique(const std::vector<Uid>& uids);

}  // namespace postroom::store::sqlite
