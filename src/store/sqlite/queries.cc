#include "store/sqlite/queries.h"

#include <algorithm>
#include <ctime>
#include <string>

namespace postroom::store::sqlite {

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

Result<std::int64_t> domain_id(Db& db, std::string_view normalized_domain) {
  auto stmt = db.prepare("SELECT id FROM domains WHERE name = ?1");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, normalized_domain);
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such domain: " + std::string(normalized_domain));
  }
  return stmt->column_int(0);
}

Account account_from_row(const Stmt& stmt) {
  Account account;
  account.id = stmt.column_int(0);
  account.address = stmt.column_text(1);
  account.password_hash = stmt.column_text(2);
  account.quota_bytes = static_cast<std::uint64_t>(stmt.column_int(3));
  account.quota_messages = static_cast<std::uint64_t>(stmt.column_int(4));
  return account;
}

Result<Account> account_by_address(Db& db, std::string_view normalized_address) {
  auto stmt =
      db.prepare("SELECT id, address, password_hash, quota_bytes, quota_messages FROM accounts WHERE address = ?1");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, normalized_address);
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such account: " + std::string(normalized_address));
  }
  return account_from_row(*stmt);
}

Result<Account> account_by_id(Db& db, AccountId id) {
  auto stmt = db.prepare("SELECT id, address, password_hash, quota_bytes, quota_messages FROM accounts WHERE id = ?1");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, id);
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such account id " + std::to_string(id));
  }
  return account_from_row(*stmt);
}

Mailbox mailbox_from_row(const Stmt& stmt) {
  Mailbox mailbox;
  mailbox.id = stmt.column_int(0);
  mailbox.account = stmt.column_int(1);
  mailbox.name = stmt.column_text(2);
  mailbox.special_use = stmt.column_text(3);
  mailbox.uidvalidity = static_cast<std::uint32_t>(stmt.column_int(4));
  mailbox.uidnext = static_cast<Uid>(stmt.column_int(5));
  mailbox.highestmodseq = static_cast<ModSeq>(stmt.column_int(6));
  mailbox.messages = static_cast<std::uint32_t>(stmt.column_int(7));
  mailbox.bytes = static_cast<std::uint64_t>(stmt.column_int(8));
  mailbox.unseen = static_cast<std::uint32_t>(stmt.column_int(9));
  mailbox.deleted = static_cast<std::uint32_t>(stmt.column_int(10));
  mailbox.object_id = stmt.column_text(11);
  return mailbox;
}

Result<Mailbox> mailbox_by_id(Db& db, AccountId account, MailboxId mailbox) {
  auto stmt = db.prepare(
      "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages, bytes, "
      "unseen, deleted, object_id "
      "FROM mailboxes WHERE account_id = ?1 AND id = ?2");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, mailbox);
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such mailbox " + std::to_string(mailbox));
  }
  return mailbox_from_row(*stmt);
}

namespace {

// UIDVALIDITY must differ for every creation of a mailbox, even of a name deleted and made
// again (RFC 3501 2.3.1.1). Seconds since the epoch, bumped past the last value handed out,
// give that across restarts and clock steps backwards; the counter row is shared by every
// process on this database and only ever written under the write lock.
Result<std::uint32_t> next_uidvalidity(Db& db) {
  auto select = db.prepare("SELECT value FROM counters WHERE name = 'uidvalidity'");
  if (!select) {
    return select.error();
  }
  auto row = select->step();
  if (!row) {
    return row.error();
  }
  std::int64_t last = *row ? select->column_int(0) : 0;
  std::int64_t next = std::max(last + 1, unix_now());
  if (next > 0xffffffffLL) {
    return make_error(ErrorKind::permanent, "UIDVALIDITY space exhausted");
  }
  auto upsert = db.prepare(
      "INSERT INTO counters(name, value) VALUES('uidvalidity', ?1) "
      "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  if (!upsert) {
    return upsert.error();
  }
  upsert->bind(1, next);
  if (Status ran = upsert->run(); !ran) {
    return ran.error();
  }
  return static_cast<std::uint32_t>(next);
}

}  // namespace

