// The outbound queue on the embedded SQLite store (contract: store/queue.h; schema step 4).
//
// SqliteQueue has its own BlobStore, GroupCommitter (writer connection) and ReaderPool on the
// store's data directory. Next to a SqliteStore in the same process that is two writers, which
// the store already supports for the daemon + CLI case: WAL and busy_timeout serialise them,
// and blob GC only unlinks under the database write lock after re-checking `blobs` (see
// README.md "Blob GC"). Queue rows count in blobs.refcount like message rows do.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/log.h"
#include "store/queue.h"
#include "store/sqlite/blob_store.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_committer.h"
#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/reader_pool.h"
#include "store/sqlite/schema.h"

namespace postroom::store {

const char* to_string(RecipientState state) {
  switch (state) {
    case RecipientState::pending: return "pending";
    case RecipientState::delivered: return "delivered";
    case RecipientState::failed: return "failed";
    case RecipientState::bounced: return "bounced";
  }
  return "?";
}

Status QueueStore::mark_delivered(QueueId id, std::int64_t recipient, std::string reply, std::string remote_mta) {
  RecipientUpdate update;
  update.recipient_id = recipient;
  update.state = RecipientState::delivered;
  update.attempted = true;
  update.last_reply = std::move(reply);
  update.remote_mta = std::move(remote_mta);
  update.last_error = "";
  return this->update(id, {update});
}

Status QueueStore::mark_deferred(QueueId id, std::int64_t recipient, std::int64_t next_attempt, std::string error) {
  RecipientUpdate update;
  update.recipient_id = recipient;
  update.state = RecipientState::pending;
  update.attempted = true;
  update.next_attempt = next_attempt;
  update.last_error = std::move(error);
  return this->update(id, {update});
}

Status QueueStore::mark_failed(QueueId id, std::int64_t recipient, std::string status, std::string error) {
  RecipientUpdate update;
  update.recipient_id = recipient;
  update.state = RecipientState::failed;
  update.attempted = true;
  update.status = std::move(status);
  update.last_error = std::move(error);
  return this->update(id, {update});
}

}  // namespace postroom::store

namespace postroom::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr std::size_t kMaxIdleReaders = 4;
// A recipient list is client-controlled (RCPT count); the SMTP server limits it, this is the
// store's own backstop against an unbounded transaction.
constexpr std::size_t kMaxRecipients = 10000;
// Addresses longer than this are not valid paths (RFC 5321 §4.5.3.1.3: 256 octets).
constexpr std::size_t kMaxAddressLength = 1024;

constexpr const char* kMessageColumns = "id, sender, blob_id, size, envid, ret, body_type, smtputf8, created";
constexpr const char* kRecipientColumns =
    "id, address, orcpt, notify, state, attempts, next_attempt, last_attempt, status, last_error, "
    "last_reply, remote_mta, delay_warned, message_id";

QueuedMessage message_from_row(const Stmt& stmt) {
  QueuedMessage message;
  message.id = stmt.column_int(0);
  message.sender = stmt.column_text(1);
  message.blob_id = stmt.column_text(2);
  message.size = static_cast<std::uint64_t>(stmt.column_int(3));
  message.envid = stmt.column_text(4);
  message.ret = static_cast<DsnRet>(stmt.column_int(5));
  message.body_type = stmt.column_text(6);
  message.smtputf8 = stmt.column_int(7) != 0;
  message.created = stmt.column_int(8);
  return message;
}

QueueRecipient recipient_from_row(const Stmt& stmt) {
  QueueRecipient r;
  r.id = stmt.column_int(0);
  r.address = stmt.column_text(1);
  r.orcpt = stmt.column_text(2);
  r.notify = static_cast<unsigned>(stmt.column_int(3));
  r.state = static_cast<RecipientState>(stmt.column_int(4));
  r.attempts = static_cast<std::uint32_t>(stmt.column_int(5));
  r.next_attempt = stmt.column_int(6);
  r.last_attempt = stmt.column_int(7);
  r.status = stmt.column_text(8);
  r.last_error = stmt.column_text(9);
  r.last_reply = stmt.column_text(10);
  r.remote_mta = stmt.column_text(11);
  r.delay_warned = stmt.column_int(12) != 0;
  return r;
}

Status fill_recipients(Db& db, QueuedMessage& message) {
  std::string sql =
      std::string("SELECT ") + kRecipientColumns + " FROM queue_recipients WHERE message_id = ?1 ORDER BY id";
  auto stmt = db.prepare(sql.c_str());
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, message.id);
  message.recipients.clear();
  while (true) {
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return ok_status();
    }
    message.recipients.push_back(recipient_from_row(*stmt));
  }
}

