// The embedded default backend: SQLite (WAL) for metadata + content-addressed blob files.
// The contract is store/store.h; this header adds what is specific to the backend (commit
// counters for tests, benchmarks and metrics). See README.md in this folder's parent for the
// schema and the durability design.
//
// Threads: every public method may be called from any thread. Mutations go to the
// GroupCommitter's single writer thread (and its connection); reads borrow a connection from
// the ReaderPool and run in their own read transaction, so they see a consistent snapshot and
// never wait for the writer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/blob_store.h"
#include "store/sqlite/db.h"
#include "store/sqlite/group_committer.h"
#include "store/sqlite/reader_pool.h"
#include "store/store.h"

namespace postroom::store::sqlite {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override = default;

  // Group commit counters since open (this instance only).
  CommitStats commit_stats() const { return committer_->stats(); }
  // For tests and tools: see GroupCommitter::wait_for_gc / pause_gc.
  void wait_for_blob_gc() { committer_->wait_for_gc(); }
  void pause_blob_gc(bool paused) { committer_->pause_gc(paused); }

  Result<Domain> add_domain(std::string_view name) override;
  Result<std::vector<Domain>> list_domains() override;
  Status delete_domain(std::string_view name) override;

  Result<Account> add_account(std::string_view address, std::string_view password_hash) override;
  Result<Account> find_account(std::string_view address) override;
  Result<Account> get_account(AccountId id) override;
  Result<std::vector<Account>> list_accounts(std::string_view domain) override;
  Status set_password(std::string_view address, std::string_view password_hash) override;
  Status delete_account(std::string_view address) override;

  Status add_alias(std::string_view source, std::string_view target) override;
  Status delete_alias(std::string_view source) override;
  Result<std::vector<Alias>> list_aliases(std::string_view domain) override;
  Result<Account> resolve_recipient(std::string_view address) override;

  Status set_quota(std::string_view address, std::uint64_t bytes, std::uint64_t messages) override;
  Result<Usage> usage(AccountId account) override;

  Result<std::vector<Mailbox>> list_mailboxes(AccountId account) override;
  Result<Mailbox> find_mailbox(AccountId account, std::string_view name) override;
  Result<Mailbox> create_mailbox(AccountId account, std::string_view name, std::string_view special_use) override;
  Result<Mailbox> get_mailbox(AccountId account, MailboxId mailbox) override;
  Status delete_mailbox(AccountId account, MailboxId mailbox) override;
  Result<Mailbox> rename_mailbox(AccountId account, MailboxId mailbox, std::string_view new_name) override;
  Result<MailboxStatus> mailbox_status(AccountId account, MailboxId mailbox) override;
  Result<std::vector<std::string>> mailbox_keywords(AccountId account, MailboxId mailbox) override;
  Status set_subscribed(AccountId account, std::string_view name, bool subscribed) override;
  Result<std::vector<std::string>> list_subscriptions(AccountId account) override;

  Result<MessageMeta> append(AccountId account, MailboxId mailbox, const NewMessage& message) override;
  Result<std::vector<MessageMeta>> append_many(const std::vector<Target>& targets, const NewMessage& message) override;
  // In append_batch.cc.
  Result<std::vector<MessageMeta>> append_batch(AccountId account, const std::vector<BatchItem>& items) override;
  Result<std::vector<MessageMeta>> list_messages(AccountId account, MailboxId mailbox) override;
  Result<ModSeq> scan_message_states(AccountId account, MailboxId mailbox, const StateVisitor& visit) override;
  Result<std::vector<MessageMeta>> get_messages(AccountId account, MailboxId mailbox,
                                                std::span<const Uid> uids) override;
  Result<MessageDerived> derived(AccountId account, MailboxId mailbox, Uid uid) override;
  Result<std::vector<std::pair<Uid, MessageDerived>>> derived_many(AccountId account, MailboxId mailbox,
                                                                   std::span<const Uid> uids) override;
  Result<std::string> read_message(AccountId account, MailboxId mailbox, Uid uid) override;
  // One read transaction finds every blob; the files are read after it ends.
  std::vector<Result<std::string>> read_messages(AccountId account, MailboxId mailbox,
                                                 std::span<const Uid> uids) override;
  Result<std::vector<Uid>> expunge(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids) override;
  Result<MessageMeta> set_flags(AccountId account, MailboxId mailbox, Uid uid,
                                const std::vector<std::string>& flags) override;
  Result<FlagUpdate> update_flags(AccountId account, MailboxId mailbox, const std::vector<Uid>& uids, FlagOp op,
                                  const std::vector<std::string>& flags,
                                  std::optional<ModSeq> unchanged_since) override;
  Result<CopyResult> copy_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                   MailboxId to) override;
  Result<CopyResult> move_messages(AccountId account, MailboxId from, const std::vector<Uid>& uids,
                                   MailboxId to) override;
  Result<std::vector<MessageMeta>> list_flags_since(AccountId account, MailboxId mailbox, ModSeq since) override;
  Result<std::vector<Uid>> expunged_since(AccountId account, MailboxId mailbox, ModSeq since) override;
  Result<std::vector<Uid>> search_text(AccountId account, MailboxId mailbox, const TextCriterion& criterion) override;

  Result<ModSeq> highest_modseq(AccountId account) override;
  Result<std::vector<Change>> changes_since(AccountId account, ModSeq since, std::size_t limit) override;

 private:
  SqliteStore(std::unique_ptr<BlobStore> blobs, std::unique_ptr<GroupCommitter> committer,
              std::unique_ptr<ReaderPool> readers)
      : blobs_(std::move(blobs)), committer_(std::move(committer)), readers_(std::move(readers)) {}

  // Indexes every (account, body) without a search document (databases from before schema
  // step 5), in batches through the committer. Called by open().
  Status backfill_search_index();

  // Runs fn(WriteContext&) -> Result<T> as one request of a group commit; returns its result
  // once durable. `blob_ids` were stored by the caller for this request (GC'd if it fails).
  template <typename T, typename Fn>
  Result<T> write(std::vector<std::string> blob_ids, Fn&& fn);
  // Runs fn(Db&) -> Result<T> in a read transaction on a pooled connection.
  template <typename T, typename Fn>
  Result<T> read(Fn&& fn);

  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<ReaderPool> readers_;
};

template <typename T, typename Fn>
Result<T> SqliteStore::write(std::vector<std::string> blob_ids, Fn&& fn) {
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
  // The request lives on this stack frame; submit() returns only after the writer is done
  // with it, so the references captured above stay valid.
  Status status = committer_->submit(request);
  if (!status) {
    return status.error();
  }
  return std::move(*out);
}

template <typename T, typename Fn>
Result<T> SqliteStore::read(Fn&& fn) {
  auto lease = readers_->acquire();
  if (!lease) {
    return lease.error();
  }
  Db& db = **lease;
  if (Status begun = db.exec("BEGIN"); !begun) {
    return begun.error();
  }
  Result<T> result = fn(db);
  // A read transaction has nothing to commit; ending it releases the WAL snapshot.
  db.exec_or_log("COMMIT");
  return result;
}

}  // namespace postroom::store::sqlite
