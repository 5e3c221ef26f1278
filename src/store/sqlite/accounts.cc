// Accounts, aliases and quota.
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/message_rows.h"
#include "store/sqlite/names.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

// Reads every row of a prepared account query.
Result<std::vector<Account>> collect_accounts(Stmt& stmt) {
  std::vector<Account> accounts;
  while (true) {
    auto row = stmt.step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return accounts;
    }
    accounts.push_back(account_from_row(stmt));
  }
}

// Drops one account's references to blobs; blobs left with none are deleted from the table
// and handed to the committer's GC (which removes the files after the commit).
Status release_account_blobs(WriteContext& context, AccountId account) {
  Db& db = context.db();
  std::vector<std::pair<std::string, std::int64_t>> references;
  {
    auto stmt = db.prepare("SELECT blob_id, count(*) FROM messages WHERE account_id = ?1 GROUP BY blob_id");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account);
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        break;
      }
      references.emplace_back(stmt->column_text(0), stmt->column_int(1));
    }
  }
  // Messages go first: their foreign key would stop the blob rows from being deleted.
  if (Status erased = run_sql(db, "DELETE FROM messages WHERE account_id = ?1", account); !erased) {
    return erased;
  }
  for (const auto& [blob_id, count] : references) {
    if (Status released = release_blob_references(context, blob_id, count); !released) {
      return released;
    }
  }
  return ok_status();
}

}  // namespace

Result<Account> SqliteStore::add_account(std::string_view address, std::string_view password_hash) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    return normalized.error();
  }
  return write<Account>({}, [&](WriteContext& context) -> Result<Account> {
    Db& db = context.db();
    auto domain = domain_id(db, normalized->domain);
    if (!domain) {
      return domain.error();
    }
    auto alias = db.prepare("SELECT 1 FROM aliases WHERE source = ?1");
    if (!alias) {
      return alias.error();
    }
    alias->bind(1, normalized->address);
    auto alias_row = alias->step();
    if (!alias_row) {
      return alias_row.error();
    }
    if (*alias_row) {
      return make_error(ErrorKind::exists, "address is an alias: " + normalized->address);
    }
    // modseq starts at 1, so every change gets 2 or more: IMAP reports an empty mailbox's
    // HIGHESTMODSEQ as 1 (RFC 7162 §7 forbids 0 there) and still misses no change.
    auto insert = db.prepare("INSERT INTO accounts(address, domain_id, password_hash, modseq) VALUES(?1, ?2, ?3, 1)");
    if (!insert) {
      return insert.error();
    }
    insert->bind(1, normalized->address).bind(2, *domain).bind(3, password_hash);
    if (Status ran = insert->run(); !ran) {
      if (ran.error().kind == ErrorKind::exists) {
        return make_error(ErrorKind::exists, "account exists: " + normalized->address);
      }
      return ran.error();
    }
    Account account;
    account.id = db.last_insert_rowid();
    account.address = normalized->address;
    account.password_hash = std::string(password_hash);
    for (const DefaultMailbox& mailbox : kDefaultMailboxes) {
      auto made = insert_mailbox(db, account.id, mailbox.name, mailbox.special_use);
      if (!made) {
        return made.error();
      }
    }
    return account;
  });
}

Result<Account> SqliteStore::find_account(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    // An unparsable address names no account.
    return make_error(ErrorKind::not_found, normalized.error().detail);
  }
  return read<Account>([&](Db& db) { return account_by_address(db, normalized->address); });
}

Result<Account> SqliteStore::get_account(AccountId id) {
  return read<Account>([&](Db& db) { return account_by_id(db, id); });
}

Result<std::vector<Account>> SqliteStore::list_accounts(std::string_view domain) {
  std::string normalized;
  if (!domain.empty()) {
    auto checked = normalize_domain(domain);
    if (!checked) {
      return checked.error();
    }
    normalized = std::move(*checked);
  }
  return read<std::vector<Account>>([&](Db& db) -> Result<std::vector<Account>> {
    if (normalized.empty()) {
      auto stmt =
          db.prepare("SELECT id, address, password_hash, quota_bytes, quota_messages FROM accounts ORDER BY address");
      if (!stmt) {
        return stmt.error();
      }
      return collect_accounts(*stmt);
    }
    auto id = domain_id(db, normalized);
    if (!id) {
      return id.error();
    }
    auto stmt = db.prepare(
        "SELECT id, address, password_hash, quota_bytes, quota_messages FROM accounts "
        "WHERE domain_id = ?1 ORDER BY address");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, *id);
    return collect_accounts(*stmt);
  });
}

Status SqliteStore::set_password(std::string_view address, std::string_view password_hash) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    return normalized.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto stmt = db.prepare("UPDATE accounts SET password_hash = ?2 WHERE address = ?1");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, normalized->address).bind(2, password_hash);
    if (Status ran = stmt->run(); !ran) {
      return ran;
    }
    if (db.changes() == 0) {
      return make_error(ErrorKind::not_found, "no such account: " + normalized->address);
    }
    return ok_status();
  });
}

