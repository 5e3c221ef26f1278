// The mail store interface. Protocols reach storage only through mail/, which uses this.
// Backends: store/sqlite (embedded default). A PostgreSQL backend can follow behind the same
// interface.
//
// Contracts for every backend:
// - Thread-safe: any method may be called from any thread. Calls block (disk I/O), so the
//   daemon calls them from its storage executor, never from an I/O thread.
// - Durability: a mutating call returns success only once the change is on disk (blob file
//   and its directory fsynced, metadata transaction committed). Concurrent mutations are
//   batched into one group commit rather than weakening this.
// - Every mutation of a mailbox's messages bumps the account's modseq and appends to the
//   account's change log; expunges leave tombstones.
// - Errors are typed (base/result.h): not_found, exists, over_quota, temporary (I/O, disk
//   full), bad_syntax (invalid name).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/types.h"

namespace postroom::store {

// Mailboxes created with every new account, with their RFC 6154 special-use attributes.
struct DefaultMailbox {
  const char* name;
  const char* special_use;
};
inline constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", ""},        {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

class Store {
 public:
  virtual ~Store() = default;

  // --- domains ---
  virtual Result<Domain> add_domain(std::string_view name) = 0;
  virtual Result<std::vector<Domain>> list_domains() = 0;
  // Fails with ErrorKind::exists while the domain still has accounts or aliases.
  virtual Status delete_domain(std::string_view name) = 0;

  // --- accounts ---
  // Creates the account and its default mailboxes. The domain must exist.
  virtual Result<Account> add_account(std::string_view address, std::string_view password_hash) = 0;
  virtual Result<Account> find_account(std::string_view address) = 0;
  virtual Result<Account> get_account(AccountId id) = 0;
  virtual Result<std::vector<Account>> list_accounts(std::string_view domain /* "" = all */) = 0;
  virtual Status set_password(std::string_view address, std::string_view password_hash) = 0;
  // Deletes the account, its mailboxes, messages and aliases pointing to it. Blobs no longer
  // referenced by anyone are removed.
  virtual Status delete_account(std::string_view address) = 0;

  // --- aliases ---
  virtual Status add_alias(std::string_view source, std::string_view target) = 0;
  virtual Status delete_alias(std::string_view source) = 0;
  virtual Result<std::vector<Alias>> list_aliases(std::string_view domain /* "" = all */) = 0;
  // Resolves a recipient address to an account: direct account, or alias (one level).
  virtual Result<Account> resolve_recipient(std::string_view address) = 0;

  // --- quota ---
  virtual Status set_quota(std::string_view address, std::uint64_t bytes, std::uint64_t messages) = 0;
  virtual Result<Usage> usage(AccountId account) = 0;

  // --- mailboxes ---
  virtual Result<std::vector<Mailbox>> list_mailboxes(AccountId account) = 0;
  // Name lookup; "INBOX" is case-insensitive.
  virtual Result<Mailbox> find_mailbox(AccountId account, std::string_view name) = 0;
  virtual Result<Mailbox> create_mailbox(AccountId account, std::string_view name, std::string_view special_use) = 0;

  // --- messages ---
  // Appends one message durably. Checks quota first (ErrorKind::over_quota). Stores the body
  // once per distinct content (blob_id = SHA-256), however many mailboxes reference it.
  virtual Result<MessageMeta> append(AccountId account, MailboxId mailbox, const NewMessage& message) = 0;
  // Delivers one message to several (account, mailbox) targets in one group commit: either all
  // are stored or none. Returns one MessageMeta per target in order.
  struct Target {
    AccountId account;
    MailboxId mailbox;
  };
  virtual Result<std::vector<MessageMeta>> append_many(const std::vector<Target>& targets,
                                                       const NewMessage& message) = 0;
  // All messages of a mailbox in UID order.
  virtual Result<std::vector<MessageMeta>> list_messages(AccountId account, MailboxId mailbox) = 0;
  virtual Result<MessageDerived> derived(AccountId account, MailboxId mailbox, Uid uid) = 0;
  // The stored bytes of a message, exactly as appended.
  virtual Result<std::string> read_message(AccountId account, MailboxId mailbox, Uid uid) = 0;
  // Removes the given UIDs durably; UIDs that do not exist are ignored. Returns those removed.
  virtual Result<std::vector<Uid>> expunge(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids) = 0;
  // Replaces the flags of a message; bumps its modseq.
  virtual Result<MessageMeta> set_flags(AccountId account, MailboxId mailbox, Uid uid,
                                        const std::vector<std::string>& flags) = 0;

  // --- change log ---
  virtual Result<ModSeq> highest_modseq(AccountId account) = 0;
  // Changes with modseq > since, in modseq order, at most `limit` entries.
  virtual Result<std::vector<Change>> changes_since(AccountId account, ModSeq since, std::size_t limit) = 0;
};

struct SqliteOptions {
  std::string data_dir;  // holds postroom.db and blobs/
  // How long the group committer waits for more work before committing a batch.
  // 0 = commit as soon as the writer thread is free (batches form under load on their own).
  int group_commit_window_us = 0;
};

// Opens (creating and migrating if needed) the embedded SQLite + blob-file store.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace postroom::store
