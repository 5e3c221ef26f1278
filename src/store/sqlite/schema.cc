#include "store/sqlite/schema.h"

#include <iterator>
#include <string>

namespace postroom::store::sqlite {
namespace {

// Append-only: never edit a step that has shipped; add a new one.
// Every per-account table's key starts with account_id (DESIGN.md §3) so data can be sharded
// by account later.
constexpr const char* kMigrations[] = {
    // 1: core tables.
    R"sql(
CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- lower-case
);
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE,        -- lower-case local@domain
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  password_hash TEXT NOT NULL,
  quota_bytes INTEGER NOT NULL DEFAULT 0,     -- 0 = unlimited
  quota_messages INTEGER NOT NULL DEFAULT 0,  -- 0 = unlimited
  modseq INTEGER NOT NULL DEFAULT 0,          -- highest modseq handed out for this account
  usage_bytes INTEGER NOT NULL DEFAULT 0,     -- maintained in the same transaction as messages
  usage_messages INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounts_by_domain ON accounts(domain_id);
CREATE TABLE aliases (
  source TEXT PRIMARY KEY,             -- lower-case alias address
  domain_id INTEGER NOT NULL REFERENCES domains(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX aliases_by_domain ON aliases(domain_id);
CREATE INDEX aliases_by_account ON aliases(account_id);
CREATE TABLE mailboxes (
  id INTEGER PRIMARY KEY,              -- unique across accounts, so a mismatched pair is not_found
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  special_use TEXT NOT NULL DEFAULT '',
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL DEFAULT 1,
  highestmodseq INTEGER NOT NULL DEFAULT 0,
  messages INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, name),
  UNIQUE (account_id, id)
);
CREATE TABLE messages (
  account_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  modseq INTEGER NOT NULL,
  internal_date INTEGER NOT NULL,
  save_date INTEGER NOT NULL,
  size INTEGER NOT NULL,
  blob_id TEXT NOT NULL REFERENCES blobs(blob_id),
  flags TEXT NOT NULL DEFAULT '',      -- space-separated
  envelope TEXT NOT NULL DEFAULT '',
  bodystructure TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, mailbox_id, uid),
  FOREIGN KEY (account_id, mailbox_id) REFERENCES mailboxes(account_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
-- One row per distinct body; refcount = number of messages rows naming it. A row whose count
-- reaches 0 is deleted and its file removed by the committer's GC step.
CREATE TABLE blobs (
  blob_id TEXT PRIMARY KEY,            -- lower-case hex SHA-256
  size INTEGER NOT NULL,
  refcount INTEGER NOT NULL
) WITHOUT ROWID;
-- Process-wide counters (the UIDVALIDITY source).
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: the per-account change log. Each row has its own modseq; a message keeps only its
    // latest row (an expunge replaces "added"/"flags" with the tombstone), which bounds the
    // log to live messages plus tombstones.
    R"sql(
CREATE TABLE changes (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  modseq INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  uid INTEGER NOT NULL,
  kind INTEGER NOT NULL,               -- 0 added, 1 flags, 2 expunged
  PRIMARY KEY (account_id, modseq)
) WITHOUT ROWID;
CREATE INDEX changes_by_message ON changes(account_id, mailbox_id, uid);
)sql",
    // 3: delete_account releases blob references grouped by blob.
    R"sql(
CREATE INDEX messages_by_blob ON messages(account_id, blob_id);
)sql",
    // 4: the outbound queue (store/queue.h). Not per account: a queued message belongs to
    // the server. Each queued message holds one reference in blobs.refcount, so blob GC
    // never removes a queued body.
    R"sql(
CREATE TABLE queue_messages (
  id INTEGER PRIMARY KEY,
  sender TEXT NOT NULL,                -- reverse-path without <>, '' = null (a bounce)
  blob_id TEXT NOT NULL REFERENCES blobs(blob_id),
  size INTEGER NOT NULL,
  envid TEXT NOT NULL DEFAULT '',      -- RFC 3461 ENVID
  ret INTEGER NOT NULL DEFAULT 0,      -- 0 unspecified, 1 FULL, 2 HDRS
  body_type TEXT NOT NULL DEFAULT '',  -- MAIL BODY= value
  smtputf8 INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL
);
CREATE TABLE queue_recipients (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
  address TEXT NOT NULL,
  orcpt TEXT NOT NULL DEFAULT '',
  notify INTEGER NOT NULL DEFAULT 0,   -- bits: 1 SUCCESS, 2 FAILURE, 4 DELAY, 8 NEVER
  state INTEGER NOT NULL DEFAULT 0,    -- 0 pending, 1 delivered, 2 failed (DSN owed), 3 bounced
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_attempt INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT '',     -- RFC 3463 code of the last result
  last_error TEXT NOT NULL DEFAULT '',
  last_reply TEXT NOT NULL DEFAULT '',
  remote_mta TEXT NOT NULL DEFAULT '',
  delay_warned INTEGER NOT NULL DEFAULT 0,
  UNIQUE (message_id, address)
);
CREATE INDEX queue_recipients_by_state ON queue_recipients(state, next_attempt);
)sql",
    // 5: what the IMAP server needs. Mailbox counters (unseen, deleted) maintained with the
    // messages; RFC 8474 MAILBOXID; keyword counts; subscriptions; indexes for CONDSTORE /
    // QRESYNC reads; the full-text index (FTS5 trigram, one document per distinct body per
    // account; README.md "Full-text search"). Existing messages are indexed at open.
    R"sql(
ALTER TABLE mailboxes ADD COLUMN unseen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN object_id TEXT NOT NULL DEFAULT '';
UPDATE mailboxes SET object_id = 'M' || lower(hex(randomblob(12)));
UPDATE mailboxes SET
  unseen = (SELECT count(*) FROM messages m WHERE m.account_id = mailboxes.account_id
            AND m.mailbox_id = mailboxes.id AND instr(lower(' ' || m.flags || ' '), ' \seen ') = 0),
  deleted = (SELECT count(*) FROM messages m WHERE m.account_id = mailboxes.account_id
             AND m.mailbox_id = mailboxes.id AND instr(lower(' ' || m.flags || ' '), ' \deleted ') > 0);
CREATE INDEX messages_by_modseq ON messages(account_id, mailbox_id, modseq);
CREATE INDEX changes_by_mailbox ON changes(account_id, mailbox_id, modseq);
-- How many messages of a mailbox carry each keyword (flags without a backslash); rows at 0
-- are deleted. The keyword is stored in ASCII lower case; `spelling` is the first one seen.
CREATE TABLE mailbox_keywords (
  account_id INTEGER NOT NULL,
  mailbox_id INTEGER NOT NULL,
  keyword TEXT NOT NULL,
  spelling TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (account_id, mailbox_id, keyword),
  FOREIGN KEY (account_id, mailbox_id) REFERENCES mailboxes(account_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE subscriptions (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
-- One search document per (account, distinct body); search_fts.rowid = docid.
CREATE TABLE search_docs (
  docid INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  blob_id TEXT NOT NULL,
  UNIQUE (account_id, blob_id)
);
CREATE VIRTUAL TABLE search_fts USING fts5(
  hfrom, hto, hcc, hbcc, subject, headers, body,
  tokenize = 'trigram'
);
)sql",
    // 6: the modseq index also carries the flags, so the state of a whole mailbox (UID,
    // modseq, flags — what an IMAP snapshot holds) is read from the index alone, without
    // touching the wide message rows. Flag changes always change the modseq, so the index
    // entry was rewritten on every flag change already: no extra write cost.
    R"sql(
DROP INDEX messages_by_modseq;
CREATE INDEX messages_by_modseq ON messages(account_id, mailbox_id, modseq, flags);
)sql",
    // 7: search documents waiting for removal. Deleting an FTS row costs as much as writing
    // it, so an expunge (or delete_account) only queues the document here and the idle
    // indexer removes it (search_index.h). Until then the search_docs row stays too, so its
    // docid is never reused while an FTS row exists under it; a new queued docid is also
    // above every docid here (delete_account drops its search_docs rows at once). A work
    // queue of the whole store, keyed like search_fts by docid; `size` (body octets) bounds
    // the idle units.
    R"sql(
CREATE TABLE search_unindex (
  docid INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL,
  size INTEGER NOT NULL
);
)sql",
    // 8: deleting a blobs row makes SQLite check every table whose foreign key names it
    // (messages.blob_id, queue_messages.blob_id) for a remaining child. With no index led by
    // blob_id that check read the whole messages table: each message removed for good cost a
    // scan of the store (10 ms per message with 100k messages stored; POP3 QUIT of 1000
    // deletions took seconds). The account/blob index now leads with blob_id (every query
    // that used it binds both columns), and the queue gets its own.
    R"sql(
DROP INDEX messages_by_blob;
CREATE INDEX messages_by_blob ON messages(blob_id, account_id);
CREATE INDEX queue_messages_by_blob ON queue_messages(blob_id);
)sql",
    // 9: SEARCH FROM/TO/CC/BCC/SUBJECT in a small mailbox reads every message's field. From
    // FTS5's content table that is one row per message whose local part is a leaf page of its
    // own (the headers and the start of the body fill it): a 500-message mailbox touched ~500
    // pages per SEARCH, and with 32 reader connections' caches most of them were preads. The
    // five short fields now also live in a narrow table (tens of rows per page), written and
    // removed with the FTS row, and the mailbox's (UID, body) pairs come from an index
    // instead of the wide message rows (envelope and bodystructure inline).
    R"sql(