Result<QueuedMessage> message_by_id(Db& db, QueueId id) {
  std::string sql = std::string("SELECT ") + kMessageColumns + " FROM queue_messages WHERE id = ?1";
  std::optional<QueuedMessage> message;
  {
    auto stmt = db.prepare(sql.c_str());
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no queued message " + std::to_string(id));
    }
    message = message_from_row(*stmt);
  }
  if (Status filled = fill_recipients(db, *message); !filled) {
    return filled.error();
  }
  return std::move(*message);
}

// One more reference to a body known to be durable (same SQL as message rows use).
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

// Deletes the message (recipients cascade) and drops its body reference.
Status delete_message(WriteContext& context, QueueId id) {
  Db& db = context.db();
  std::string blob;
  {
    auto stmt = db.prepare("DELETE FROM queue_messages WHERE id = ?1 RETURNING blob_id");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, id);
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no queued message " + std::to_string(id));
    }
    blob = stmt->column_text(0);
    if (auto done = stmt->step(); !done) {
      return done.error();
    }
  }
  // foreign_keys=ON cascades, but be explicit so the rows go even on a connection without it.
  if (Status gone = run_sql(db, "DELETE FROM queue_recipients WHERE message_id = ?1", id); !gone) {
    return gone;
  }
  return release_blob_references(context, blob, 1);
}

class SqliteQueue final : public QueueStore {
 public:
  SqliteQueue(std::unique_ptr<BlobStore> blobs, std::unique_ptr<GroupCommitter> committer,
              std::unique_ptr<ReaderPool> readers)
      : blobs_(std::move(blobs)), committer_(std::move(committer)), readers_(std::move(readers)) {}
  // The committer drains its queue before the blob store it uses goes away.
  ~SqliteQueue() override { committer_.reset(); }

  Result<QueueId> enqueue(const NewQueueMessage& message) override;
  Result<std::vector<QueuedMessage>> due(std::int64_t now, std::size_t limit) override;
  Result<std::optional<std::int64_t>> next_due() override;
  Status update(QueueId id, const std::vector<RecipientUpdate>& updates) override;
  Result<std::string> read_body(const QueuedMessage& message) override;
  Result<std::vector<QueuedMessage>> list() override;
  Result<QueuedMessage> get(QueueId id) override;
  Status retry_now(QueueId id) override;
  Status remove(QueueId id) override;

 private:
  template <typename T, typename Fn>
  Result<T> write(std::vector<std::string> blob_ids, Fn&& fn) {
    std::optional<Result<T>> out;
    WriteRequest request;
    request.blob_ids = std::move(blob_ids);
    request.apply = [&out, &fn](WriteContext& context) -> Status {
      out.emplace(fn(context));
      if (!*out) {
        return out->error();
      }
      return ok_status();
    };
    Status status = committer_->submit(request);
    if (!status) {
      return status.error();
    }
    return std::move(*out);
  }

  template <typename T, typename Fn>
  Result<T> read(Fn&& fn) {
    auto lease = readers_->acquire();
    if (!lease) {
      return lease.error();
    }
    Db& db = **lease;
    if (Status begun = db.exec("BEGIN"); !begun) {
      return begun.error();
    }
    Result<T> result = fn(db);
    db.exec_or_log("COMMIT");
    return result;
  }

  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<ReaderPool> readers_;
};

