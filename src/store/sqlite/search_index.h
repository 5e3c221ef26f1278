// The deferred half of the full-text index (README.md "Full-text search", "When").
//
// An append only queues its search document (message_rows.h, queue_document): a search_docs
// row whose docid is above the watermark `counters.search_indexed`. The group committer's
// idle task, index_pending_documents, later extracts the text of queued documents in docid
// order, writes their FTS rows and raises the watermark, all in one transaction per unit.
// Invariant: every document at or below the watermark has its FTS row; one above it may have
// one (documents indexed at once by index_document) or not. SEARCH therefore scans the bodies
// of the documents above the watermark that have no FTS row (pending_documents), so results
// never depend on how far the indexer has got.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/sqlite/blob_store.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_committer.h"
#include "store/types.h"

namespace postroom::store::sqlite {

// Bounds of one idle unit: it holds the write lock, so a request arriving meanwhile waits for
// it. ~64 KiB of message text is a few ms of trigram indexing here; a larger single message
// is still indexed whole (one document per unit at least).
inline constexpr std::uint64_t kIndexUnitBytes = 64 * 1024;
inline constexpr std::size_t kIndexUnitDocuments = 32;
// Queued documents beyond which the indexer also runs after every batch, so a sustained
// overload slows acceptance down instead of growing the backlog SEARCH has to scan. At this
// size a SEARCH of a mailbox holding the whole backlog reads ≈5,000 bodies (≈0.25 s for 5 KB
// messages); a burst of ~15 s at full speed fits under it.
inline constexpr std::int64_t kIndexBacklogLimit = 5000;

// One idle unit (runs and commits its own transaction on the writer's connection `db`).
IdleWork index_pending_documents(Db& db, BlobStore& blobs);

// Messages of the mailbox whose document is not indexed yet, read in the caller's (read)
// transaction.
struct PendingDocument {
  Uid uid = 0;
  std::string blob_id;
  std::uint64_t size = 0;
};
Result<std::vector<PendingDocument>> pending_documents(Db& db, AccountId account, MailboxId mailbox);

}  // namespace postroom::store::sqlite
