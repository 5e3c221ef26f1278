// Messages and the change log.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

// Flags are stored space-separated, and a client-chosen keyword list must not grow a row
// without bound: these limits stop both.
constexpr std::size_t kMaxFlags = 128;
constexpr std::size_t kMaxFlagLength = 256;

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

// Adds one reference to a blob that is known to be durably on disk.
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

// Drops one reference; a blob left with none is deleted from the table and handed to GC.
Status unreference_blob(WriteContext& context, const std::string& hash) {
  Db& db = context.db();
  auto update = db.prepare("UPDATE blobs SET refcount = refcount - 1 WHERE blob_id = ?1 RETURNING refcount");
  if (!update) {
    return update.error();
  }
  update->bind(1, hash);
  auto row = update->step();
  if (!row) {
    return row.error();
  }
  POSTROOM_CHECK(*row, "message references a blob with no blobs row");
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

// Everything one target of an append does, inside the caller's savepoint.
Result<MessageMeta> insert_message(WriteContext& context, AccountId account, MailboxId mailbox_id,
                                   const NewMessage& message, const std::string& hash, const std::string& flags,
                                   std::int64_t now) {
  Db& db = context.db();
  const std::uint64_t size = message.bytes.size();

  // Quota, checked under the write lock so concurrent appends cannot both slip under it.
  auto quota = db.prepare(
      "SELECT quota_bytes, quota_messages, usage_bytes, usage_messages FROM accounts WHERE id = ?1");
  if (!quota) {
    return quota.error();
  }
  quota->bind(1, account);
  auto quota_row = quota->step();
  if (!quota_row) {
    return quota_row.error();
  }
  if (!*quota_row) {
    return make_error(ErrorKind::not_found, "no such account id " + std::to_string(account));
  }
  auto quota_bytes = static_cast<std::uint64_t>(quota->column_int(0));
  auto quota_messages = static_cast<std::uint64_t>(quota->column_int(1));
  auto used_bytes = static_cast<std::uint64_t>(quota->column_int(2));
  auto used_messages = static_cast<std::uint64_t>(quota->column_int(3));
  if (quota_bytes != 0 && used_bytes + size > quota_bytes) {
    return make_error(ErrorKind::over_quota, "storage quota exceeded");
  }
  if (quota_messages != 0 && used_messages + 1 > quota_messages) {
    return make_error(ErrorKind::over_quota, "message count quota exceeded");
  }

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
  if (Status present = context.ensure_blob(hash, message.bytes); !present) {
    return present.error();
  }
  if (Status referenced = reference_blob(db, hash, size); !referenced) {
    return referenced.error();
  }

  MessageMeta meta;
  meta.uid = mailbox->uidnext;
  meta.modseq = *modseq;
  meta.internal_date = message.internal_date != 0 ? message.internal_date : now;
  meta.save_date = now;
  meta.size = size;
  meta.blob_id = hash;
  meta.flags = split_flags(flags);

  auto insert = db.prepare(
      "INSERT INTO messages(account_id, mailbox_id, uid, modseq, internal_date, save_date, size, blob_id, flags, "
      "envelope, bodystructure) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, account)
      .bind(2, mailbox_id)
      .bind(3, static_cast<std::int64_t>(meta.uid))
      .bind(4, static_cast<std::int64_t>(meta.modseq))
      .bind(5, meta.internal_date)
      .bind(6, meta.save_date)
      .bind(7, static_cast<std::int64_t>(size))
      .bind(8, hash)
      .bind(9, flags)
      .bind(10, message.derived.envelope)
      .bind(11, message.derived.bodystructure);
  if (Status ran = insert->run(); !ran) {
    return ran.error();
  }
  if (Status updated = run_sql(db,
                               "UPDATE mailboxes SET uidnext = ?3 + 1, highestmodseq = ?4, "
                               "messages = messages + 1, bytes = bytes + ?5 WHERE account_id = ?1 AND id = ?2",
                               account, mailbox_id, meta.uid, meta.modseq, size);
      !updated) {
    return updated.error();
  }
  // Usage counters move in the same transaction as the rows they count.
  if (Status updated = run_sql(db,
                               "UPDATE accounts SET usage_bytes = usage_bytes + ?2, "
                               "usage_messages = usage_messages + 1 WHERE id = ?1",
                               account, size);
      !updated) {
    return updated.error();
  }
  if (Status logged = record_change(db, account, meta.modseq, mailbox_id, meta.uid, ChangeKind::added); !logged) {
    return logged.error();
  }
  return meta;
}

MessageMeta meta_from_row(const Stmt& stmt) {
  // Columns: uid, modseq, internal_date, save_date, size, blob_id, flags.
  MessageMeta meta;
  meta.uid = static_cast<Uid>(stmt.column_int(0));
  meta.modseq = static_cast<ModSeq>(stmt.column_int(1));
  meta.internal_date = stmt.column_int(2);
  meta.save_date = stmt.column_int(3);
  meta.size = static_cast<std::uint64_t>(stmt.column_int(4));
  meta.blob_id = stmt.column_text(5);
  meta.flags = split_flags(stmt.column_text(6));
  return meta;
}

}  // namespace

Result<MessageMeta> SqliteStore::append(AccountId account, MailboxId mailbox, const NewMessage& message) {
  auto metas = append_many({Target{account, mailbox}}, message);
  if (!metas) {
    return metas.error();
  }
  return std::move(metas->front());
}

Result<std::vector<MessageMeta>> SqliteStore::append_many(const std::vector<Target>& targets,
                                                          const NewMessage& message) {
  if (targets.empty()) {
    return std::vector<MessageMeta>{};
  }
  if (Status valid = validate_flags(message.flags); !valid) {
    return valid.error();
  }
  // The body is made durable here, in the caller's thread: concurrent callers' fsyncs overlap
  // instead of queueing on the writer thread.
  auto stored = blobs_->store(message.bytes);
  if (!stored) {
    return stored.error();
  }
  const std::string hash = *stored;
  const std::string flags = join_flags(message.flags);
  const std::int64_t now = unix_now();
  return write<std::vector<MessageMeta>>(
      {hash}, [&](WriteContext& context) -> Result<std::vector<MessageMeta>> {
        // All targets share this request's savepoint: one failure stores none of them.
        std::vector<MessageMeta> metas;
        metas.reserve(targets.size());
        for (const Target& target : targets) {
          auto meta = insert_message(context, target.account, target.mailbox, message, hash, flags, now);
          if (!meta) {
            return meta.error();
          }
          metas.push_back(std::move(*meta));
        }
        return metas;
      });
}

Result<std::vector<MessageMeta>> SqliteStore::list_messages(AccountId account, MailboxId mailbox) {
  return read<std::vector<MessageMeta>>([&](Db& db) -> Result<std::vector<MessageMeta>> {
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    auto stmt = db.prepare(
        "SELECT uid, modseq, internal_date, save_date, size, blob_id, flags FROM messages "
        "WHERE account_id = ?1 AND mailbox_id = ?2 ORDER BY uid");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox);
    std::vector<MessageMeta> metas;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return metas;
      }
      metas.push_back(meta_from_row(*stmt));
    }
  });
}

