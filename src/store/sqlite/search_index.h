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

// Reading search text without the body. A read of any column through search_fts (even a
// rowid lookup or an existence check) makes FTS5 fetch the whole content row, the body's
// overflow pages included, so a SUBJECT scan through it would read every body. Where SEARCH
// only needs stored text or a row's existence, search.cc reads FTS5's content shadow table
// instead, `search_fts_content(id, c0, ..., c6)`: id is the FTS rowid (the docid) and c<i>
// holds search_fts's column i in declaration order (schema.cc step 5):
//   c0 hfrom, c1 hto, c2 hcc, c3 hbcc, c4 subject, c5 headers, c6 body.
// SQLite follows a record's overflow pages only up to the end of the last column asked for,
// and body is last, so e.g. `SELECT c4 ...` reads no body page. Only FTS5 writes and deletes
// the table (in the same statement as the index), so a content row exists exactly when the
// FTS row does. The layout is FTS5's on-disk format for a table with stored content, so SQLite
// keeps it for existing tables; what could break it is our own schema (column order, a column
// after body, content= or contentless options), which search_scan_test.cc checks on a live
// database.
//
// The five short fields are also in `search_heads(docid, hfrom, hto, hcc, hbcc, subject)`
// (schema step 9): a content row's local part fills a page of its own, so a scan of a
// mailbox's subjects through the content table still touched one page per message; the
// narrow table holds tens of messages per page. write_fts_row writes it and drop_document
// removes it with the FTS row, so it has a row exactly when search_fts does.

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

// How an idle unit that failed ends: logs `event` with the error, rolls back what it began,
// and reports done. The next batch of write requests starts another round; retrying at once
// could spin on a persistent error.
IdleWork end_failed_idle_unit(Db& db, const char* event, const Error& error);

// Removal, the other half (search_unindex.cc). An expunge that removes an account's last
// message with a body, and delete_account, only queue the document in `search_unindex`
// (message_rows.h, unindex_if_unreferenced); an FTS delete costs as much as an insert. The
// search_docs row stays until its FTS row is removed (delete_account drops it at once; the
// queued docid then stays reserved: queue_document numbers new documents above it). A queued
// document that some message names again (the same body delivered anew) is kept. SEARCH is
// unaffected meanwhile: it joins documents to live messages, and a docid is never reused
// while an FTS row remains under it.
inline constexpr std::size_t kUnindexUnitDocuments = 64;

// One idle unit of removals (its own transaction on `db`).
IdleWork unindex_documents(Db& db);
// The store's idle task: indexing first (its backlog costs SEARCH time), then removals.
IdleWork run_search_idle_unit(Db& db, BlobStore& blobs);

// Deletes document `docid`: its FTS row, its search_docs row and any removal queued for it.
// In the caller's transaction.
Status drop_document(Db& db, std::int64_t docid);

// Messages of the mailbox whose document is not indexed yet, read in the caller's (read)
// transaction.
struct PendingDocument {
  Uid uid = 0;
  std::string blob_id;
  std::uint64_t size = 0;
};
Result<std::vector<PendingDocument>> pending_documents(Db& db, AccountId account, MailboxId mailbox);

}  // namespace postroom::store::sqlite
