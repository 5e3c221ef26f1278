// Reads for IMAP snapshots: a mailbox's per-message state (UID, modseq, flags) from the
// covering modseq index, and full metadata for a set of UIDs.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

// Lets the flag-text map be probed with the string_view SQLite hands out, without a copy.
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

}  // namespace

Result<ModSeq> SqliteStore::scan_message_states(AccountId account, MailboxId mailbox, const StateVisitor& visit) {
  return read<ModSeq>([&](Db& db) -> Result<ModSeq> {
    auto box = mailbox_by_id(db, account, mailbox);
    if (!box) {
      return box.error();
    }
    // messages_by_modseq (account_id, mailbox_id, modseq, flags) holds the UID too (it is the
    // table's key), so this scan never reads the wide rows. It comes in modseq order; the
    // UID order the caller wants is restored below. A mailbox has few distinct flag texts,
    // so they are kept once each rather than once per message.
    auto stmt = db.prepare(
        "SELECT uid, modseq, flags FROM messages INDEXED BY messages_by_modseq "
        "WHERE account_id = ?1 AND mailbox_id = ?2");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox);
    struct Row {
      Uid uid;
      std::uint32_t text;
      ModSeq modseq;
    };
    std::vector<Row> rows;
    rows.reserve(box->messages);
    std::vector<std::string> texts;
    std::unordered_map<std::string, std::uint32_t, TextHash, std::equal_to<>> text_ids;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        break;
      }
      std::string_view flags = stmt->column_view(2);
      auto found = text_ids.find(flags);
      std::uint32_t id;
      if (found != text_ids.end()) {
        id = found->second;
      } else {
        id = static_cast<std::uint32_t>(texts.size());
        texts.emplace_back(flags);
        text_ids.emplace(texts.back(), id);
      }
      rows.push_back({static_cast<Uid>(stmt->column_int(0)), id, static_cast<ModSeq>(stmt->column_int(1))});
    }
    // Messages that were never changed after delivery come in UID order already (modseqs are
    // handed out in delivery order): a linear check usually saves the sort.
    auto by_uid = [](const Row& a, const Row& b) { return a.uid < b.uid; };
    if (!std::is_sorted(rows.begin(), rows.end(), by_uid)) {
      std::sort(rows.begin(), rows.end(), by_uid);
    }
    for (const Row& row : rows) {
      visit(row.uid, row.modseq, texts[row.text]);
    }
    return box->highestmodseq;
  });
}

namespace {

// Steps `stmt` (first column: uid; rows ascending by uid, over the range of `uids`) and calls
// take(stmt, uid) for the rows whose UID is one of `uids` (ascending); the others are skipped.
// One range read serves a whole FETCH batch, however sparse its UIDs.
template <typename Take>
Status for_wanted_rows(Stmt& stmt, std::span<const Uid> uids, Take take) {
  std::size_t next = 0;  // uids[next] is the next wanted UID
  while (next < uids.size()) {
    auto row = stmt.step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      break;
    }
    Uid uid = static_cast<Uid>(stmt.column_int(0));
    while (next < uids.size() && uids[next] < uid) {
      ++next;
    }
    if (next < uids.size() && uids[next] == uid) {
      take(stmt, uid);
      ++next;
    }
  }
  return ok_status();
}

// Prepares `sql` (placeholders: account, mailbox, lowest and highest UID) for the span of `uids`.
Result<Stmt> prepare_range(Db& db, const char* sql, AccountId account, MailboxId mailbox, std::span<const Uid> uids) {
  auto stmt = db.prepare(sql);
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account)
      .bind(2, mailbox)
      .bind(3, static_cast<std::int64_t>(uids.front()))
      .bind(4, static_cast<std::int64_t>(uids.back()));
  return stmt;
}

}  // namespace

Result<std::vector<MessageMeta>> SqliteStore::get_messages(AccountId account, MailboxId mailbox,
                                                           std::span<const Uid> uids) {
  return read<std::vector<MessageMeta>>([&](Db& db) -> Result<std::vector<MessageMeta>> {
    std::vector<MessageMeta> metas;
    if (uids.empty()) {
      return metas;
    }
    auto stmt = prepare_range(db,
                              "SELECT uid, modseq, internal_date, save_date, size, blob_id, flags FROM messages "
                              "WHERE account_id = ?1 AND mailbox_id = ?2 AND uid BETWEEN ?3 AND ?4 ORDER BY uid",
                              account, mailbox, uids);
    if (!stmt) {
      return stmt.error();
    }
    metas.reserve(uids.size());
    Status walked = for_wanted_rows(*stmt, uids, [&](Stmt& row, Uid) { metas.push_back(meta_from_row(row)); });
    if (!walked) {
      return walked.error();
    }
    return metas;
  });
}

Result<std::vector<std::pair<Uid, MessageDerived>>> SqliteStore::derived_many(AccountId account, MailboxId mailbox,
                                                                              std::span<const Uid> uids) {
  using Rows = std::vector<std::pair<Uid, MessageDerived>>;
  return read<Rows>([&](Db& db) -> Result<Rows> {
    Rows rows;
    if (uids.empty()) {
      return rows;
    }
    auto stmt = prepare_range(db,
                              "SELECT uid, envelope, bodystructure FROM messages "
                              "WHERE account_id = ?1 AND mailbox_id = ?2 AND uid BETWEEN ?3 AND ?4 ORDER BY uid",
                              account, mailbox, uids);
    if (!stmt) {
      return stmt.error();
    }
    rows.reserve(uids.size());
    Status walked = for_wanted_rows(*stmt, uids, [&](Stmt& row, Uid uid) {
      rows.emplace_back(uid, MessageDerived{row.column_text(1), row.column_text(2)});
    });
    if (!walked) {
      return walked.error();
    }
    return rows;
  });
}

}  // namespace postroom::store::sqlite
