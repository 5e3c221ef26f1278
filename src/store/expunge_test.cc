// Expunge off the commit path: callers are woken before blob files are unlinked, unlinks
// finish on close, a batch expunge leaves every counter as one-at-a-time expunges do, and
// the deferred removal of search documents never yields wrong SEARCH results.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::open_store;
using testing::query_int;
using testing::TempDir;

// Waits (up to 10 s) for the idle indexer to finish both queues: nothing above the watermark
// without its FTS row, nothing waiting for removal.
void wait_for_search_idle(const std::string& dir) {
  for (int i = 0; i < 1000; ++i) {
    std::int64_t unindexed = query_int(dir,
                                       "SELECT count(*) FROM search_docs d WHERE d.docid > coalesce((SELECT value "
                                       "FROM counters WHERE name = 'search_indexed'), 0) AND NOT EXISTS "
                                       "(SELECT 1 FROM search_fts f WHERE f.rowid = d.docid)");
    std::int64_t removals = query_int(dir, "SELECT count(*) FROM search_unindex");
    if (unindexed == 0 && removals == 0) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "the idle indexer did not finish";
}

class ExpungeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    alice_ = *store_->add_account("alice@example.test", "x");
    inbox_ = *store_->find_mailbox(alice_.id, "INBOX");
  }

  MessageMeta add(AccountId account, MailboxId mailbox, const std::string& subject, const std::string& body,
                  std::vector<std::string> flags = {}) {
    NewMessage message = make_message(subject, body);
    message.flags = std::move(flags);
    auto meta = store_->append(account, mailbox, message);
    EXPECT_TRUE(meta.ok()) << (meta.ok() ? "" : meta.error().detail);
    return meta.ok() ? *meta : MessageMeta{};
  }

  std::vector<Uid> search(AccountId account, MailboxId mailbox, const std::string& text) {
    TextCriterion criterion;
    criterion.field = TextField::text;
    criterion.value = text;
    auto found = store_->search_text(account, mailbox, criterion);
    EXPECT_TRUE(found.ok()) << (found.ok() ? "" : found.error().detail);
    return found.ok() ? *found : std::vector<Uid>{};
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  Mailbox inbox_;
};

TEST_F(ExpungeTest, CallersAreWokenBeforeBlobFilesAreUnlinked) {
  std::vector<Uid> uids;
  for (int i = 0; i < 5; ++i) {
    uids.push_back(add(alice_.id, inbox_.id, "m" + std::to_string(i), "body " + std::to_string(i) + "\r\n").uid);
  }
  ASSERT_EQ(count_blob_files(dir_.path()), 5);
  std::uint64_t removed_before = store_->commit_stats().blob_files_removed;
  // With GC held, expunge still returns: it never waits for an unlink.
  store_->pause_blob_gc(true);
  auto removed = store_->expunge(alice_.id, inbox_.id, uids);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 5u);
  EXPECT_EQ(count_blob_files(dir_.path()), 5) << "files are unlinked after the callers are woken";
  EXPECT_EQ(store_->commit_stats().gc_pending, 5u);
  EXPECT_TRUE(store_->list_messages(alice_.id, inbox_.id)->empty());
  // Released, the writer (idle) unlinks them.
  store_->pause_blob_gc(false);
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 0);
  EXPECT_EQ(store_->commit_stats().gc_pending, 0u);
  EXPECT_EQ(store_->commit_stats().blob_files_removed - removed_before, 5u);
}

TEST_F(ExpungeTest, PendingUnlinksAreDoneOnClose) {
  std::vector<Uid> uids;
  for (int i = 0; i < 3; ++i) {
    uids.push_back(add(alice_.id, inbox_.id, "m" + std::to_string(i), "close " + std::to_string(i) + "\r\n").uid);
  }
  store_->pause_blob_gc(true);
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, uids).ok());
  EXPECT_EQ(count_blob_files(dir_.path()), 3);
  store_.reset();
  EXPECT_EQ(count_blob_files(dir_.path()), 0);
}

