// SQL helpers shared by the SqliteStore method files. Each runs on the connection it is given
// and inside the caller's transaction (read snapshot or write savepoint); none commits.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "base/result.h"
#include "store/sqlite/db.h"
#include "store/types.h"

namespace postroom::store::sqlite {

// Seconds since the epoch.
std::int64_t unix_now();

Result<std::int64_t> domain_id(Db& db, std::string_view normalized_domain);

// Columns: id, address, password_hash, quota_bytes, quota_messages.
Account account_from_row(const Stmt& stmt);
Result<Account> account_by_address(Db& db, std::string_view normalized_address);
Result<Account> account_by_id(Db& db, AccountId id);

// Columns: id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages,
// bytes, unseen, deleted, object_id.
Mailbox mailbox_from_row(const Stmt& stmt);
Result<Mailbox> mailbox_by_id(Db& db, AccountId account, MailboxId mailbox);

// Inserts a mailbox with a fresh UIDVALIDITY. ErrorKind::exists if the name is taken.
Result<Mailbox> insert_mailbox(Db& db, AccountId account, const std::string& canonical_name,
                               std::string_view special_use);

// The account's highest modseq handed out so far.
Result<ModSeq> account_modseq(Db& db, AccountId account);
// Hands out the account's next modseq (and stores it as the account's highest).
Result<ModSeq> next_modseq(Db& db, AccountId account);
// Hands out `count` (> 0) consecutive modseqs in one update; returns the first. For the
// batch writers (expunge, copy), which still give every message its own modseq.
Result<ModSeq> next_modseqs(Db& db, AccountId account, std::uint64_t count);
// Appends to the change log, replacing the message's previous entry (see schema step 2).
Status record_change(Db& db, AccountId account, ModSeq modseq, MailboxId mailbox, Uid uid, ChangeKind kind);

// Runs one statement without results, binding integer arguments to ?1, ?2, ...
template <typename... Ints>
Status run_sql(Db& db, const char* sql, Ints... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) {
    return stmt.error();
  }
  int index = 1;
  (stmt->bind(index++, static_cast<std::int64_t>(args)), ...);
  return stmt->run();
}

// run_sql with text arguments too: each argument binds as std::string_view if it converts to
// one, else as an integer.
template <typename... Args>
Status run_sql_text(Db& db, const char* sql, const Args&... args) {
  auto stmt = db.prepare(sql);
  if (!stmt) {
    return stmt.error();
  }
  int index = 1;
  auto bind_one = [&](const auto& arg) {
    if constexpr (std::is_convertible_v<decltype(arg), std::string_view>) {
      stmt->bind(index++, std::string_view(arg));
    } else {
      stmt->bind(index++, static_cast<std::int64_t>(arg));
    }
  };
  (bind_one(args), ...);
  return stmt->run();
}

// Flags as stored: space-separated, duplicates dropped, order kept.
std::string join_flags(const std::vector<std::string>& flags);
std::vector<std::string> split_flags(std::string_view stored);

}  // namespace postroom::store::sqlite