Status SqliteStore::delete_account(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    return normalized.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto account = account_by_address(db, normalized->address);
    if (!account) {
      return account.error();
    }
    // The FTS rows go later, in the idle indexer's units (search_index.h): deleting them here
    // would hold the write lock for as long as indexing the whole account took. Queued
    // before the blobs rows (their sizes bound the units) and the search_docs rows go.
    if (Status queued = run_sql(db,
                                "INSERT OR IGNORE INTO search_unindex(docid, account_id, size) "
                                "SELECT d.docid, d.account_id, coalesce(b.size, 0) FROM search_docs d "
                                "LEFT JOIN blobs b ON b.blob_id = d.blob_id WHERE d.account_id = ?1",
                                account->id);
        !queued) {
      return queued;
    }
    if (Status released = release_account_blobs(context, account->id); !released) {
      return released;
    }
    for (const char* sql :
         {"DELETE FROM search_docs WHERE account_id = ?1", "DELETE FROM mailbox_keywords WHERE account_id = ?1",
          "DELETE FROM subscriptions WHERE account_id = ?1", "DELETE FROM changes WHERE account_id = ?1",
          "DELETE FROM mailboxes WHERE account_id = ?1", "DELETE FROM aliases WHERE account_id = ?1",
          "DELETE FROM accounts WHERE id = ?1"}) {
      if (Status erased = run_sql(db, sql, account->id); !erased) {
        return erased;
      }
    }
    return ok_status();
  });
}

Status SqliteStore::add_alias(std::string_view source, std::string_view target) {
  auto normalized_source = normalize_address(source);
  if (!normalized_source) {
    return normalized_source.error();
  }
  auto normalized_target = normalize_address(target);
  if (!normalized_target) {
    return normalized_target.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto domain = domain_id(db, normalized_source->domain);
    if (!domain) {
      return domain.error();
    }
    auto account = account_by_address(db, normalized_target->address);
    if (!account) {
      return account.error();
    }
    if (auto shadowed = account_by_address(db, normalized_source->address); shadowed) {
      return make_error(ErrorKind::exists, "address is an account: " + normalized_source->address);
    }
    auto insert = db.prepare("INSERT INTO aliases(source, domain_id, account_id) VALUES(?1, ?2, ?3)");
    if (!insert) {
      return insert.error();
    }
    insert->bind(1, normalized_source->address).bind(2, *domain).bind(3, account->id);
    if (Status ran = insert->run(); !ran) {
      if (ran.error().kind == ErrorKind::exists) {
        return make_error(ErrorKind::exists, "alias exists: " + normalized_source->address);
      }
      return ran;
    }
    return ok_status();
  });
}

Status SqliteStore::delete_alias(std::string_view source) {
  auto normalized = normalize_address(source);
  if (!normalized) {
    return normalized.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto stmt = db.prepare("DELETE FROM aliases WHERE source = ?1");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, normalized->address);
    if (Status ran = stmt->run(); !ran) {
      return ran;
    }
    if (db.changes() == 0) {
      return make_error(ErrorKind::not_found, "no such alias: " + normalized->address);
    }
    return ok_status();
  });
}

Result<std::vector<Alias>> SqliteStore::list_aliases(std::string_view domain) {
  std::string normalized;
  if (!domain.empty()) {
    auto checked = normalize_domain(domain);
    if (!checked) {
      return checked.error();
    }
    normalized = std::move(*checked);
  }
  return read<std::vector<Alias>>([&](Db& db) -> Result<std::vector<Alias>> {
    std::int64_t id = 0;
    if (!normalized.empty()) {
      auto found = domain_id(db, normalized);
      if (!found) {
        return found.error();
      }
      id = *found;
    }
    // ?1 = 0 means every domain (domain ids start at 1).
    auto stmt = db.prepare(
        "SELECT aliases.source, accounts.address FROM aliases JOIN accounts ON accounts.id = aliases.account_id "
        "WHERE ?1 = 0 OR aliases.domain_id = ?1 ORDER BY aliases.source");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, id);
    std::vector<Alias> aliases;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return aliases;
      }
      aliases.push_back(Alias{stmt->column_text(0), stmt->column_text(1)});
    }
  });
}

Result<Account> SqliteStore::resolve_recipient(std::string_view address) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    return make_error(ErrorKind::not_found, normalized.error().detail);
  }
  return read<Account>([&](Db& db) -> Result<Account> {
    auto direct = account_by_address(db, normalized->address);
    if (direct || direct.error().kind != ErrorKind::not_found) {
      return direct;
    }
    auto stmt = db.prepare("SELECT account_id FROM aliases WHERE source = ?1");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, normalized->address);
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no such recipient: " + normalized->address);
    }
    return account_by_id(db, stmt->column_int(0));
  });
}

Status SqliteStore::set_quota(std::string_view address, std::uint64_t bytes, std::uint64_t messages) {
  auto normalized = normalize_address(address);
  if (!normalized) {
    return normalized.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto stmt = db.prepare("UPDATE accounts SET quota_bytes = ?2, quota_messages = ?3 WHERE address = ?1");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, normalized->address)
        .bind(2, static_cast<std::int64_t>(bytes))
        .bind(3, static_cast<std::int64_t>(messages));
    if (Status ran = stmt->run(); !ran) {
      return ran;
    }
    if (db.changes() == 0) {
      return make_error(ErrorKind::not_found, "no such account: " + normalized->address);
    }
    return ok_status();
  });
}

Result<Usage> SqliteStore::usage(AccountId account) {
  return read<Usage>([&](Db& db) -> Result<Usage> {
    auto stmt = db.prepare("SELECT usage_bytes, usage_messages FROM accounts WHERE id = ?1");
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
    return Usage{static_cast<std::uint64_t>(stmt->column_int(0)), static_cast<std::uint64_t>(stmt->column_int(1))};
  });
}

}  // namespace postroom::store::sqlite