TEST_F(ExpungeTest, ReappendedContentKeepsItsFileWhileGcIsPending) {
  MessageMeta first = add(alice_.id, inbox_.id, "again", "same body\r\n");
  store_->pause_blob_gc(true);
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {first.uid}).ok());
  // The same content comes back before the queued GC runs: GC must keep the file.
  MessageMeta second = add(alice_.id, inbox_.id, "again", "same body\r\n");
  store_->pause_blob_gc(false);
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
  auto bytes = store_->read_message(alice_.id, inbox_.id, second.uid);
  ASSERT_TRUE(bytes.ok()) << bytes.error().detail;
}

// Two accounts with identical histories: one expunges in one call, the other UID by UID.
// Everything observable must be the same (what the per-UID code did before batching).
TEST_F(ExpungeTest, BatchExpungeMatchesOneAtATime) {
  Account bob = *store_->add_account("bob@example.test", "x");
  struct Side {
    AccountId account;
    Mailbox inbox;
    Mailbox archive;
  };
  std::vector<Side> sides;
  for (AccountId account : {alice_.id, bob.id}) {
    Side side{account, *store_->find_mailbox(account, "INBOX"), {}};
    side.archive = *store_->find_mailbox(account, "Archive");
    add(account, side.inbox.id, "one", "shared body\r\n", {"\\Seen", "$Work"});
    add(account, side.inbox.id, "two", "shared body\r\n", {"$work", "$Later"});  // same body twice
    add(account, side.inbox.id, "three", "third body\r\n", {"\\Deleted"});
    add(account, side.inbox.id, "four", "fourth body\r\n", {"\\Seen", "\\Deleted", "$Later"});
    add(account, side.inbox.id, "five", "kept body\r\n", {"$Work"});
    // A copy keeps the third body (and its document) alive in another mailbox.
    EXPECT_TRUE(store_->copy_messages(account, side.inbox.id, {3}, side.archive.id).ok());
    sides.push_back(side);
  }
  const std::vector<Uid> victims = {1, 2, 3, 4, 99};
  ModSeq before = *store_->highest_modseq(alice_.id);
  ASSERT_EQ(before, *store_->highest_modseq(bob.id));
  auto batched = store_->expunge(alice_.id, sides[0].inbox.id, victims);
  ASSERT_TRUE(batched.ok());
  EXPECT_EQ(*batched, (std::vector<Uid>{1, 2, 3, 4}));
  for (Uid uid : victims) {
    ASSERT_TRUE(store_->expunge(bob.id, sides[1].inbox.id, {uid}).ok());
  }
  for (const Side& side : sides) {
    auto status = *store_->mailbox_status(side.account, side.inbox.id);
    EXPECT_EQ(status.messages, 1u);
    EXPECT_EQ(status.unseen, 1u);
    EXPECT_EQ(status.deleted, 0u);
    EXPECT_EQ(status.highestmodseq, before + 4);
    EXPECT_EQ(*store_->highest_modseq(side.account), before + 4);
    EXPECT_EQ(*store_->mailbox_keywords(side.account, side.inbox.id), std::vector<std::string>{"$Work"});
    auto usage = *store_->usage(side.account);
    EXPECT_EQ(usage.messages, 2u);
    // One tombstone per UID, modseqs consecutive in UID order.
    auto changes = *store_->changes_since(side.account, before, 100);
    ASSERT_EQ(changes.size(), 4u);
    for (std::size_t i = 0; i < changes.size(); ++i) {
      EXPECT_EQ(changes[i].modseq, before + 1 + i);
      EXPECT_EQ(changes[i].uid, i + 1);
      EXPECT_EQ(changes[i].kind, ChangeKind::expunged);
      EXPECT_EQ(changes[i].mailbox, side.inbox.id);
    }
    EXPECT_EQ(*store_->expunged_since(side.account, side.inbox.id, before), (std::vector<Uid>{1, 2, 3, 4}));
    // The copied body is still readable and searchable in the archive.
    EXPECT_EQ(search(side.account, side.archive.id, "third body"), std::vector<Uid>{1});
    EXPECT_TRUE(search(side.account, side.inbox.id, "shared body").empty());
  }
  EXPECT_EQ(store_->usage(alice_.id)->bytes, store_->usage(bob.id)->bytes);
  EXPECT_EQ(store_->mailbox_status(alice_.id, sides[0].inbox.id)->bytes,
            store_->mailbox_status(bob.id, sides[1].inbox.id)->bytes);
  store_->wait_for_blob_gc();
  // Bodies: shared (gone), third (copied), fourth (gone), kept: alice and bob share files.
  EXPECT_EQ(count_blob_files(dir_.path()), 2);
}

