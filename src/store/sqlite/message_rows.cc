#include "store/sqlite/message_rows.h"

#include <algorithm>
#include <limits>
#include <map>

#include "store/sqlite/names.h"
#include "store/sqlite/queries.h"

namespace postroom::store::sqlite {
namespace {

// A client-chosen keyword list must not grow a row without bound (see validate_flags).
constexpr std::size_t kMaxFlags = 128;
constexpr std::size_t kMaxFlagLength = 256;

constexpr const char* kSystemFlags[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent"};

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ascii_lower(a) == ascii_lower(b);
}

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return ascii_iequals(f, flag); });
}

bool is_keyword(const std::string& flag) {
  return !flag.empty() && flag.front() != '\\';
}

Status reference_blob(Db& db, const std::string& hash, std::uint64_t size) {
  auto stmt = db.prepare(
      "INSERT INTO blobs(blob_id, size, refcount) VALUES(?1, ?2, 1) "
      "ON CONFLICT(blob_id) DO UPDATE SET refcount = refcount + 1");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, hash).bind(2, static_cast<std::int64_t>(size));
  return stmt->run();
}

// Keyword count changes of one call, by lower-cased keyword (first spelling kept), applied
// with one statement per keyword rather than per message.
struct KeywordDelta {
  std::string spelling;
  std::int64_t count = 0;
};
using KeywordDeltas = std::map<std::string, KeywordDelta>;

void count_keywords(KeywordDeltas& deltas, const std::vector<std::string>& flags, std::int64_t delta) {
  for (const std::string& flag : flags) {
    if (!is_keyword(flag)) {
      continue;
    }
    auto [it, added] = deltas.try_emplace(ascii_lower(flag), KeywordDelta{flag, 0});
    it->second.count += delta;
  }
}

Status apply_keywords(Db& db, AccountId account, MailboxId mailbox, const KeywordDeltas& deltas) {
  for (const auto& [key, delta] : deltas) {
    if (delta.count == 0) {
      continue;
    }
    auto upsert = db.prepare(
        "INSERT INTO mailbox_keywords(account_id, mailbox_id, keyword, spelling, count) VALUES(?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(account_id, mailbox_id, keyword) DO UPDATE SET count = count + ?5");
    if (!upsert) {
      return upsert.error();
    }
    upsert->bind(1, account).bind(2, mailbox).bind(3, key).bind(4, delta.spelling).bind(5, delta.count);
    if (Status ran = upsert->run(); !ran) {
      return ran;
    }
    if (delta.count < 0) {
      auto erase = db.prepare(
          "DELETE FROM mailbox_keywords WHERE account_id = ?1 AND mailbox_id = ?2 AND keyword = ?3 AND count <= 0");
      if (!erase) {
        return erase.error();
      }
      erase->bind(1, account).bind(2, mailbox).bind(3, key);
      if (Status ran = erase->run(); !ran) {
        return ran;
      }
    }
  }
  return ok_status();
}

// Adds `delta` to the count of each keyword among `flags` in the mailbox.
Status adjust_keywords(Db& db, AccountId account, MailboxId mailbox, const std::vector<std::string>& flags, int delta) {
  KeywordDeltas deltas;
  count_keywords(deltas, flags, delta);
  return apply_keywords(db, account, mailbox, deltas);
}

Status adjust_mailbox(Db& db, AccountId account, MailboxId mailbox, std::int64_t messages, std::int64_t bytes,
                      std::int64_t unseen, std::int64_t deleted, ModSeq modseq) {
  return run_sql(db,
                 "UPDATE mailboxes SET messages = messages + ?3, bytes = bytes + ?4, unseen = unseen + ?5, "
                 "deleted = deleted + ?6, highestmodseq = max(highestmodseq, ?7) WHERE account_id = ?1 AND id = ?2",
                 account, mailbox, messages, bytes, unseen, deleted, static_cast<std::int64_t>(modseq));
}

Status adjust_usage(Db& db, AccountId account, std::int64_t bytes, std::int64_t messages) {
  return run_sql(db,
                 "UPDATE accounts SET usage_bytes = usage_bytes + ?2, usage_messages = usage_messages + ?3 "
                 "WHERE id = ?1",
                 account, bytes, messages);
}

