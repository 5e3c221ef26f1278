// Mailboxes.
#include <string>
#include <vector>

#include "store/sqlite/message_rows.h"
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
        "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages, bytes, "
        "unseen, deleted, object_id "
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
        "SELECT id, account_id, name, special_use, uidvalidity, uidnext, highestmodseq, messages, bytes, "
        "unseen, deleted, object_id "
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

namespace {

Result<bool> mailbox_name_exists(Db& db, AccountId account, const std::string& canonical) {
  auto stmt = db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ?1 AND name = ?2");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, canonical);
  return stmt->step();
}

// Creates every missing superior name of `canonical` ("a", "a/b" for "a/b/c").
Status create_parents(Db& db, AccountId account, const std::string& canonical) {
  for (std::size_t slash = canonical.find('/'); slash != std::string::npos; slash = canonical.find('/', slash + 1)) {
    auto parent = normalize_mailbox_name(canonical.substr(0, slash));
    if (!parent) {
      return parent.error();
    }
    auto exists = mailbox_name_exists(db, account, *parent);
    if (!exists) {
      return exists.error();
    }
    if (*exists) {
      continue;
    }
    if (auto made = insert_mailbox(db, account, *parent, ""); !made) {
      return made.error();
    }
  }
  return ok_status();
}

Result<std::vector<Uid>> all_uids(Db& db, AccountId account, MailboxId mailbox) {
  auto stmt = db.prepare("SELECT uid FROM messages WHERE account_id = ?1 AND mailbox_id = ?2 ORDER BY uid");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, mailbox);
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
}

// Names equal to `root` or below it ("root/..."), with their ids.
Result<std::vector<std::pair<MailboxId, std::string>>> subtree(Db& db, AccountId account, const std::string& root) {
  auto stmt = db.prepare(
      "SELECT id, name FROM mailboxes WHERE account_id = ?1 AND (name = ?2 OR substr(name, 1, length(?2) + 1) = ?2 || "
      "'/') "
      "ORDER BY name");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, root);
  std::vector<std::pair<MailboxId, std::string>> found;
  while (true) {
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return found;
    }
    found.emplace_back(stmt->column_int(0), stmt->column_text(1));
  }
}

Result<std::vector<std::string>> subscribed_subtree(Db& db, AccountId account, const std::string& root) {
  auto stmt = db.prepare(
      "SELECT name FROM subscriptions WHERE account_id = ?1 AND (name = ?2 OR substr(name, 1, length(?2) + 1) = ?2 || "
      "'/')");
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, root);
  std::vector<std::string> names;
  while (true) {
    auto row = stmt->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return names;
    }
    names.push_back(stmt->column_text(0));
  }
}

Status set_name(Db& db, const char* sql, AccountId account, const std::string& a, const std::string& b) {
  auto stmt = db.prepare(sql);
  if (!stmt) {
    return stmt.error();
  }
  stmt->bind(1, account).bind(2, a).bind(3, b);
  return stmt->run();
}

}  // namespace

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
    auto made = insert_mailbox(db, account, *canonical, special_use);
    if (!made) {
      return made.error();
    }
    if (Status parents = create_parents(db, account, *canonical); !parents) {
      return parents.error();
    }
    return made;
  });
}

Result<Mailbox> SqliteStore::get_mailbox(AccountId account, MailboxId mailbox) {
  return read<Mailbox>([&](Db& db) -> Result<Mailbox> { return mailbox_by_id(db, account, mailbox); });
}

Status SqliteStore::delete_mailbox(AccountId account, MailboxId mailbox) {
  auto done = write<bool>({}, [&](WriteContext& context) -> Result<bool> {
    Db& db = context.db();
    auto found = mailbox_by_id(db, account, mailbox);
    if (!found) {
      return found.error();
    }
    if (found->name == "INBOX") {
      return make_error(ErrorKind::permanent, "INBOX cannot be deleted");
    }
    auto uids = all_uids(db, account, mailbox);
    if (!uids) {
      return uids.error();
    }
    if (auto removed = expunge_rows(context, account, mailbox, *uids); !removed) {
      return removed.error();
    }
    if (Status erased = run_sql(db, "DELETE FROM mailboxes WHERE account_id = ?1 AND id = ?2", account, mailbox);
        !erased) {
      return erased.error();
    }
    return true;
  });
  if (!done) {
    return done.error();
  }
  return ok_status();
}