Result<QueueId> SqliteQueue::enqueue(const NewQueueMessage& message) {
  if (message.recipients.empty()) {
    return make_error(ErrorKind::bad_syntax, "queued message without recipients");
  }
  if (message.recipients.size() > kMaxRecipients) {
    return make_error(ErrorKind::limit, "too many recipients");
  }
  if (message.sender.size() > kMaxAddressLength) {
    return make_error(ErrorKind::bad_syntax, "sender too long");
  }
  for (const auto& recipient : message.recipients) {
    if (recipient.address.empty() || recipient.address.size() > kMaxAddressLength) {
      return make_error(ErrorKind::bad_syntax, "bad recipient address");
    }
  }
  // Body first, durably, in the caller's thread (see README.md "Durability").
  auto stored = blobs_->store(message.bytes);
  if (!stored) {
    return stored.error();
  }
  const std::string hash = *stored;
  const std::int64_t now = unix_now();
  return write<QueueId>({hash}, [&](WriteContext& context) -> Result<QueueId> {
    Db& db = context.db();
    if (Status present = context.ensure_blob(hash, message.bytes); !present) {
      return present.error();
    }
    if (Status referenced = reference_blob(db, hash, message.bytes.size()); !referenced) {
      return referenced.error();
    }
    QueueId id = 0;
    {
      auto insert = db.prepare(
          "INSERT INTO queue_messages(sender, blob_id, size, envid, ret, body_type, smtputf8, created) "
          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
      if (!insert) {
        return insert.error();
      }
      insert->bind(1, message.sender)
          .bind(2, hash)
          .bind(3, static_cast<std::int64_t>(message.bytes.size()))
          .bind(4, message.envid)
          .bind(5, static_cast<std::int64_t>(message.ret))
          .bind(6, message.body_type)
          .bind(7, static_cast<std::int64_t>(message.smtputf8 ? 1 : 0))
          .bind(8, now);
      if (Status ran = insert->run(); !ran) {
        return ran.error();
      }
      id = db.last_insert_rowid();
    }
    for (const auto& recipient : message.recipients) {
      // Duplicates (same address twice in one transaction) are delivered once.
      auto insert = db.prepare(
          "INSERT INTO queue_recipients(message_id, address, orcpt, notify, next_attempt) "
          "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(message_id, address) DO NOTHING");
      if (!insert) {
        return insert.error();
      }
      insert->bind(1, id)
          .bind(2, recipient.address)
          .bind(3, recipient.orcpt)
          .bind(4, static_cast<std::int64_t>(recipient.notify))
          .bind(5, now);
      if (Status ran = insert->run(); !ran) {
        return ran.error();
      }
    }
    return id;
  });
}

Result<std::vector<QueuedMessage>> SqliteQueue::due(std::int64_t now, std::size_t limit) {
  return read<std::vector<QueuedMessage>>([&](Db& db) -> Result<std::vector<QueuedMessage>> {
    std::vector<QueueId> ids;
    {
      // A failed recipient owes a DSN now: it sorts as due at 0.
      auto stmt = db.prepare(
          "SELECT message_id, MIN(CASE WHEN state = 2 THEN 0 ELSE next_attempt END) AS due_at "
          "FROM queue_recipients WHERE (state = 0 AND next_attempt <= ?1) OR state = 2 "
          "GROUP BY message_id ORDER BY due_at, message_id LIMIT ?2");
      if (!stmt) {
        return stmt.error();
      }
      stmt->bind(1, now).bind(2, static_cast<std::int64_t>(limit));
      while (true) {
        auto row = stmt->step();
        if (!row) {
          return row.error();
        }
        if (!*row) {
          break;
        }
        ids.push_back(stmt->column_int(0));
      }
    }
    std::vector<QueuedMessage> messages;
    for (QueueId id : ids) {
      auto message = message_by_id(db, id);
      if (!message) {
        return message.error();
      }
      messages.push_back(std::move(*message));
    }
    return messages;
  });
}

Result<std::optional<std::int64_t>> SqliteQueue::next_due() {
  return read<std::optional<std::int64_t>>([&](Db& db) -> Result<std::optional<std::int64_t>> {
    auto stmt = db.prepare(
        "SELECT MIN(CASE WHEN state = 2 THEN 0 ELSE next_attempt END) FROM queue_recipients "
        "WHERE state IN (0, 2)");
    if (!stmt) {
      return stmt.error();
    }
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row || stmt->column_is_null(0)) {
      return std::optional<std::int64_t>{};
    }
    return std::optional<std::int64_t>{stmt->column_int(0)};
  });
}

