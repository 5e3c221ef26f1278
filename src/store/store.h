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
// - Mutations are atomic: on any error nothing of the call is visible (one savepoint).
// - Flags: system flags are stored canonically ("\\seen" becomes "\\Seen"); keywords are kept
//   as first given, and add/remove compare flags case-insensitively (RFC 9051 §2.3.2).
// - Errors are typed (base/result.h): not_found, exists, over_quota, temporary (I/O, disk
//   full), bad_syntax (invalid name).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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
  // Creates `name` and any missing superior names ("a" and "a/b" for "a/b/c", RFC 9051
  // §6.3.4) as ordinary mailboxes. exists if `name` itself exists; bad_syntax if invalid.
  virtual Result<Mailbox> create_mailbox(AccountId account, std::string_view name, std::string_view special_use) = 0;
  virtual Result<Mailbox> get_mailbox(AccountId account, MailboxId mailbox) = 0;
  // Deletes one mailbox and its messages (each expunged UID leaves a tombstone, blobs
  // unreferenced). Children are NOT deleted: "a/b" survives the deletion of "a", and "a"
  // then exists only as an implied hierarchy level (the IMAP layer lists it \NonExistent /
  // \Noselect if it wants to). INBOX → permanent. Subscriptions are kept (RFC 9051 §6.3.9).
  virtual Status delete_mailbox(AccountId account, MailboxId mailbox) = 0;
  // Renames a mailbox and every mailbox below it ("a/b" → "x/b" when "a" → "x"), keeping
  // ids, UIDVALIDITY, UIDs and MAILBOXIDs; missing superiors of the new name are created;
  // subscriptions of the renamed names move with them. Errors: exists (the new name or a
  // renamed child's new name is taken, or new name is INBOX), bad_syntax (invalid name,
  // or new name inside the renamed subtree), not_found.
  // INBOX (RFC 9051 §6.3.6): creates a new mailbox `new_name` (fresh UIDVALIDITY and
  // MAILBOXID), moves every INBOX message into it (new UIDs, tombstones in INBOX) and leaves
  // INBOX empty; INBOX's children are not renamed. Returns the renamed (or new) mailbox.
  virtual Result<Mailbox> rename_mailbox(AccountId account, MailboxId mailbox, std::string_view new_name) = 0;
  // Counters only, no message rows read (STATUS, SELECT).
  virtual Result<MailboxStatus> mailbox_status(AccountId account, MailboxId mailbox) = 0;
  // Keywords (flags without a leading backslash) set on at least one message of the mailbox,
  // sorted; maintained as counts in the same transaction as the flags (FLAGS/PERMANENTFLAGS).
  virtual Result<std::vector<std::string>> mailbox_keywords(AccountId account, MailboxId mailbox) = 0;

  // --- subscriptions (RFC 9051 §6.3.7-9) ---
  // Names need not exist as mailboxes. Subscribing twice or unsubscribing an unsubscribed
  // name succeeds. bad_syntax for invalid names.
  virtual Status set_subscribed(AccountId account, std::string_view name, bool subscribed) = 0;
  // Subscribed names, sorted ("INBOX" canonical).
  virtual Result<std::vector<std::string>> list_subscriptions(AccountId account) = 0;

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
  // Appends many different messages, each to its own mailbox of `account`, as ONE write
  // request (one transaction, one WAL fsync): bulk loads such as `postroom import`, where a
  // commit per message would cap throughput at the disk's fsync rate. All stored or none: any
  // error (over_quota, not_found mailbox, bad flags, limit, temporary) stores nothing. Quota
  // is checked once for the whole batch (its total bytes and count) under the write lock.
  // Returns one MessageMeta per item, in input order; within a mailbox UIDs (and modseqs)
  // increase in input order. Bodies are durable before the commit, as for append; identical
  // bodies in one batch are stored (and indexed) once. An empty batch returns an empty list.
  struct BatchItem {
    MailboxId mailbox;
    NewMessage message;
  };
  virtual Result<std::vector<MessageMeta>> append_batch(AccountId account, const std::vector<BatchItem>& items) = 0;
  // All messages of a mailbox in UID order: one indexed range scan, rows streamed (no
  // per-message query).
  virtual Result<std::vector<MessageMeta>> list_messages(AccountId account, MailboxId mailbox) = 0;
  // The state an IMAP snapshot holds for every message of a mailbox, in UID order: calls
  // visit(uid, modseq, flags) with the stored flags text (space-separated; the view is valid
  // only during the call). Reads the covering modseq index, never the wide message rows, and
  // runs in one read transaction; returns the mailbox's HIGHESTMODSEQ in that transaction, so
  // the visited state reflects every change up to it. Called on the caller's thread.
  using StateVisitor = std::function<void(Uid uid, ModSeq modseq, std::string_view flags)>;
  virtual Result<ModSeq> scan_message_states(AccountId account, MailboxId mailbox, const StateVisitor& visit) = 0;
  // Full metadata of the messages with the given UIDs (ascending), in UID order; UIDs that do
  // not exist are skipped. One range read, so cost follows the span of the UIDs asked for.
  virtual Result<std::vector<MessageMeta>> get_messages(AccountId account, MailboxId mailbox,
                                                        std::span<const Uid> uids) = 0;
  virtual Result<MessageDerived> derived(AccountId account, MailboxId mailbox, Uid uid) = 0;
  // derived() for many UIDs (ascending) in one range read: (uid, derived) in UID order, missing
  // UIDs skipped. FETCH of ENVELOPE/BODYSTRUCTURE for a range costs one query, not one each.
  virtual Result<std::vector<std::pair<Uid, MessageDerived>>> derived_many(AccountId account, MailboxId mailbox,
                                                                           std::span<const Uid> uids) = 0;
  // The stored bytes of a message, exactly as appended.
  virtual Result<std::string> read_message(AccountId account, MailboxId mailbox, Uid uid) = 0;
  // read_message() for several messages of one mailbox (a POP3 read-ahead): one result per
  // UID, in the order given, each exactly what read_message would return (not_found for a UID
  // that does not exist, other errors per message). Backends may look every UID up in one read
  // transaction; this default reads them one by one.
  virtual std::vector<Result<std::string>> read_messages(AccountId account, MailboxId mailbox,
                                                         std::span<const Uid> uids) {
    std::vector<Result<std::string>> bodies;
    bodies.reserve(uids.size());
    for (Uid uid : uids) {
      bodies.push_back(read_message(account, mailbox, uid));
    }
    return bodies;
  }
  // Removes the given UIDs durably; UIDs that do not exist are ignored. Returns those removed.
  virtual Result<std::vector<Uid>> expunge(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids) = 0;
  // Replaces the flags of a message; bumps its modseq.
  virtual Result<MessageMeta> set_flags(AccountId account, MailboxId mailbox, Uid uid,
                                        const std::vector<std::string>& flags) = 0;

  // IMAP STORE (with CONDSTORE UNCHANGEDSINCE when `unchanged_since` is set): applies `op`
  // with `flags` to each existing UID of `uids` whose modseq <= *unchanged_since. Only
  // messages whose flag set really changes get a new modseq (one each) and a change-log row.
  // Errors: not_found (mailbox), bad_syntax/limit (flags). Missing UIDs are ignored.
  virtual Result<FlagUpdate> update_flags(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids, FlagOp op,
                                          const std::vector<std::string>& flags,
                                          std::optional<ModSeq> unchanged_since) = 0;
  // IMAP COPY: copies the existing UIDs of `uids` (missing ones are skipped) into `to`, all
  // or nothing. Quota is checked for the whole set first (over_quota: nothing copied).
  // Bodies are shared (blob refcount), flags and internal date copied, save_date = now,
  // each copy gets a new UID and modseq in `to`. `to` may equal `from`.
  virtual Result<CopyResult> copy_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                           MailboxId to) = 0;
  // IMAP MOVE (RFC 6851): like copy_messages, and in the same transaction expunges the
  // sources (tombstones). No quota check (usage does not grow). On failure nothing moved.
  virtual Result<CopyResult> move_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                           MailboxId to) = 0;

  // --- reads for CONDSTORE / QRESYNC (RFC 7162) ---
  // Messages of the mailbox with modseq > `since`, in UID order (CHANGEDSINCE, QRESYNC).
  virtual Result<std::vector<MessageMeta>> list_flags_since(AccountId account, MailboxId mailbox, ModSeq since) = 0;
  // UIDs expunged from the mailbox with a tombstone modseq > `since`, sorted (VANISHED
  // (EARLIER)). Tombstones are not expired yet, so the answer is complete for any `since`.
  virtual Result<std::vector<Uid>> expunged_since(AccountId account, MailboxId mailbox, ModSeq since) = 0;

  // --- full-text search ---
  // UIDs (sorted) of the mailbox's messages containing criterion.value as a case-insensitive
  // substring (RFC 9051 §6.4.4) of the field's decoded text: headers decoded (RFC 2047), body
  // text parts decoded (base64/QP) and converted to UTF-8. An empty value matches every
  // message (for HEADER: every message that has that header). See README.md "Full-text
  // search" for the index and what "body" covers.
  virtual Result<std::vector<Uid>> search_text(AccountId account, MailboxId mailbox,
                                               const TextCriterion& criterion) = 0;

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