TEST_F(ExpungeTest, BatchCopyMatchesCounters) {
  Mailbox archive = *store_->find_mailbox(alice_.id, "Archive");
  add(alice_.id, inbox_.id, "one", "b1\r\n", {"\\Seen", "$Work"});
  add(alice_.id, inbox_.id, "two", "b1\r\n", {"$work", "\\Deleted"});
  add(alice_.id, inbox_.id, "three", "b3\r\n");
  ModSeq before = *store_->highest_modseq(alice_.id);
  auto copied = store_->copy_messages(alice_.id, inbox_.id, {1, 2, 3}, archive.id);
  ASSERT_TRUE(copied.ok());
  ASSERT_EQ(copied->uids.size(), 3u);
  EXPECT_EQ(copied->highest_modseq, before + 3);
  auto status = *store_->mailbox_status(alice_.id, archive.id);
  EXPECT_EQ(status.messages, 3u);
  EXPECT_EQ(status.unseen, 2u);
  EXPECT_EQ(status.deleted, 1u);
  EXPECT_EQ(status.uidnext, 4u);
  EXPECT_EQ(status.highestmodseq, before + 3);
  EXPECT_EQ(*store_->mailbox_keywords(alice_.id, archive.id), std::vector<std::string>{"$Work"});
  auto metas = *store_->list_messages(alice_.id, archive.id);
  ASSERT_EQ(metas.size(), 3u);
  for (std::size_t i = 0; i < metas.size(); ++i) {
    EXPECT_EQ(metas[i].uid, i + 1);
    EXPECT_EQ(metas[i].modseq, before + 1 + i);
  }
  EXPECT_EQ(store_->usage(alice_.id)->messages, 6u);
  // Moving everything back out and expunging the sources keeps refcounts exact.
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {1, 2, 3}).ok());
  ASSERT_TRUE(store_->expunge(alice_.id, archive.id, {1, 2}).ok());
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
  EXPECT_EQ(*store_->read_message(alice_.id, archive.id, 3), make_message("three", "b3\r\n").bytes);
}