std::int64_t unseen_of(const std::vector<std::string>& flags) {
  return has_flag(flags, "\\Seen") ? 0 : 1;
}
std::int64_t deleted_of(const std::vector<std::string>& flags) {
  return has_flag(flags, "\\Deleted") ? 1 : 0;
}

// The messages row itself (insert_row and copy_rows keep the counters).
Status insert_message(Db& db, AccountId account, MailboxId mailbox, const MessageMeta& meta, const RowInput& row,
                      const std::string& flags) {
  auto insert = db.prepare(
      "INSERT INTO messages(account_id, mailbox_id, uid, modseq, internal_date, save_date, size, blob_id, flags, "
      "envelope, bodystructure) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, account)
      .bind(2, mailbox)
      .bind(3, static_cast<std::int64_t>(meta.uid))
      .bind(4, static_cast<std::int64_t>(meta.modseq))
      .bind(5, meta.internal_date)
      .bind(6, meta.save_date)
      .bind(7, static_cast<std::int64_t>(row.size))
      .bind(8, row.blob_id)
      .bind(9, flags)
      .bind(10, row.envelope)
      .bind(11, row.bodystructure);
  return insert->run();
}

}  // namespace

std::vector<Uid> sorted_unique(const std::vector<Uid>& uids) {
  std::vector<Uid> sorted = uids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

Status validate_flags(const std::vector<std::string>& flags) {
  if (flags.size() > kMaxFlags) {
    return make_error(ErrorKind::limit, "too many flags");
  }
  for (const std::string& flag : flags) {
    if (flag.empty() || flag.size() > kMaxFlagLength) {
      return make_error(ErrorKind::bad_syntax, "flag length");
    }
    for (char c : flag) {
      auto byte = static_cast<unsigned char>(c);
      if (byte <= 0x20 || byte == 0x7f) {
        return make_error(ErrorKind::bad_syntax, "space or control character in flag");
      }
    }
  }
  return ok_status();
}

std::vector<std::string> canonical_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  out.reserve(flags.size());
  for (const std::string& flag : flags) {
    std::string spelled = flag;
    for (const char* system : kSystemFlags) {
      if (ascii_iequals(flag, system)) {
        spelled = system;
      }
    }
    if (!has_flag(out, spelled)) {
      out.push_back(std::move(spelled));
    }
  }
  return out;
}

std::string email_id_for(const std::string& blob_id) {
  return "E" + blob_id.substr(0, 24);
}

MessageMeta meta_from_row(const Stmt& stmt) {
  MessageMeta meta;
  meta.uid = static_cast<Uid>(stmt.column_int(0));
  meta.modseq = static_cast<ModSeq>(stmt.column_int(1));
  meta.internal_date = stmt.column_int(2);
  meta.save_date = stmt.column_int(3);
  meta.size = static_cast<std::uint64_t>(stmt.column_int(4));
  meta.blob_id = stmt.column_text(5);
  meta.flags = split_flags(stmt.column_text(6));
  meta.email_id = email_id_for(meta.blob_id);
  return meta;
}

Status index_document(Db& db, AccountId account, const std::string& blob_id, const SearchDocument& document) {
  auto insert = db.prepare(
      "INSERT INTO search_docs(account_id, blob_id) VALUES(?1, ?2) ON CONFLICT(account_id, blob_id) DO NOTHING "
      "RETURNING docid");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, account).bind(2, blob_id);
  auto row = insert->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return ok_status();  // this account already has the document (a copy or a duplicate)
  }
  std::int64_t docid = insert->column_int(0);
  if (auto done = insert->step(); !done) {
    return done.error();
  }
  if (Status written = write_fts_row(db, docid, document); !written) {
    return written;
  }
  // Every docid up to the 'search_indexed' watermark is indexed (search.cc). A document
  // indexed right above it extends it at once: otherwise, with imports only, the watermark
  // would wait for the idle indexer, and every SEARCH would meanwhile treat all documents
  // above it as possibly pending (a scan of the whole backlog range per SEARCH).
  return run_sql(db,
                 "INSERT INTO counters(name, value) SELECT 'search_indexed', ?1 "
                 "WHERE coalesce((SELECT value FROM counters WHERE name = 'search_indexed'), 0) = ?1 - 1 "
                 "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                 docid);
}

