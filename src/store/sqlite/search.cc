// Full-text search (README.md "Full-text search"), the deferred indexer (search_index.h) and
// the open-time index backfill.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/log.h"
#include "store/search_document.h"
#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/search_index.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

// FTS5 trigram needs three characters to use the index; shorter needles scan the mailbox's
// documents instead.
constexpr std::size_t kTrigram = 3;
// Documents indexed per backfill request, so one request does not hold the write lock long.
constexpr std::size_t kBackfillBatch = 100;

// FTS5 column filter for a field.
const char* fts_columns(TextField field) {
  switch (field) {
    case TextField::body: return "body";
    case TextField::text: return "{headers body}";
    case TextField::header: return "headers";
    case TextField::from: return "hfrom";
    case TextField::to: return "hto";
    case TextField::cc: return "hcc";
    case TextField::bcc: return "hbcc";
    case TextField::subject: return "subject";
  }
  return "body";
}

// The short fields (addresses, subject): their scans read the narrow search_heads (alias h,
// schema step 9) rather than FTS5's content table.
bool short_field(TextField field) {
  return field == TextField::from || field == TextField::to || field == TextField::cc || field == TextField::bcc ||
         field == TextField::subject;
}

// Column list for the scanning path: the same text the FTS columns hold. Short fields from
// search_heads (h); the others from FTS5's content table (alias c), so that only these columns
// are read, not the body unless asked for (search_index.h: c0 hfrom, c1 hto, c2 hcc, c3 hbcc,
// c4 subject, c5 headers, c6 body).
const char* scan_columns(TextField field) {
  switch (field) {
    case TextField::body: return "c.c6, ''";
    case TextField::text: return "c.c5, c.c6";
    case TextField::header: return "c.c5, ''";
    case TextField::from: return "h.hfrom, ''";
    case TextField::to: return "h.hto, ''";
    case TextField::cc: return "h.hcc, ''";
    case TextField::bcc: return "h.hbcc, ''";
    case TextField::subject: return "h.subject, ''";
  }
  return "c.c6, ''";
}

// A phrase in FTS5 syntax: double quotes doubled, everything else literal.
std::string fts_phrase(std::string_view text) {
  std::string phrase = "\"";
  for (char c : text) {
    if (c == '"') {
      phrase += '"';
    }
    phrase += c;
  }
  phrase += '"';
  return phrase;
}

// The same text as scan_columns, from a document extracted in memory (queued documents).
std::pair<std::string_view, std::string_view> document_columns(const SearchDocument& document, TextField field) {
  switch (field) {
    case TextField::body: return {document.body, {}};
    case TextField::text: return {document.headers, document.body};
    case TextField::header: return {document.headers, {}};
    case TextField::from: return {document.from, {}};
    case TextField::to: return {document.to, {}};
    case TextField::cc: return {document.cc, {}};
    case TextField::bcc: return {document.bcc, {}};
    case TextField::subject: return {document.subject, {}};
  }
  return {document.body, {}};
}

// The indexer's watermark: every document at or below it has its FTS row.
Result<std::int64_t> indexed_watermark(Db& db) {
  auto stmt = db.prepare("SELECT value FROM counters WHERE name = 'search_indexed'");
  if (!stmt) {
    return stmt.error();
  }
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  return *row ? stmt->column_int(0) : 0;
}

// Does the row's text satisfy the criterion? `first`/`second` as selected by scan_columns.
bool row_matches(const TextCriterion& criterion, const std::string& folded_needle, std::string_view first,
                 std::string_view second) {
  if (criterion.field == TextField::header) {
    HeaderLookup lookup = header_values(first, criterion.header_name);
    return lookup.found && fold_case(lookup.values).find(folded_needle) != std::string::npos;
  }
  if (folded_needle.empty()) {
    return true;
  }
  return fold_case(first).find(folded_needle) != std::string::npos ||
         (!second.empty() && fold_case(second).find(folded_needle) != std::string::npos);
}

// Whether reading this mailbox's own documents beats the trigram index. The FTS index is one
// for all accounts, so a MATCH costs what the phrase's postings cost across every mailbox
// (a subject word common in one large mailbox makes SEARCH slow in every small one); a
// small mailbox is cheaper to read through: one rowid lookup per message, and the text of
// the field only (scan_columns). Body and text fields are long, so their limit is lower.
bool scan_is_cheaper(TextField field, std::uint32_t messages) {
  switch (field) {
    case TextField::from:
    case TextField::to:
    case TextField::cc:
    case TextField::bcc:
    case TextField::subject: return messages <= 2000;
    case TextField::header: return messages <= 1000;
    case TextField::body:
    case TextField::text: return messages <= 100;
  }
  return false;
}

}  // namespace