// SEARCH joins FTS rows to documents and documents to live messages; with removals deferred,
// stale FTS rows exist for a while. None may ever match a new message.
TEST_F(ExpungeTest, SearchIsRightAcrossExpungeAndRedelivery) {
  MessageMeta zebra = add(alice_.id, inbox_.id, "z", "zebra crossing\r\n");
  add(alice_.id, inbox_.id, "k", "kept kestrel\r\n");
  wait_for_search_idle(dir_.path());
  ASSERT_EQ(search(alice_.id, inbox_.id, "zebra"), std::vector<Uid>{zebra.uid});

  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {zebra.uid}).ok());
  EXPECT_TRUE(search(alice_.id, inbox_.id, "zebra").empty());
  MessageMeta yellow = add(alice_.id, inbox_.id, "y", "yellow submarine\r\n");
  EXPECT_TRUE(search(alice_.id, inbox_.id, "zebra").empty());
  EXPECT_EQ(search(alice_.id, inbox_.id, "yellow"), std::vector<Uid>{yellow.uid});
  // The expunged body comes back before its document is removed: found under the new UID.
  MessageMeta again = add(alice_.id, inbox_.id, "z", "zebra crossing\r\n");
  EXPECT_EQ(search(alice_.id, inbox_.id, "zebra"), std::vector<Uid>{again.uid});
  wait_for_search_idle(dir_.path());
  EXPECT_EQ(search(alice_.id, inbox_.id, "zebra"), std::vector<Uid>{again.uid});
  EXPECT_EQ(search(alice_.id, inbox_.id, "yellow"), std::vector<Uid>{yellow.uid});
  EXPECT_EQ(search(alice_.id, inbox_.id, "kestrel").size(), 1u);

  // Expunged before it was indexed, then delivered again.
  MessageMeta quick = add(alice_.id, inbox_.id, "q", "quick quokka\r\n");
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {quick.uid}).ok());
  EXPECT_TRUE(search(alice_.id, inbox_.id, "quokka").empty());
  wait_for_search_idle(dir_.path());
  MessageMeta back = add(alice_.id, inbox_.id, "q", "quick quokka\r\n");
  EXPECT_EQ(search(alice_.id, inbox_.id, "quokka"), std::vector<Uid>{back.uid});
  wait_for_search_idle(dir_.path());
  EXPECT_EQ(search(alice_.id, inbox_.id, "quokka"), std::vector<Uid>{back.uid});
  EXPECT_EQ(search(alice_.id, inbox_.id, "qu"), std::vector<Uid>{back.uid});
  // Every FTS row belongs to a live document once the indexer is done.
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"),
            query_int(dir_.path(), "SELECT count(*) FROM search_docs"));
}

// delete_account drops its search_docs rows at once and leaves the FTS rows to the indexer;
// a document queued meanwhile must not take one of their docids.
TEST_F(ExpungeTest, DeletedAccountsStaleIndexRowsNeverMatch) {
  add(alice_.id, inbox_.id, "a", "alice apple\r\n");
  wait_for_search_idle(dir_.path());  // watermark = alice's docid
  Account bob = *store_->add_account("bob@example.test", "x");
  Mailbox bob_inbox = *store_->find_mailbox(bob.id, "INBOX");
  // append_batch indexes at once: docids above the watermark, with FTS rows.
  std::vector<Store::BatchItem> items;
  for (const char* body : {"bob banana\r\n", "bob blueberry\r\n"}) {
    Store::BatchItem item;
    item.mailbox = bob_inbox.id;
    item.message = make_message("b", body);
    items.push_back(item);
  }
  ASSERT_TRUE(store_->append_batch(bob.id, items).ok());
  ASSERT_TRUE(store_->delete_account("bob@example.test").ok());
  MessageMeta fresh = add(alice_.id, inbox_.id, "c", "cherry cake\r\n");
  EXPECT_TRUE(search(alice_.id, inbox_.id, "banana").empty());
  EXPECT_TRUE(search(alice_.id, inbox_.id, "blueberry").empty());
  EXPECT_EQ(search(alice_.id, inbox_.id, "cherry"), std::vector<Uid>{fresh.uid});
  wait_for_search_idle(dir_.path());
  EXPECT_TRUE(search(alice_.id, inbox_.id, "banana").empty());
  EXPECT_EQ(search(alice_.id, inbox_.id, "cherry"), std::vector<Uid>{fresh.uid});
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"), 2);
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_docs"), 2);
}

TEST_F(ExpungeTest, IndexRowsAreRemovedEventually) {
  std::vector<Uid> uids;
  for (int i = 0; i < 40; ++i) {
    uids.push_back(add(alice_.id, inbox_.id, "m" + std::to_string(i), "text number " + std::to_string(i)).uid);
  }
  wait_for_search_idle(dir_.path());
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"), 40);
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, uids).ok());
  wait_for_search_idle(dir_.path());
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"), 0);
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_docs"), 0);
  // A queue left by a previous run is worked off by the next open.
  add(alice_.id, inbox_.id, "n", "next body\r\n");
  wait_for_search_idle(dir_.path());
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {41}).ok());
  store_.reset();
  store_ = open_store(dir_.path());
  wait_for_search_idle(dir_.path());
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"), 0);
}

}  // namespace
}  // namespace postroom::store