Status write_fts_row(Db& db, std::int64_t docid, const SearchDocument& document) {
  // docid is a plain rowid, which SQLite may hand out again after the highest one was
  // deleted; make sure no stale index text sits under the reused number.
  if (Status cleared = run_sql(db, "DELETE FROM search_fts WHERE rowid = ?1", docid); !cleared) {
    return cleared;
  }
  // The short fields again, narrow, for scans of small mailboxes (schema step 9).
  auto heads = db.prepare(
      "INSERT OR REPLACE INTO search_heads(docid, hfrom, hto, hcc, hbcc, subject) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!heads) {
    return heads.error();
  }
  heads->bind(1, docid)
      .bind(2, document.from)
      .bind(3, document.to)
      .bind(4, document.cc)
      .bind(5, document.bcc)
      .bind(6, document.subject);
  if (Status written = heads->run(); !written) {
    return written;
  }
  auto fts = db.prepare(
      "INSERT INTO search_fts(rowid, hfrom, hto, hcc, hbcc, subject, headers, body) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!fts) {
    return fts.error();
  }
  fts->bind(1, docid)
      .bind(2, document.from)
      .bind(3, document.to)
      .bind(4, document.cc)
      .bind(5, document.bcc)
      .bind(6, document.subject)
      .bind(7, document.headers)
      .bind(8, document.body);
  return fts->run();
}

Status queue_document(Db& db, AccountId account, const std::string& blob_id) {
  // Above the highest docid and the watermark: the indexer treats every docid at or below
  // the watermark as done, so a queued document must never take a number there (a plain
  // rowid could reuse a deleted one below it). Above every docid awaiting removal too: its
  // FTS row may still exist (delete_account drops the search_docs rows at once), and the
  // indexer would take it for this document's.
  auto insert = db.prepare(
      "INSERT INTO search_docs(docid, account_id, blob_id) VALUES("
      "max(coalesce((SELECT max(docid) FROM search_docs), 0), "
      "coalesce((SELECT max(docid) FROM search_unindex), 0), "
      "coalesce((SELECT value FROM counters WHERE name = 'search_indexed'), 0)) + 1, ?1, ?2) "
      "ON CONFLICT(account_id, blob_id) DO NOTHING");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, account).bind(2, blob_id);
  return insert->run();
}

Status unindex_if_unreferenced(Db& db, AccountId account, const std::string& blob_id, std::uint64_t size) {
  return run_sql_text(db,
                      "INSERT OR IGNORE INTO search_unindex(docid, account_id, size) "
                      "SELECT d.docid, d.account_id, ?3 FROM search_docs d WHERE d.account_id = ?1 AND d.blob_id = ?2 "
                      "AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.account_id = ?1 AND m.blob_id = ?2)",
                      account, blob_id, static_cast<std::int64_t>(size));
}

Status release_blob_references(WriteContext& context, const std::string& hash, std::int64_t count) {
  Db& db = context.db();
  auto update = db.prepare("UPDATE blobs SET refcount = refcount - ?2 WHERE blob_id = ?1 RETURNING refcount");
  if (!update) {
    return update.error();
  }
  update->bind(1, hash).bind(2, count);
  auto row = update->step();
  if (!row) {
    return row.error();
  }
  POSTROOM_CHECK(*row, "a reference to a blob with no blobs row");
  std::int64_t left = update->column_int(0);
  POSTROOM_CHECK(left >= 0, "blob refcount went negative");
  if (auto done = update->step(); !done) {
    return done.error();
  }
  if (left > 0) {
    return ok_status();
  }
  auto erase = db.prepare("DELETE FROM blobs WHERE blob_id = ?1");
  if (!erase) {
    return erase.error();
  }
  erase->bind(1, hash);
  if (Status ran = erase->run(); !ran) {
    return ran;
  }
  context.release_blob(hash);
  return ok_status();
}

