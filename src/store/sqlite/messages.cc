// Messages and the change log.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

// Reads rows with the meta columns (uid, modseq, internal_date, save_date, size, blob_id,
// flags) until done.
Result<std::vector<MessageMeta>> collect_metas(Stmt& stmt) {
  std::vector<MessageMeta> metas;
  while (true) {
    auto row = stmt.step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return metas;
    }
    metas.push_back(meta_from_row(stmt));
  }
}

// Current flags of a message; not_found if it does not exist.
Result<std::vector<std::string>> current_flags(Db& db, AccountId account, MailboxId mailbox, Uid uid, ModSeq* modseq) {
  auto stmt = db.prepare("SELECT flags, modseq FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
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
  if (modseq != nullptr) {
    *modseq = static_cast<ModSeq>(stmt->column_int(1));
  }
  return split_flags(stmt->column_text(0));
}

std::string lower_key(const std::string& flag) {
  std::string key = flag;
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return key;
}

// The flag set after applying `op`; flags compare case-insensitively.
std::vector<std::string> apply_op(const std::vector<std::string>& current, FlagOp op,
                                  const std::vector<std::string>& flags) {
  auto contains = [](const std::vector<std::string>& set, const std::string& flag) {
    std::string key = lower_key(flag);
    return std::any_of(set.begin(), set.end(), [&](const std::string& f) { return lower_key(f) == key; });
  };
  switch (op) {
    case FlagOp::replace: return flags;
    case FlagOp::add: {
      std::vector<std::string> out = current;
      for (const std::string& flag : flags) {
        if (!contains(out, flag)) {
          out.push_back(flag);
        }
      }
      return out;
    }
    case FlagOp::remove: {
      std::vector<std::string> out;
      for (const std::string& flag : current) {
        if (!contains(flags, flag)) {
          out.push_back(flag);
        }
      }
      return out;
    }
  }
  return current;
}

bool same_set(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> left;
  std::vector<std::string> right;
  for (const auto& flag : a) {
    left.push_back(lower_key(flag));
  }
  for (const auto& flag : b) {
    right.push_back(lower_key(flag));
  }
  std::sort(left.begin(), left.end());
  std::sort(right.begin(), right.end());
  return left == right;
}

// Where a message's body is stored.
struct BlobLocation {
  std::string blob_id;
  std::uint64_t size;
};

// The blob of (account, mailbox, uid), inside the caller's read transaction; not_found if
// there is no such message.
Result<BlobLocation> find_blob(Db& db, AccountId account, MailboxId mailbox, Uid uid) {
  auto stmt = db.prepare("SELECT blob_id, size FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
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
  return BlobLocation{stmt->column_text(0), static_cast<std::uint64_t>(stmt->column_int(1))};
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
  // instead of queueing on the writer thread. Its search text is indexed later, off the
  // commit path (queue_document).
  auto stored = blobs_->store(message.bytes);
  if (!stored) {
    return stored.error();
  }
  const std::string hash = *stored;
  const std::int64_t now = unix_now();
  RowInput row;
  row.internal_date = message.internal_date != 0 ? message.internal_date : now;
  row.save_date = now;
  row.size = message.bytes.size();
  row.blob_id = hash;
  row.flags = canonical_flags(message.flags);
  row.envelope = message.derived.envelope;
  row.bodystructure = message.derived.bodystructure;
  return write<std::vector<MessageMeta>>({hash}, [&](WriteContext& context) -> Result<std::vector<MessageMeta>> {
    // All targets share this request's savepoint: one failure stores none of them.
    std::vector<MessageMeta> metas;
    metas.reserve(targets.size());
    for (const Target& target : targets) {
      // Quota, checked under the write lock so concurrent appends cannot both slip under it.
      if (Status fits = check_quota(context.db(), target.account, row.size, 1); !fits) {
        return fits.error();
      }
      if (Status present = context.ensure_blob(hash, message.bytes); !present) {
        return present.error();
      }
      auto meta = insert_row(context, target.account, target.mailbox, row);
      if (!meta) {
        return meta.error();
      }
      if (Status queued = queue_document(context.db(), target.account, hash); !queued) {
        return queued.error();
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
    return collect_metas(*stmt);
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
  auto location = read<BlobLocation>([&](Db& db) { return find_blob(db, account, mailbox, uid); });
  if (!location) {
    return location.error();
  }
  // Outside the read transaction: file I/O need not hold a WAL snapshot open.
  return blobs_->read(location->blob_id, location->size);
}

std::vector<Result<std::string>> SqliteStore::read_messages(AccountId account, MailboxId mailbox,
                                                            std::span<const Uid> uids) {
  using Locations = std::vector<Result<BlobLocation>>;
  // One transaction (and one BEGIN/COMMIT) for every lookup instead of one per message; each
  // lookup stays scoped by account, mailbox and UID like read_message's.
  auto locations = read<Locations>([&](Db& db) -> Result<Locations> {
    Locations found;
    found.reserve(uids.size());
    for (Uid uid : uids) {
      found.push_back(find_blob(db, account, mailbox, uid));
    }
    return found;
  });
  std::vector<Result<std::string>> bodies;
  bodies.reserve(uids.size());
  for (std::size_t i = 0; i < uids.size(); ++i) {
    if (!locations) {
      bodies.emplace_back(locations.error());
      continue;
    }
    const Result<BlobLocation>& location = (*locations)[i];
    if (!location) {
      bodies.emplace_back(location.error());
      continue;
    }
    // Outside the read transaction, as in read_message.
    bodies.push_back(blobs_->read(location->blob_id, location->size));
  }
  return bodies;
}

Result<std::vector<Uid>> SqliteStore::expunge(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids) {
  std::vector<Uid> sorted = sorted_unique(uids);
  return write<std::vector<Uid>>({}, [&](WriteContext& context) -> Result<std::vector<Uid>> {
    if (auto found = mailbox_by_id(context.db(), account, mailbox); !found) {
      return found.error();
    }
    return expunge_rows(context, account, mailbox, sorted);
  });
}

Result<MessageMeta> SqliteStore::set_flags(AccountId account, MailboxId mailbox, Uid uid,
                                           const std::vector<std::string>& flags) {
  if (Status valid = validate_flags(flags); !valid) {
    return valid.error();
  }
  const std::vector<std::string> canonical = canonical_flags(flags);
  return write<MessageMeta>({}, [&](WriteContext& context) -> Result<MessageMeta> {
    auto old_flags = current_flags(context.db(), account, mailbox, uid, nullptr);
    if (!old_flags) {
      return old_flags.error();
    }
    return write_flags(context.db(), account, mailbox, uid, *old_flags, canonical);
  });
}

Result<FlagUpdate> SqliteStore::update_flags(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids,
                                             FlagOp op, const std::vector<std::string>& flags,
                                             std::optional<ModSeq> unchanged_since) {
  if (Status valid = validate_flags(flags); !valid) {
    return valid.error();
  }
  const std::vector<std::string> canonical = canonical_flags(flags);
  const std::vector<Uid> sorted = sorted_unique(uids);
  return write<FlagUpdate>({}, [&](WriteContext& context) -> Result<FlagUpdate> {
    Db& db = context.db();
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    FlagUpdate update;
    for (Uid uid : sorted) {
      ModSeq modseq = 0;
      auto old_flags = current_flags(db, account, mailbox, uid, &modseq);
      if (!old_flags) {
        if (old_flags.error().kind == ErrorKind::not_found) {
          continue;
        }
        return old_flags.error();
      }
      if (unchanged_since && modseq > *unchanged_since) {
        update.modified.push_back(uid);
        continue;
      }
      std::vector<std::string> new_flags = apply_op(*old_flags, op, canonical);
      if (same_set(*old_flags, new_flags)) {
        continue;
      }
      if (Status valid = validate_flags(new_flags); !valid) {
        return valid.error();  // e.g. +FLAGS growing a message past kMaxFlags
      }
      auto meta = write_flags(db, account, mailbox, uid, *old_flags, new_flags);
      if (!meta) {
        return meta.error();
      }
      update.changed.push_back(std::move(*meta));
    }
    return update;
  });
}

Result<CopyResult> SqliteStore::copy_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                              MailboxId to) {
  const std::vector<Uid> sorted = sorted_unique(uids);
  return write<CopyResult>({}, [&](WriteContext& context) -> Result<CopyResult> {
    auto result = copy_rows(context, account, from, sorted, to, /*quota=*/true);
    if (result && result->highest_modseq == 0) {
      auto modseq = account_modseq(context.db(), account);
      if (!modseq) {
        return modseq.error();
      }
      result->highest_modseq = *modseq;
    }
    return result;
  });
}

Result<CopyResult> SqliteStore::move_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                              MailboxId to) {
  const std::vector<Uid> sorted = sorted_unique(uids);
  return write<CopyResult>({}, [&](WriteContext& context) -> Result<CopyResult> {
    // Copy first, then expunge: the blobs and search documents keep a reference throughout.
    auto result = copy_rows(context, account, from, sorted, to, /*quota=*/false);
    if (!result) {
      return result.error();
    }
    std::vector<Uid> moved;
    moved.reserve(result->uids.size());
    for (const UidPair& pair : result->uids) {
      moved.push_back(pair.source);
    }
    auto removed = expunge_rows(context, account, from, moved);
    if (!removed) {
      return removed.error();
    }
    POSTROOM_CHECK(removed->size() == moved.size(), "moved message vanished inside the transaction");
    auto modseq = account_modseq(context.db(), account);
    if (!modseq) {
      return modseq.error();
    }
    result->highest_modseq = *modseq;
    return result;
  });
}

Result<std::vector<MessageMeta>> SqliteStore::list_flags_since(AccountId account, MailboxId mailbox, ModSeq since) {
  return read<std::vector<MessageMeta>>([&](Db& db) -> Result<std::vector<MessageMeta>> {
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    // A range scan of the changed rows only (then sorted); without INDEXED BY the planner
    // prefers the primary key for ORDER BY uid and reads the whole mailbox.
    auto stmt = db.prepare(
        "SELECT uid, modseq, internal_date, save_date, size, blob_id, flags FROM messages "
        "INDEXED BY messages_by_modseq WHERE account_id = ?1 AND mailbox_id = ?2 AND modseq > ?3 ORDER BY uid");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(since));
    return collect_metas(*stmt);
  });
}

Result<std::vector<Uid>> SqliteStore::expunged_since(AccountId account, MailboxId mailbox, ModSeq since) {
  return read<std::vector<Uid>>([&](Db& db) -> Result<std::vector<Uid>> {
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    auto stmt = db.prepare(
        "SELECT uid FROM changes WHERE account_id = ?1 AND mailbox_id = ?2 AND modseq > ?3 AND kind = ?4 "
        "ORDER BY uid");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account)
        .bind(2, mailbox)
        .bind(3, static_cast<std::int64_t>(since))
        .bind(4, static_cast<std::int64_t>(ChangeKind::expunged));
    std::vector<Uid> uids;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return uids;
      }
      uids.push_back(static_cast<Uid>(stmt->column_int(0)));
    }
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
