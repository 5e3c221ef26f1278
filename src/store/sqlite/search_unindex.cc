// Removal of search documents off the commit path (search_index.h, "Removal").
#include <string>
#include <vector>

#include "store/sqlite/queries.h"
#include "store/sqlite/search_index.h"

namespace postroom::store::sqlite {

Status drop_document(Db& db, std::int64_t docid) {
  for (const char* sql : {"DELETE FROM search_fts WHERE rowid = ?1", "DELETE FROM search_heads WHERE docid = ?1",
                          "DELETE FROM search_docs WHERE docid = ?1", "DELETE FROM search_unindex WHERE docid = ?1"}) {
    if (Status ran = run_sql(db, sql, docid); !ran) {
      return ran;
    }
  }
  return ok_status();
}

IdleWork unindex_documents(Db& db) {
  struct Queued {
    std::int64_t docid;
    std::uint64_t size;
  };
  auto give_up = [&db](const Error& error) { return end_failed_idle_unit(db, "store.search.unindex_failed", error); };
  if (Status begun = db.exec("BEGIN IMMEDIATE"); !begun) {
    return give_up(begun.error());
  }
  std::vector<Queued> queued;
  {
    auto stmt = db.prepare("SELECT docid, size FROM search_unindex ORDER BY docid LIMIT ?1");
    if (!stmt) {
      return give_up(stmt.error());
    }
    // One more than a unit can take, to tell "more" from "done".
    stmt->bind(1, static_cast<std::int64_t>(kUnindexUnitDocuments + 1));
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return give_up(row.error());
      }
      if (!*row) {
        break;
      }
      queued.push_back(Queued{stmt->column_int(0), static_cast<std::uint64_t>(stmt->column_int(1))});
    }
  }
  std::size_t done = 0;
  std::uint64_t bytes = 0;
  // An FTS delete costs about what the insert did, so a unit is bounded like the indexer's.
  for (; done < queued.size() && done < kUnindexUnitDocuments && bytes < kIndexUnitBytes; ++done) {
    const Queued& document = queued[done];
    bytes += document.size;
    // Whatever the docid names now decides: a document some message names again is kept
    // (same body, same text); anything else goes, FTS row included.
    auto stmt = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM search_docs d JOIN messages m ON m.account_id = d.account_id "
        "AND m.blob_id = d.blob_id WHERE d.docid = ?1)");
    if (!stmt) {
      return give_up(stmt.error());
    }
    stmt->bind(1, document.docid);
    auto row = stmt->step();
    if (!row) {
      return give_up(row.error());
    }
    bool referenced = *row && stmt->column_int(0) != 0;
    Status ran = referenced ? run_sql(db, "DELETE FROM search_unindex WHERE docid = ?1", document.docid)
                            : drop_document(db, document.docid);
    if (!ran) {
      return give_up(ran.error());
    }
  }
  if (Status committed = db.exec("COMMIT"); !committed) {
    return give_up(committed.error());
  }
  return done < queued.size() ? IdleWork::more : IdleWork::done;
}

IdleWork run_search_idle_unit(Db& db, BlobStore& blobs) {
  IdleWork indexing = index_pending_documents(db, blobs);
  if (indexing != IdleWork::done) {
    return indexing;
  }
  return unindex_documents(db);
}

}  // namespace postroom::store::sqlite