Status check_quota(Db& db, AccountId account, std::uint64_t bytes, std::uint64_t messages) {
  auto quota =
      db.prepare("SELECT quota_bytes, quota_messages, usage_bytes, usage_messages FROM accounts WHERE id = ?1");
  if (!quota) {
    return quota.error();
  }
  quota->bind(1, account);
  auto row = quota->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such account id " + std::to_string(account));
  }
  auto quota_bytes = static_cast<std::uint64_t>(quota->column_int(0));
  auto quota_messages = static_cast<std::uint64_t>(quota->column_int(1));
  auto used_bytes = static_cast<std::uint64_t>(quota->column_int(2));
  auto used_messages = static_cast<std::uint64_t>(quota->column_int(3));
  if (quota_bytes != 0 && used_bytes + bytes > quota_bytes) {
    return make_error(ErrorKind::over_quota, "storage quota exceeded");
  }
  if (quota_messages != 0 && used_messages + messages > quota_messages) {
    return make_error(ErrorKind::over_quota, "message count quota exceeded");
  }
  return ok_status();
}

Result<MessageMeta> insert_row(WriteContext& context, AccountId account, MailboxId mailbox_id, const RowInput& row) {
  Db& db = context.db();
  auto mailbox = mailbox_by_id(db, account, mailbox_id);
  if (!mailbox) {
    return mailbox.error();
  }
  if (mailbox->uidnext == std::numeric_limits<Uid>::max()) {
    // RFC 3501 wants a new UIDVALIDITY here; until mailbox renumbering exists, refuse.
    return make_error(ErrorKind::limit, "mailbox UID space exhausted");
  }
  auto modseq = next_modseq(db, account);
  if (!modseq) {
    return modseq.error();
  }
  if (Status referenced = reference_blob(db, row.blob_id, row.size); !referenced) {
    return referenced.error();
  }
  const std::string flags = join_flags(row.flags);
  MessageMeta meta;
  meta.uid = mailbox->uidnext;
  meta.modseq = *modseq;
  meta.internal_date = row.internal_date;
  meta.save_date = row.save_date;
  meta.size = row.size;
  meta.blob_id = row.blob_id;
  meta.flags = split_flags(flags);
  meta.email_id = email_id_for(row.blob_id);

  if (Status ran = insert_message(db, account, mailbox_id, meta, row, flags); !ran) {
    return ran.error();
  }
  if (Status updated = run_sql(db, "UPDATE mailboxes SET uidnext = ?3 + 1 WHERE account_id = ?1 AND id = ?2", account,
                               mailbox_id, meta.uid);
      !updated) {
    return updated.error();
  }
  if (Status updated = adjust_mailbox(db, account, mailbox_id, 1, static_cast<std::int64_t>(row.size),
                                      unseen_of(meta.flags), deleted_of(meta.flags), meta.modseq);
      !updated) {
    return updated.error();
  }
  // Usage counters move in the same transaction as the rows they count.
  if (Status updated = adjust_usage(db, account, static_cast<std::int64_t>(row.size), 1); !updated) {
    return updated.error();
  }
  if (Status counted = adjust_keywords(db, account, mailbox_id, meta.flags, +1); !counted) {
    return counted.error();
  }
  if (Status logged = record_change(db, account, meta.modseq, mailbox_id, meta.uid, ChangeKind::added); !logged) {
    return logged.error();
  }
  return meta;
}