Result<std::vector<Uid>> SqliteStore::search_text(AccountId account, MailboxId mailbox,
                                                  const TextCriterion& criterion) {
  if (criterion.field == TextField::header && criterion.header_name.empty()) {
    return make_error(ErrorKind::bad_syntax, "HEADER search without a field name");
  }
  const std::string folded = fold_case(criterion.value);
  const bool phrase_indexable = utf8_length(criterion.value) >= kTrigram;
  struct Candidates {
    std::vector<Uid> uids;                 // matched through the index
    std::vector<PendingDocument> pending;  // not indexed yet: their bodies are scanned below
  };
  auto candidates = read<Candidates>([&](Db& db) -> Result<Candidates> {
    auto box = mailbox_by_id(db, account, mailbox);
    if (!box) {
      return box.error();
    }
    const bool indexed = phrase_indexable && !scan_is_cheaper(criterion.field, box->messages);
    std::string sql;
    if (indexed) {
      // The trigram index finds documents containing the phrase (case-insensitively); the
      // join keeps this account's messages in this mailbox. CROSS JOIN fixes the order: left
      // to itself the planner may scan search_docs and run the MATCH once per document.
      // HEADER needs the field name checked too, so it reads the header text for a second
      // look, from the content table (f.headers would read the body as well).
      const bool header = criterion.field == TextField::header;
      sql = std::string("SELECT m.uid, ") + (header ? "c.c5" : "''") +
            ", '' FROM search_fts f CROSS JOIN search_docs d ON d.docid = f.rowid "
            "CROSS JOIN messages m ON m.account_id = d.account_id AND m.blob_id = d.blob_id " +
            (header ? "CROSS JOIN search_fts_content c ON c.id = d.docid " : "") +
            "WHERE search_fts MATCH ?3 AND d.account_id = ?1 AND m.mailbox_id = ?2 ORDER BY m.uid";
    } else {
      // Under three characters, or a small mailbox: read the mailbox's documents and compare
      // here. The (UID, body) pairs come from the covering index (no wide message row), the
      // text from search_heads for a short field, else from FTS5's content table. Sorted below.
      sql = std::string("SELECT m.uid, ") + scan_columns(criterion.field) +
            " FROM messages m INDEXED BY messages_by_mailbox_blob "
            "JOIN search_docs d ON d.account_id = m.account_id AND d.blob_id = m.blob_id " +
            (short_field(criterion.field) ? "JOIN search_heads h ON h.docid = d.docid "
                                          : "JOIN search_fts_content c ON c.id = d.docid ") +
            "WHERE m.account_id = ?1 AND m.mailbox_id = ?2";
    }
    // Two shapes per field: 16 statements at most in each connection's cache.
    auto stmt = db.prepare(sql.c_str());
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox);
    if (indexed) {
      stmt->bind(3, std::string(fts_columns(criterion.field)) + " : " + fts_phrase(criterion.value));
    }
    std::vector<Uid> uids;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        break;
      }
      auto uid = static_cast<Uid>(stmt->column_int(0));
      if (indexed && criterion.field != TextField::header) {
        uids.push_back(uid);
        continue;
      }
      if (row_matches(criterion, folded, stmt->column_text(1), stmt->column_text(2))) {
        uids.push_back(uid);
      }
    }
    // Same snapshot as the query above, so every message is either indexed or listed here.
    auto pending = pending_documents(db, account, mailbox);
    if (!pending) {
      return pending.error();
    }
    return Candidates{std::move(uids), std::move(*pending)};
  });
  if (!candidates) {
    return candidates.error();
  }
  // Outside the read transaction (file I/O need not hold a WAL snapshot open). The backlog is
  // usually empty; under a burst of deliveries it holds what the indexer has not reached yet.
  std::vector<Uid> uids = std::move(candidates->uids);
  for (const PendingDocument& document : candidates->pending) {
    auto bytes = blobs_->read(document.blob_id, document.size);
    if (!bytes) {
      continue;  // expunged and collected since the snapshot (or damage, logged by read)
    }
    SearchDocument text = extract_search_document(*bytes);
    auto [first, second] = document_columns(text, criterion.field);
    if (row_matches(criterion, folded, first, second)) {
      uids.push_back(document.uid);
    }
  }
  // A body shared by two messages of the mailbox yields both; each message appears once (one
  // document per body per account, either indexed or pending).
  std::sort(uids.begin(), uids.end());
  return uids;
}

