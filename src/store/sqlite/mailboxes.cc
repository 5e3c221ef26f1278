// Mailboxes.
#include <string>
#include <vector>

#include "store/sqlite/names.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {
namespace {

Status require_account(Db& db, AccountId account) {
  auto found = account_by_id(db, account);
  if (!found) {
    return found.error();
  }
  return ok_status();
}

bool valid_special_use(std::string_view special_use) {
  if (special_use.empty()) {
    return true;
  }
  // RFC 6154 attributes are "\" atom; anything with spaces would break IMAP LIST output.
  if (special_use.front() != '\\' || special_use.size() < 2 || special_use.size() > 64) {
    return false;
  }
  for (char c : special_use.substr(1)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<Mailbox>> SqliteStore::list_mailboxes(AccountId account) {
  return read<std::vector<Mailbox>>([&](Db& db) -> Result<std::vector<Mailbox>> {
    if (Status exists = require_account(db, account); !exists) {
      return exists.error();
    }
    auto stmt = db.prepare(
        "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages, bytes "
        "FROM mailboxes WHERE account_id = ?1 ORDER BY name = 'INBOX' DESC, name");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account);
    std::vector<Mailbox> mailboxes;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return mailboxes;
      }
      mailboxes.push_back(mailbox_from_row(*stmt));
    }
  });
}

Result<Mailbox> SqliteStore::find_mailbox(AccountId account, std::string_view name) {
  auto canonical = normalize_mailbox_name(name);
  if (!canonical) {
    return make_error(ErrorKind::not_found, canonical.error().detail);
  }
  return read<Mailbox>([&](Db& db) -> Result<Mailbox> {
    auto stmt = db.prepare(
        "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages, bytes "
        "FROM mailboxes WHERE account_id = ?1 AND name = ?2");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, *canonical);
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return make_error(ErrorKind::not_found, "no such mailbox: " + *canonical);
    }
    return mailbox_from_row(*stmt);
  });
}

Result<Mailbox> SqliteStore::create_mailbox(AccountId account, std::string_view name, std::string_view special_use) {
  auto canonical = normalize_mailbox_name(name);
  if (!canonical) {
    return canonical.error();
  }
  if (!valid_special_use(special_use)) {
    return make_error(ErrorKind::bad_syntax, "invalid special-use attribute");
  }
  return write<Mailbox>({}, [&](WriteContext& context) -> Result<Mailbox> {
    Db& db = context.db();
    if (Status exists = require_account(db, account); !exists) {
      return exists.error();
    }
    return insert_mailbox(db, account, *canonical, special_use);
  });
}

}  // namespace postroom::store::sqlite