Result<std::vector<Uid>> expunge_rows(WriteContext& context, AccountId account, MailboxId mailbox,
                                      const std::vector<Uid>& sorted_uids) {
  Db& db = context.db();
  std::vector<Uid> removed;
  struct Body {
    std::int64_t rows = 0;  // rows removed naming it
    std::int64_t size = 0;
  };
  std::map<std::string, Body> bodies;
  std::int64_t bytes = 0;
  std::int64_t unseen = 0;
  std::int64_t deleted = 0;
  KeywordDeltas keywords;
  for (Uid uid : sorted_uids) {
    auto erase = db.prepare(
        "DELETE FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3 RETURNING blob_id, size, flags");
    if (!erase) {
      return erase.error();
    }
    erase->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(uid));
    auto row = erase->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      continue;  // already gone: ignored
    }
    Body& body = bodies[erase->column_text(0)];
    body.rows += 1;
    body.size = erase->column_int(1);
    std::vector<std::string> flags = split_flags(erase->column_text(2));
    if (auto done = erase->step(); !done) {
      return done.error();
    }
    bytes += body.size;
    unseen += unseen_of(flags);
    deleted += deleted_of(flags);
    count_keywords(keywords, flags, -1);
    removed.push_back(uid);
  }
  if (removed.empty()) {
    return removed;
  }
  // Each expunged UID gets its own modseq, so a changes_since page boundary never splits
  // one modseq's entries; one update hands them all out.
  auto first = next_modseqs(db, account, removed.size());
  if (!first) {
    return first.error();
  }
  for (std::size_t i = 0; i < removed.size(); ++i) {
    if (Status logged = record_change(db, account, *first + i, mailbox, removed[i], ChangeKind::expunged); !logged) {
      return logged.error();
    }
  }
  for (const auto& [blob_id, body] : bodies) {
    if (Status released = release_blob_references(context, blob_id, body.rows); !released) {
      return released.error();
    }
    if (Status queued = unindex_if_unreferenced(db, account, blob_id, static_cast<std::uint64_t>(body.size)); !queued) {
      return queued.error();
    }
  }
  const auto count = static_cast<std::int64_t>(removed.size());
  const ModSeq last = *first + removed.size() - 1;
  if (Status updated = adjust_mailbox(db, account, mailbox, -count, -bytes, -unseen, -deleted, last); !updated) {
    return updated.error();
  }
  if (Status updated = adjust_usage(db, account, -bytes, -count); !updated) {
    return updated.error();
  }
  if (Status counted = apply_keywords(db, account, mailbox, keywords); !counted) {
    return counted.error();
  }
  return removed;
}