Result<std::vector<PendingDocument>> pending_documents(Db& db, AccountId account, MailboxId mailbox) {
  auto watermark = indexed_watermark(db);
  if (!watermark) {
    return watermark.error();
  }
  // A range of the docid key above the watermark (the backlog, all accounts), then this
  // account's messages naming each body. The unary + keeps the planner off the
  // (account_id, blob_id) index, which would walk every document of the account. Whether a
  // document has its FTS row is asked of the content table: the same answer, without the
  // whole row a lookup in search_fts reads (search_index.h).
  auto stmt = db.prepare(
      "SELECT m.uid, d.blob_id, m.size FROM search_docs d "
      "CROSS JOIN messages m ON m.account_id = d.account_id AND m.blob_id = d.blob_id "
      "WHERE d.docid > ?3 AND +d.account_id = ?1 AND m.mailbox_id = ?2 "
      "AND NOT EXISTS (SELECT 1 FROM search_fts_content c WHERE c.id = d.docid)");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, mailbox).bind(3, *watermark);
  std::vector<PendingDocument> pending;
  while (true) {
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return pending;
    }
    pending.push_back(PendingDocument{static_cast<Uid>(stmt->column_int(0)), stmt->column_text(1),
                                      static_cast<std::uint64_t>(stmt->column_int(2))});
  }
}

IdleWork end_failed_idle_unit(Db& db, const char* event, const Error& error) {
  log::warn(event, {{"detail", error.detail}});
  if (!db.in_autocommit()) {
    db.exec_or_log("ROLLBACK");
  }
  return IdleWork::done;
}

IdleWork index_pending_documents(Db& db, BlobStore& blobs) {
  struct Queued {
    std::int64_t docid;
    std::string blob_id;
    std::uint64_t size;
    bool referenced;  // does a message of the account still name the body?
  };
  auto give_up = [&db](const Error& error) { return end_failed_idle_unit(db, "store.search.index_failed", error); };
  if (Status begun = db.exec("BEGIN IMMEDIATE"); !begun) {
    return give_up(begun.error());
  }
  auto watermark = indexed_watermark(db);
  if (!watermark) {
    return give_up(watermark.error());
  }
  std::vector<Queued> queued;
  {
    // LEFT JOIN: a document whose messages are all gone may have lost its blob too; the loop
    // below removes it.
    auto stmt = db.prepare(
        "SELECT d.docid, d.blob_id, coalesce(b.size, 0), EXISTS (SELECT 1 FROM messages m "
        "WHERE m.account_id = d.account_id AND m.blob_id = d.blob_id) "
        "FROM search_docs d LEFT JOIN blobs b ON b.blob_id = d.blob_id "
        "WHERE d.docid > ?1 ORDER BY d.docid LIMIT ?2");
    if (!stmt) {
      return give_up(stmt.error());
    }
    stmt->bind(1, *watermark).bind(2, static_cast<std::int64_t>(kIndexUnitDocuments));
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return give_up(row.error());
      }
      if (!*row) {
        break;
      }
      queued.push_back(Queued{stmt->column_int(0), stmt->column_text(1),
                              static_cast<std::uint64_t>(stmt->column_int(2)), stmt->column_int(3) != 0});
    }
  }
  if (queued.empty()) {
    db.exec_or_log("COMMIT");
    return IdleWork::done;
  }
  std::int64_t last = *watermark;
  std::uint64_t bytes = 0;
  for (const Queued& document : queued) {
    if (bytes >= kIndexUnitBytes) {
      break;
    }
    last = document.docid;
    if (!document.referenced) {
      // Expunged before it was indexed: remove it now rather than index it. Leaving it
      // unindexed below the watermark would break the invariant if the same body came back
      // to the account (the document would be used again, taken as indexed).
      if (Status dropped = drop_document(db, document.docid); !dropped) {
        return give_up(dropped.error());
      }
      continue;
    }
    // The content table, not search_fts: an existence check there reads the whole row.
    auto present = db.prepare("SELECT 1 FROM search_fts_content WHERE id = ?1");
    if (!present) {
      return give_up(present.error());
    }
    present->bind(1, document.docid);
    auto row = present->step();
    if (!row) {
      return give_up(row.error());
    }
    if (*row) {
      continue;  // indexed at once (import, backfill)
    }
    bytes += document.size;
    // Under the write lock the body cannot be collected: a message references it.
    auto body = blobs.read(document.blob_id, document.size);
    SearchDocument text;
    if (body) {
      text = extract_search_document(*body);
    } else {
      // As in the backfill: an unreadable body gets an empty document rather than blocking
      // the indexer behind it forever.
      log::warn("store.search.index_unreadable", {{"blob", document.blob_id}, {"error", body.error().detail}});
    }
    if (Status written = write_fts_row(db, document.docid, text); !written) {
      return give_up(written.error());
    }
  }
  if (Status raised = run_sql(db,
                              "INSERT INTO counters(name, value) VALUES('search_indexed', ?1) "
                              "ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)",
                              last);
      !raised) {
    return give_up(raised.error());
  }
  std::int64_t highest = last;
  {
    auto stmt = db.prepare("SELECT max(docid) FROM search_docs");
    if (!stmt) {
      return give_up(stmt.error());
    }
    auto row = stmt->step();
    if (!row) {
      return give_up(row.error());
    }
    if (*row) {
      highest = std::max(highest, stmt->column_int(0));
    }
  }
  if (Status committed = db.exec("COMMIT"); !committed) {
    return give_up(committed.error());
  }
  // An estimate (deleted documents leave gaps), good enough to decide how hard to push.
  std::int64_t backlog = highest - last;
  if (backlog <= 0) {
    return IdleWork::done;
  }
  return backlog > kIndexBacklogLimit ? IdleWork::behind : IdleWork::more;
}

