// Full-text search (README.md "Full-text search") and the open-time index backfill.
#include <string>
#include <vector>

#include "base/log.h"
#include "store/search_document.h"
#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
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

// Column list for the scanning path; the same text the FTS columns hold.
const char* scan_columns(TextField field) {
  switch (field) {
    case TextField::body: return "f.body, ''";
    case TextField::text: return "f.headers, f.body";
    case TextField::header: return "f.headers, ''";
    case TextField::from: return "f.hfrom, ''";
    case TextField::to: return "f.hto, ''";
    case TextField::cc: return "f.hcc, ''";
    case TextField::bcc: return "f.hbcc, ''";
    case TextField::subject: return "f.subject, ''";
  }
  return "f.body, ''";
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

// Does the row's text satisfy the criterion? `first`/`second` as selected by scan_columns.
bool row_matches(const TextCriterion& criterion, const std::string& folded_needle, const std::string& first,
                 const std::string& second) {
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

}  // namespace

Result<std::vector<Uid>> SqliteStore::search_text(AccountId account, MailboxId mailbox,
                                                  const TextCriterion& criterion) {
  if (criterion.field == TextField::header && criterion.header_name.empty()) {
    return make_error(ErrorKind::bad_syntax, "HEADER search without a field name");
  }
  const std::string folded = fold_case(criterion.value);
  const bool indexed = utf8_length(criterion.value) >= kTrigram;
  return read<std::vector<Uid>>([&](Db& db) -> Result<std::vector<Uid>> {
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    std::string sql;
    if (indexed) {
      // The trigram index finds documents containing the phrase (case-insensitively); the
      // join keeps this account's messages in this mailbox. CROSS JOIN fixes the order: left
      // to itself the planner may scan search_docs and run the MATCH once per document. HEADER needs the field name
      // checked too, so it fetches the header text for a second look.
      sql = std::string("SELECT m.uid, ") + (criterion.field == TextField::header ? "f.headers" : "''") +
            ", '' FROM search_fts f CROSS JOIN search_docs d ON d.docid = f.rowid "
            "CROSS JOIN messages m ON m.account_id = d.account_id AND m.blob_id = d.blob_id "
            "WHERE search_fts MATCH ?3 AND d.account_id = ?1 AND m.mailbox_id = ?2 ORDER BY m.uid";
    } else {
      // Under three characters: read the mailbox's documents and compare here.
      sql = std::string("SELECT m.uid, ") + scan_columns(criterion.field) +
            " FROM messages m JOIN search_docs d ON d.account_id = m.account_id AND d.blob_id = m.blob_id "
            "JOIN search_fts f ON f.rowid = d.docid WHERE m.account_id = ?1 AND m.mailbox_id = ?2 ORDER BY m.uid";
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
    // A body shared by two messages of the mailbox yields both; ORDER BY keeps UIDs sorted
    // and each message appears once (one document per body per account).
    return uids;
  });
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