Result<Mailbox> insert_mailbox(Db& db, AccountId account, const std::string& canonical_name,
                               std::string_view special_use) {
  auto uidvalidity = next_uidvalidity(db);
  if (!uidvalidity) {
    return uidvalidity.error();
  }
  // RFC 8474 MAILBOXID: random, so it is never reused for a later mailbox of the same name.
  auto stmt = db.prepare(
      "INSERT INTO mailboxes(account_id, name, special_use, uidvalidity, object_id) "
      "VALUES(?1, ?2, ?3, ?4, 'M' || lower(hex(randomblob(12)))) RETURNING object_id");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, canonical_name).bind(3, special_use).bind(4, static_cast<std::int64_t>(*uidvalidity));
  std::string object_id;
  if (auto row = stmt->step(); !row) {
    if (row.error().kind == ErrorKind::exists) {
      return make_error(ErrorKind::exists, "mailbox exists: " + canonical_name);
    }
    return row.error();
  } else {
    POSTROOM_CHECK(*row, "INSERT RETURNING gave no row");
    object_id = stmt->column_text(0);
  }
  if (Status ran = stmt->run(); !ran) {
    return ran.error();
  }
  Mailbox mailbox;
  mailbox.id = db.last_insert_rowid();
  mailbox.account = account;
  mailbox.name = canonical_name;
  mailbox.special_use = std::string(special_use);
  mailbox.uidvalidity = *uidvalidity;
  mailbox.object_id = std::move(object_id);
  return mailbox;
}

Result<ModSeq> account_modseq(Db& db, AccountId account) {
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
}

Result<ModSeq> next_modseq(Db& db, AccountId account) {
  return next_modseqs(db, account, 1);
}

Result<ModSeq> next_modseqs(Db& db, AccountId account, std::uint64_t count) {
  POSTROOM_CHECK(count > 0, "no modseqs asked for");
  auto stmt = db.prepare("UPDATE accounts SET modseq = modseq + ?2 WHERE id = ?1 RETURNING modseq");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, static_cast<std::int64_t>(count));
  auto row = stmt->step();
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return make_error(ErrorKind::not_found, "no such account id " + std::to_string(account));
  }
  auto modseq = static_cast<ModSeq>(stmt->column_int(0)) - (count - 1);
  // Drain so the UPDATE completes before the statement is reset.
  if (auto done = stmt->step(); !done) {
    return done.error();
  }
  return modseq;
}

Status record_change(Db& db, AccountId account, ModSeq modseq, MailboxId mailbox, Uid uid, ChangeKind kind) {
  auto erase = db.prepare("DELETE FROM changes WHERE account_id = ?1 AND mailbox_id = ?2 AND uid = ?3");
  if (!erase) {
    return erase.error();
  }
  erase->bind(1, account).bind(2, mailbox).bind(3, static_cast<std::int64_t>(uid));
  if (Status ran = erase->run(); !ran) {
    return ran;
  }
  auto insert = db.prepare("INSERT INTO changes(account_id, modseq, mailbox_id, uid, kind) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, account)
      .bind(2, static_cast<std::int64_t>(modseq))
      .bind(3, mailbox)
      .bind(4, static_cast<std::int64_t>(uid))
      .bind(5, static_cast<std::int64_t>(kind));
  return insert->run();
}

std::string join_flags(const std::vector<std::string>& flags) {
  std::vector<std::string_view> seen;
  std::string joined;
  for (const std::string& flag : flags) {
    if (std::find(seen.begin(), seen.end(), flag) != seen.end()) {
      continue;
    }
    seen.push_back(flag);
    if (!joined.empty()) {
      joined += ' ';
    }
    joined += flag;
  }
  return joined;
}

std::vector<std::string> split_flags(std::string_view stored) {
  std::vector<std::string> flags;
  while (!stored.empty()) {
    std::size_t space = stored.find(' ');
    std::string_view flag = stored.substr(0, space);
    if (!flag.empty()) {
      flags.emplace_back(flag);
    }
    if (space == std::string_view::npos) {
      break;
    }
    stored.remove_prefix(space + 1);
  }
  return flags;
}

}  // namespace postroom::store::sqlite