Status SqliteStore::backfill_search_index() {
  struct Pending {
    AccountId account;
    std::string blob_id;
    std::uint64_t size;
  };
  // Once a backfill has completed, every later message is indexed by its append (older
  // binaries refuse this schema), so the scan below is skipped on later opens.
  auto complete = read<bool>([&](Db& db) -> Result<bool> {
    auto stmt = db.prepare("SELECT 1 FROM counters WHERE name = 'search_backfilled'");
    if (!stmt) {
      return stmt.error();
    }
    return stmt->step();
  });
  if (!complete) {
    return complete.error();
  }
  if (*complete) {
    return ok_status();
  }
  std::size_t total = 0;
  while (true) {
    auto pending = read<std::vector<Pending>>([&](Db& db) -> Result<std::vector<Pending>> {
      auto stmt = db.prepare(
          "SELECT m.account_id, m.blob_id, max(m.size) FROM messages m WHERE NOT EXISTS "
          "(SELECT 1 FROM search_docs d WHERE d.account_id = m.account_id AND d.blob_id = m.blob_id) "
          "GROUP BY m.account_id, m.blob_id LIMIT ?1");
      if (!stmt) {
        return stmt.error();
      }
      stmt->bind(1, static_cast<std::int64_t>(kBackfillBatch));
      std::vector<Pending> out;
      while (true) {
        auto row = stmt->step();
        if (!row) {
          return row.error();
        }
        if (!*row) {
          return out;
        }
        out.push_back(
            Pending{stmt->column_int(0), stmt->column_text(1), static_cast<std::uint64_t>(stmt->column_int(2))});
      }
    });
    if (!pending) {
      return pending.error();
    }
    if (pending->empty()) {
      break;
    }
    std::vector<SearchDocument> documents;
    documents.reserve(pending->size());
    for (const Pending& item : *pending) {
      auto bytes = blobs_->read(item.blob_id, item.size);
      if (!bytes) {
        // An unreadable body gets an empty document, so the backfill does not retry forever.
        log::warn("store.search.backfill_unreadable", {{"blob", item.blob_id}, {"error", bytes.error().detail}});
        documents.emplace_back();
        continue;
      }
      documents.push_back(extract_search_document(*bytes));
    }
    auto written = write<bool>({}, [&](WriteContext& context) -> Result<bool> {
      for (std::size_t i = 0; i < pending->size(); ++i) {
        const Pending& item = (*pending)[i];
        auto used = context.db().prepare("SELECT 1 FROM messages WHERE account_id = ?1 AND blob_id = ?2 LIMIT 1");
        if (!used) {
          return used.error();
        }
        used->bind(1, item.account).bind(2, item.blob_id);
        auto row = used->step();
        if (!row) {
          return row.error();
        }
        if (!*row) {
          continue;  // expunged meanwhile
        }
        if (Status indexed = index_document(context.db(), item.account, item.blob_id, documents[i]); !indexed) {
          return indexed.error();
        }
      }
      return true;
    });
    if (!written) {
      return written.error();
    }
    total += pending->size();
  }
  auto marked = write<bool>({}, [&](WriteContext& context) -> Result<bool> {
    if (Status ran = context.db().exec("INSERT OR IGNORE INTO counters(name, value) VALUES('search_backfilled', 1)");
        !ran) {
      return ran.error();
    }
    return true;
  });
  if (!marked) {
    return marked.error();
  }
  if (total > 0) {
    log::info("store.search.backfilled", {{"documents", total}});
  }
  return ok_status();
}

}  // namespace postroom::store::sqlite