Status SqliteQueue::update(QueueId id, const std::vector<RecipientUpdate>& updates) {
  const std::int64_t now = unix_now();
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    for (const RecipientUpdate& u : updates) {
      // COALESCE keeps a column when the update leaves it unset (bound as NULL).
      auto stmt = db.prepare(
          "UPDATE queue_recipients SET state = ?3, "
          "next_attempt = COALESCE(?4, next_attempt), "
          "attempts = attempts + ?5, "
          "last_attempt = CASE WHEN ?5 > 0 THEN ?6 ELSE last_attempt END, "
          "status = COALESCE(?7, status), last_error = COALESCE(?8, last_error), "
          "last_reply = COALESCE(?9, last_reply), remote_mta = COALESCE(?10, remote_mta), "
          "delay_warned = COALESCE(?11, delay_warned) "
          "WHERE id = ?1 AND message_id = ?2");
      if (!stmt) {
        return stmt.error();
      }
      stmt->bind(1, u.recipient_id).bind(2, id).bind(3, static_cast<std::int64_t>(u.state));
      if (u.next_attempt) {
        stmt->bind(4, *u.next_attempt);
      } else {
        stmt->bind_null(4);
      }
      stmt->bind(5, static_cast<std::int64_t>(u.attempted ? 1 : 0)).bind(6, now);
      auto bind_text = [&](int index, const std::optional<std::string>& value) {
        if (value) {
          stmt->bind(index, *value);
        } else {
          stmt->bind_null(index);
        }
      };
      bind_text(7, u.status);
      bind_text(8, u.last_error);
      bind_text(9, u.last_reply);
      bind_text(10, u.remote_mta);
      if (u.delay_warned) {
        stmt->bind(11, static_cast<std::int64_t>(*u.delay_warned ? 1 : 0));
      } else {
        stmt->bind_null(11);
      }
      if (Status ran = stmt->run(); !ran) {
        return ran;
      }
      if (db.changes() != 1) {
        return make_error(ErrorKind::not_found, "no recipient " + std::to_string(u.recipient_id) +
                                                    " in queued message " + std::to_string(id));
      }
    }
    auto open = db.prepare("SELECT COUNT(*) FROM queue_recipients WHERE message_id = ?1 AND state IN (0, 2)");
    if (!open) {
      return open.error();
    }
    open->bind(1, id);
    auto row = open->step();
    if (!row) {
      return row.error();
    }
    std::int64_t outstanding = open->column_int(0);
    if (auto done = open->step(); !done) {
      return done.error();
    }
    if (outstanding == 0) {
      return delete_message(context, id);
    }
    return ok_status();
  });
}

Result<std::string> SqliteQueue::read_body(const QueuedMessage& message) {
  return blobs_->read(message.blob_id, message.size);
}

Result<std::vector<QueuedMessage>> SqliteQueue::list() {
  return read<std::vector<QueuedMessage>>([&](Db& db) -> Result<std::vector<QueuedMessage>> {
    std::vector<QueuedMessage> messages;
    {
      std::string sql = std::string("SELECT ") + kMessageColumns + " FROM queue_messages ORDER BY id";
      auto stmt = db.prepare(sql.c_str());
      if (!stmt) {
        return stmt.error();
      }
      while (true) {
        auto row = stmt->step();
        if (!row) {
          return row.error();
        }
        if (!*row) {
          break;
        }
        messages.push_back(message_from_row(*stmt));
      }
    }
    for (QueuedMessage& message : messages) {
      if (Status filled = fill_recipients(db, message); !filled) {
        return filled.error();
      }
    }
    return messages;
  });
}

Result<QueuedMessage> SqliteQueue::get(QueueId id) {
  return read<QueuedMessage>([&](Db& db) { return message_by_id(db, id); });
}

Status SqliteQueue::retry_now(QueueId id) {
  const std::int64_t now = unix_now();
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto exists = db.prepare("SELECT 1 FROM queue_messages WHERE id = ?1");
    if (!exists) {
      return exists.error();
    }
    exists->bind(1, id);
    auto row = exists->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no queued message " + std::to_string(id));
    }
    return run_sql(db, "UPDATE queue_recipients SET next_attempt = ?2 WHERE message_id = ?1 AND state = 0", id, now);
  });
}

Status SqliteQueue::remove(QueueId id) {
  return write<Ok>({}, [&](WriteContext& context) -> Status { return delete_message(context, id); });
}

}  // namespace

Result<std::unique_ptr<QueueStore>> open_queue(const SqliteOptions& options) {
  if (options.data_dir.empty()) {
    return make_error(ErrorKind::permanent, "sqlite queue: data_dir is empty");
  }
  if (::mkdir(options.data_dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return make_error(ErrorKind::temporary, "mkdir " + options.data_dir + ": " + std::strerror(errno));
  }
  auto blobs = std::make_unique<BlobStore>(options.data_dir);
  if (Status ready = blobs->init(); !ready) {
    return ready.error();
  }
  std::string db_path = options.data_dir + "/postroom.db";
  auto writer = Db::open(db_path, kBusyTimeoutMs);
  if (!writer) {
    return writer.error();
  }
  if (Status migrated = migrate(**writer); !migrated) {
    return migrated.error();
  }
  auto committer = std::make_unique<GroupCommitter>(std::move(*writer), *blobs, options.group_commit_window_us);
  auto readers = std::make_unique<ReaderPool>(db_path, kBusyTimeoutMs, kMaxIdleReaders);
  return std::unique_ptr<QueueStore>(
      std::make_unique<SqliteQueue>(std::move(blobs), std::move(committer), std::move(readers)));
}

}  // namespace postroom::store::sqlite

namespace postroom::store {

Result<std::unique_ptr<QueueStore>> open_sqlite_queue(const SqliteOptions& options) {
  return sqlite::open_queue(options);
}

}  // namespace postroom::store