Result<Mailbox> SqliteStore::rename_mailbox(AccountId account, MailboxId mailbox, std::string_view new_name) {
  auto target = normalize_mailbox_name(new_name);
  if (!target) {
    return target.error();
  }
  return write<Mailbox>({}, [&](WriteContext& context) -> Result<Mailbox> {
    Db& db = context.db();
    auto found = mailbox_by_id(db, account, mailbox);
    if (!found) {
      return found.error();
    }
    const std::string old_name = found->name;
    auto taken = mailbox_name_exists(db, account, *target);
    if (!taken) {
      return taken.error();
    }
    if (*taken) {
      return make_error(ErrorKind::exists, "mailbox exists: " + *target);
    }
    if (old_name == "INBOX") {
      // RFC 9051 §6.3.6: a new mailbox receives every INBOX message; INBOX stays, empty, and
      // its children keep their names.
      auto made = insert_mailbox(db, account, *target, "");
      if (!made) {
        return made.error();
      }
      if (Status parents = create_parents(db, account, *target); !parents) {
        return parents.error();
      }
      auto uids = all_uids(db, account, mailbox);
      if (!uids) {
        return uids.error();
      }
      auto copied = copy_rows(context, account, mailbox, *uids, made->id, /*quota=*/false);
      if (!copied) {
        return copied.error();
      }
      if (auto removed = expunge_rows(context, account, mailbox, *uids); !removed) {
        return removed.error();
      }
      return mailbox_by_id(db, account, made->id);
    }
    if (target->size() > old_name.size() && target->compare(0, old_name.size() + 1, old_name + "/") == 0) {
      return make_error(ErrorKind::bad_syntax, "cannot rename a mailbox into itself");
    }
    auto renamed = subtree(db, account, old_name);
    if (!renamed) {
      return renamed.error();
    }
    for (const auto& [id, name] : *renamed) {
      auto new_full = normalize_mailbox_name(*target + name.substr(old_name.size()));
      if (!new_full) {
        return new_full.error();  // e.g. too long once renamed
      }
      auto clash = mailbox_name_exists(db, account, *new_full);
      if (!clash) {
        return clash.error();
      }
      if (*clash) {
        return make_error(ErrorKind::exists, "mailbox exists: " + *new_full);
      }
      auto update = db.prepare("UPDATE mailboxes SET name = ?3 WHERE account_id = ?1 AND id = ?2");
      if (!update) {
        return update.error();
      }
      update->bind(1, account).bind(2, id).bind(3, *new_full);
      if (Status ran = update->run(); !ran) {
        return ran.error();
      }
    }
    // Subscriptions follow the names they name.
    auto subscribed = subscribed_subtree(db, account, old_name);
    if (!subscribed) {
      return subscribed.error();
    }
    for (const std::string& name : *subscribed) {
      if (Status erased = set_name(db, "DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2 AND ?3 = ?3",
                                   account, name, name);
          !erased) {
        return erased.error();
      }
      if (Status added = set_name(db, "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES(?1, ?2 || ?3)",
                                  account, *target, name.substr(old_name.size()));
          !added) {
        return added.error();
      }
    }
    if (Status parents = create_parents(db, account, *target); !parents) {
      return parents.error();
    }
    return mailbox_by_id(db, account, mailbox);
  });
}

Result<MailboxStatus> SqliteStore::mailbox_status(AccountId account, MailboxId mailbox) {
  return read<MailboxStatus>([&](Db& db) -> Result<MailboxStatus> {
    auto found = mailbox_by_id(db, account, mailbox);
    if (!found) {
      return found.error();
    }
    MailboxStatus status;
    status.messages = found->messages;
    status.unseen = found->unseen;
    status.deleted = found->deleted;
    status.bytes = found->bytes;
    status.uidnext = found->uidnext;
    status.uidvalidity = found->uidvalidity;
    status.highestmodseq = found->highestmodseq;
    return status;
  });
}

Result<std::vector<std::string>> SqliteStore::mailbox_keywords(AccountId account, MailboxId mailbox) {
  return read<std::vector<std::string>>([&](Db& db) -> Result<std::vector<std::string>> {
    if (auto found = mailbox_by_id(db, account, mailbox); !found) {
      return found.error();
    }
    auto stmt = db.prepare(
        "SELECT spelling FROM mailbox_keywords WHERE account_id = ?1 AND mailbox_id = ?2 AND count > 0 "
        "ORDER BY keyword");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, mailbox);
    std::vector<std::string> keywords;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return keywords;
      }
      keywords.push_back(stmt->column_text(0));
    }
  });
}

Status SqliteStore::set_subscribed(AccountId account, std::string_view name, bool subscribed) {
  auto canonical = normalize_mailbox_name(name);
  if (!canonical) {
    return canonical.error();
  }
  auto done = write<bool>({}, [&](WriteContext& context) -> Result<bool> {
    Db& db = context.db();
    if (Status exists = require_account(db, account); !exists) {
      return exists.error();
    }
    auto stmt = db.prepare(subscribed ? "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES(?1, ?2)"
                                      : "DELETE FROM subscriptions WHERE account_id = ?1 AND name = ?2");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account).bind(2, *canonical);
    if (Status ran = stmt->run(); !ran) {
      return ran.error();
    }
    return true;
  });
  if (!done) {
    return done.error();
  }
  return ok_status();
}

Result<std::vector<std::string>> SqliteStore::list_subscriptions(AccountId account) {
  return read<std::vector<std::string>>([&](Db& db) -> Result<std::vector<std::string>> {
    if (Status exists = require_account(db, account); !exists) {
      return exists.error();
    }
    auto stmt = db.prepare("SELECT name FROM subscriptions WHERE account_id = ?1 ORDER BY name");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, account);
    std::vector<std::string> names;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        return names;
      }
      names.push_back(stmt->column_text(0));
    }
  });
}

}  // namespace postroom::store::sqlite