Result<CopyResult> copy_rows(WriteContext& context, AccountId account, MailboxId from,
                             const std::vector<Uid>& sorted_uids, MailboxId to, bool quota) {
  Db& db = context.db();
  if (auto source = mailbox_by_id(db, account, from); !source) {
    return source.error();
  }
  auto destination = mailbox_by_id(db, account, to);
  if (!destination) {
    return destination.error();
  }
  struct Source {
    Uid uid;
    RowInput row;
  };
  std::vector<Source> sources;
  std::uint64_t total_bytes = 0;
  for (Uid uid : sorted_uids) {
    auto select = db.prepare(
        "SELECT internal_date, size, blob_id, flags, envelope, bodystructure FROM messages "
        "WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
    if (!select) {
      return select.error();
    }
    select->bind(1, account).bind(2, from).bind(3, static_cast<std::int64_t>(uid));
    auto row = select->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      continue;
    }
    Source source{uid, {}};
    source.row.internal_date = select->column_int(0);
    source.row.size = static_cast<std::uint64_t>(select->column_int(1));
    source.row.blob_id = select->column_text(2);
    // RFC 9051: flags are copied (\Recent does not exist in IMAP4rev2 and is not kept).
    for (std::string& flag : split_flags(select->column_text(3))) {
      if (!ascii_iequals(flag, "\\Recent")) {
        source.row.flags.push_back(std::move(flag));
      }
    }
    source.row.envelope = select->column_text(4);
    source.row.bodystructure = select->column_text(5);
    total_bytes += source.row.size;
    sources.push_back(std::move(source));
  }
  if (quota) {
    if (Status fits = check_quota(db, account, total_bytes, sources.size()); !fits) {
      return fits.error();
    }
  }
  if (static_cast<std::uint64_t>(destination->uidnext) + sources.size() >= std::numeric_limits<Uid>::max()) {
    return make_error(ErrorKind::limit, "mailbox UID space exhausted");
  }
  CopyResult result;
  result.uidvalidity = destination->uidvalidity;
  if (sources.empty()) {
    return result;
  }
  // One modseq per copy, handed out in one update; the sources' order (by UID) gives the
  // copies their UIDs and modseqs, as one insert_row per message would.
  auto first = next_modseqs(db, account, sources.size());
  if (!first) {
    return first.error();
  }
  const std::int64_t now = unix_now();
  std::map<std::string, std::int64_t> references;  // blob -> copies naming it
  std::int64_t unseen = 0;
  std::int64_t deleted = 0;
  KeywordDeltas keywords;
  MessageMeta meta;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    Source& source = sources[i];
    source.row.save_date = now;
    const std::string flags = join_flags(source.row.flags);
    meta.uid = destination->uidnext + static_cast<Uid>(i);
    meta.modseq = *first + i;
    meta.internal_date = source.row.internal_date;
    meta.save_date = now;
    if (Status inserted = insert_message(db, account, to, meta, source.row, flags); !inserted) {
      return inserted.error();
    }
    if (Status logged = record_change(db, account, meta.modseq, to, meta.uid, ChangeKind::added); !logged) {
      return logged.error();
    }
    references[source.row.blob_id] += 1;
    unseen += unseen_of(source.row.flags);
    deleted += deleted_of(source.row.flags);
    count_keywords(keywords, source.row.flags, +1);
    result.uids.push_back(UidPair{source.uid, meta.uid});
  }
  result.highest_modseq = meta.modseq;
  // The sources hold references, so every blob has its row; the copies share the account's
  // search documents.
  for (const auto& [blob_id, count] : references) {
    if (Status referenced =
            run_sql_text(db, "UPDATE blobs SET refcount = refcount + ?2 WHERE blob_id = ?1", blob_id, count);
        !referenced) {
      return referenced.error();
    }
  }
  const auto count = static_cast<std::int64_t>(sources.size());
  if (Status updated =
          run_sql(db, "UPDATE mailboxes SET uidnext = ?3 + 1 WHERE account_id = ?1 AND id = ?2", account, to, meta.uid);
      !updated) {
    return updated.error();
  }
  if (Status updated =
          adjust_mailbox(db, account, to, count, static_cast<std::int64_t>(total_bytes), unseen, deleted, meta.modseq);
      !updated) {
    return updated.error();
  }
  if (Status updated = adjust_usage(db, account, static_cast<std::int64_t>(total_bytes), count); !updated) {
    return updated.error();
  }
  if (Status counted = apply_keywords(db, account, to, keywords); !counted) {
    return counted.error();
  }
  return result;
}

Result<MessageMeta> write_flags(Db& db, AccountId account, MailboxId mailbox, Uid uid,
                                const std::vector<std::string>& old_flags, const std::vector<std::string>& new_flags) {
  auto modseq = next_modseq(db, account);
  if (!modseq) {
    return modseq.error();
  }
  auto update = db.prepare(
      "UPDATE messages SET flags = ?4, modseq = ?5 WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3 "
      "RETURNING uid, modseq, internal_date, save_date, size, blob_id, flags");
  if (!update) {
    return update.error();
  }
  update->bind(1, account)
      .bind(2, mailbox)
      .bind(3, static_cast<std::int64_t>(uid))
      .bind(4, join_flags(new_flags))
      .bind(5, static_cast<std::int64_t>(*modseq));
  auto row = update->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    // The savepoint rollback undoes the modseq bump.
    return make_error(ErrorKind::not_found, "no such message");
  }
  MessageMeta meta = meta_from_row(*update);
  if (auto done = update->step(); !done) {
    return done.error();
  }
  if (Status updated = adjust_mailbox(db, account, mailbox, 0, 0, unseen_of(new_flags) - unseen_of(old_flags),
                                      deleted_of(new_flags) - deleted_of(old_flags), *modseq);
      !updated) {
    return updated.error();
  }
  if (Status counted = adjust_keywords(db, account, mailbox, old_flags, -1); !counted) {
    return counted.error();
  }
  if (Status counted = adjust_keywords(db, account, mailbox, new_flags, +1); !counted) {
    return counted.error();
  }
  if (Status logged = record_change(db, account, *modseq, mailbox, uid, ChangeKind::flags); !logged) {
    return logged.error();
  }
  return meta;
}

}  // namespace postroom::store::sqlite