Result<MessageDerived> SqliteStore::derived(AccountId account, MailboxId mailbox, Uid uid) {
  return read<MessageDerived>([&](Db& db) -> Result<MessageDerived> {
    auto stmt = db.prepare(
        "SELECT envelope, bodystructure FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(uid));
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no such message");
    }
    return MessageDerived{stmt->column_text(0), stmt->column_text(1)};
  });
}

Result<std::string> SqliteStore::read_message(AccountId account, MailboxId mailbox, Uid uid) {
  struct Location {
    std::string blob_id;
    std::uint64_t size;
  };
  auto location = read<Location>([&](Db& db) -> Result<Location> {
    auto stmt = db.prepare(
        "SELECT blob_id, size FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(uid));
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no such message");
    }
    return Location{stmt->column_text(0), static_cast<std::uint64_t>(stmt->column_int(1))};
  });
  if (!location) {
    return location.error();
  }
  // Outside the read transaction: file I/O need not hold a WAL snapshot open.
  return blobs_->read(location->blob_id, location->size);
}

Result<std::vector<Uid>> SqliteStore::expunge(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids) {
  std::vector<Uid> sorted = uids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return write<std::vector<Uid>>({}, [&](WriteContext& context) -> Result<std::vector<Uid>> {
    Db& db = context.db();
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    std::vector<Uid> removed;
    for (Uid uid : sorted) {
      std::string blob_id;
      std::int64_t size = 0;
      {
        auto erase = db.prepare(
            "DELETE FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3 RETURNING blob_id, size");
        if (!erase) {
          return erase.error();
        }
        erase->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(uid));
        auto row = erase->step();
        if (!row) {
          return row.error();
        }
        if (!*row) {
          continue;  // already gone: the contract says ignore
        }
        blob_id = erase->column_text(0);
        size = erase->column_int(1);
        if (auto done = erase->step(); !done) {
          return done.error();
        }
      }
      // Each expunged UID gets its own modseq, so a changes_since page boundary never splits
      // one modseq's entries.
      auto modseq = next_modseq(db, account);
      if (!modseq) {
        return modseq.error();
      }
      if (Status released = unreference_blob(context, blob_id); !released) {
        return released.error();
      }
      if (Status updated = run_sql(db,
                                   "UPDATE mailboxes SET messages = messages - 1, bytes = bytes - ?3, "
                                   "highestmodseq = ?4 WHERE account_id = ?1 AND id = ?2",
                                   account, mailbox, size, *modseq);
          !updated) {
        return updated.error();
      }
      if (Status updated = run_sql(db,
                                   "UPDATE accounts SET usage_bytes = usage_bytes - ?2, "
                                   "usage_messages = usage_messages - 1 WHERE id = ?1",
                                   account, size);
          !updated) {
        return updated.error();
      }
      if (Status logged = record_change(db, account, *modseq, mailbox, uid, ChangeKind::expunged); !logged) {
        return logged.error();
      }
      removed.push_back(uid);
    }
    return removed;
  });
}