CREATE TABLE search_heads (
  docid INTEGER PRIMARY KEY,
  hfrom TEXT NOT NULL,
  hto TEXT NOT NULL,
  hcc TEXT NOT NULL,
  hbcc TEXT NOT NULL,
  subject TEXT NOT NULL
);
INSERT INTO search_heads(docid, hfrom, hto, hcc, hbcc, subject)
  SELECT id, coalesce(c0, ''), coalesce(c1, ''), coalesce(c2, ''), coalesce(c3, ''), coalesce(c4, '')
  FROM search_fts_content;
CREATE INDEX messages_by_mailbox_blob ON messages(account_id, mailbox_id, blob_id);
)sql",
};

constexpr int kLatest = static_cast<int>(std::size(kMigrations));

Status apply_step(Db& db, int step) {
  if (Status begin = db.exec("BEGIN IMMEDIATE"); !begin) {
    return begin;
  }
  auto current = schema_version(db);
  if (!current) {
    db.exec_or_log("ROLLBACK");
    return current.error();
  }
  if (*current > step) {
    // Another process applied it while we waited for the lock.
    return db.exec("COMMIT");
  }
  Status body = db.exec(kMigrations[step]);
  if (body) {
    std::string set_version = "PRAGMA user_version=" + std::to_string(step + 1);
    body = db.exec(set_version.c_str());
  }
  if (!body) {
    db.exec_or_log("ROLLBACK");
    return body;
  }
  return db.exec("COMMIT");
}

}  // namespace

int latest_schema_version() {
  return kLatest;
}

Result<int> schema_version(Db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) {
    return stmt.error();
  }
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  return static_cast<int>(stmt->column_int(0));
}

Status migrate(Db& db, int target) {
  if (target < 0) {
    target = kLatest;
  }
  POSTROOM_CHECK(target <= kLatest, "migration target beyond the known steps");
  auto current = schema_version(db);
  if (!current) {
    return current.error();
  }
  if (*current > kLatest) {
    return make_error(ErrorKind::permanent, "database schema version " + std::to_string(*current) +
                                                " is newer than this binary's " + std::to_string(kLatest));
  }
  for (int step = *current; step < target; ++step) {
    if (Status applied = apply_step(db, step); !applied) {
      return applied;
    }
  }
  return ok_status();
}

}  // namespace postroom::store::sqlite