Result<MessageMeta> SqliteStore::set_flags(AccountId account, MailboxId mailbox, Uid uid,
                                           const std::vector<std::string>& flags) {
  if (Status valid = validate_flags(flags); !valid) {
    return valid.error();
  }
  const std::string joined = join_flags(flags);
  return write<MessageMeta>({}, [&](WriteContext& context) -> Result<MessageMeta> {
    Db& db = context.db();
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
        .bind(4, joined)
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
    if (Status updated = run_sql(db, "UPDATE mailboxes SET highestmodseq = ?3 WHERE account_id = ?1 AND id = ?2",
                                 account, mailbox, *modseq);
        !updated) {
      return updated.error();
    }
    if (Status logged = record_change(db, account, *modseq, mailbox, uid, ChangeKind::flags); !logged) {
      return logged.error();
    }
    return meta;
  });
}

Result<ModSeq> SqliteStore::highest_modseq(AccountId account) {
  return read<ModSeq>([&](Db& db) -> Result<ModSeq> {
    auto stmt = db.prepare("SELECT modseq FROM accounts WHERE id = ?1");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account);
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no such account id " + std::to_string(account));
    }
    return static_cast<ModSeq>(stmt->column_int(0));
  });
}

Result<std::vector<Change>> SqliteStore::changes_since(AccountId account, ModSeq since, std::size_t limit) {
  return read<std::vector<Change>>([&](Db& db) -> Result<std::vector<Change>> {
    if (auto found = account_by_id(db, account); !found) {
      return found.error();
    }
    auto stmt = db.prepare(
        "SELECT modseq, mailbox_id, uid, kind FROM changes WHERE account_id = ?1 AND modseq > ?2 "
        "ORDER BY modseq LIMIT ?3");
    if (!stmt) {
      return stmt.error();
    }
    // SQLite integers are signed 64-bit; clamp so a huge limit means "all".
    auto capped = static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
    stmt->bind(1, account).bind(2, static_cast<std::int64_t>(since)).bind(3, capped);
    std::vector<Change> changes;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return changes;
      }
      Change change;
      change.modseq = static_cast<ModSeq>(stmt->column_int(0));
      change.mailbox = stmt->column_int(1);
      change.uid = static_cast<Uid>(stmt->column_int(2));
      change.kind = static_cast<ChangeKind>(stmt->column_int(3));
      changes.push_back(change);
    }
  });
}

}  // namespace postroom::store::sqlite
