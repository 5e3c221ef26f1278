// Store::append_batch on the SQLite backend: order, atomicity, quota, dedup inside a batch.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::open_store;
using testing::TempDir;

class AppendBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    auto account = store_->add_account("alice@example.test", "$argon2id$hash");
    ASSERT_TRUE(account.ok()) << account.error().detail;
    alice_ = *account;
    inbox_ = store_->find_mailbox(alice_.id, "INBOX")->id;
    sent_ = store_->find_mailbox(alice_.id, "Sent")->id;
  }

  // `count` distinct messages, alternating INBOX and Sent, with distinct dates and flags.
  std::vector<Store::BatchItem> distinct_items(int count, const std::string& tag = "m") {
    std::vector<Store::BatchItem> items;
    for (int i = 0; i < count; ++i) {
      NewMessage message = make_message(tag + std::to_string(i), "body of " + tag + std::to_string(i) + "\r\n");
      message.internal_date = 1700000000 + i;
      if (i % 3 == 0) {
        message.flags = {"\\seen", "Work"};
      }
      items.push_back(Store::BatchItem{i % 2 == 0 ? inbox_ : sent_, std::move(message)});
    }
    return items;
  }

  Usage usage() { return *store_->usage(alice_.id); }
  std::size_t count_in(MailboxId mailbox) { return store_->list_messages(alice_.id, mailbox)->size(); }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  MailboxId inbox_ = 0;
  MailboxId sent_ = 0;
};

TEST_F(AppendBatchTest, EmptyBatchStoresNothing) {
  auto metas = store_->append_batch(alice_.id, {});
  ASSERT_TRUE(metas.ok());
  EXPECT_TRUE(metas->empty());
  EXPECT_EQ(usage().messages, 0u);
}

TEST_F(AppendBatchTest, StoresInInputOrderInOneCommit) {
  // 40 new bodies: more than the per-file fsync threshold, so the syncfs path runs.
  std::vector<Store::BatchItem> items = distinct_items(40);
  const auto before = store_->commit_stats();
  auto metas = store_->append_batch(alice_.id, items);
  ASSERT_TRUE(metas.ok()) << metas.error().detail;
  EXPECT_EQ(store_->commit_stats().batches, before.batches + 1) << "one transaction for the whole batch";
  ASSERT_EQ(metas->size(), items.size());
  Uid next_inbox = 1;
  Uid next_sent = 1;
  ModSeq last_modseq = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const MessageMeta& meta = (*metas)[i];
    Uid& expected = items[i].mailbox == inbox_ ? next_inbox : next_sent;
    EXPECT_EQ(meta.uid, expected++) << i;
    EXPECT_GT(meta.modseq, last_modseq) << i;
    last_modseq = meta.modseq;
    EXPECT_EQ(meta.internal_date, items[i].message.internal_date);
    EXPECT_EQ(meta.size, items[i].message.bytes.size());
    if (i % 3 == 0) {
      EXPECT_EQ(meta.flags, (std::vector<std::string>{"\\Seen", "Work"})) << "canonical spelling";
    } else {
      EXPECT_TRUE(meta.flags.empty());
    }
    auto bytes = store_->read_message(alice_.id, items[i].mailbox, meta.uid);
    ASSERT_TRUE(bytes.ok()) << bytes.error().detail;
    EXPECT_EQ(*bytes, items[i].message.bytes);
    auto derived = store_->derived(alice_.id, items[i].mailbox, meta.uid);
    ASSERT_TRUE(derived.ok());
    EXPECT_EQ(derived->envelope, items[i].message.derived.envelope);
  }
  EXPECT_EQ(count_in(inbox_), 20u);
  EXPECT_EQ(count_in(sent_), 20u);
  EXPECT_EQ(usage().messages, 40u);
  EXPECT_EQ(count_blob_files(dir_.path()), 40);
  auto status = store_->mailbox_status(alice_.id, inbox_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->uidnext, 21u);
  EXPECT_EQ(status->unseen, 13u);  // inbox holds i = 0, 2, ..., 38; \Seen on i % 6 == 0 (7 of 20)
  EXPECT_EQ(*store_->highest_modseq(alice_.id), last_modseq);
  auto changes = store_->changes_since(alice_.id, 0, 1000);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->size(), 40u);
  auto keywords = store_->mailbox_keywords(alice_.id, inbox_);
  ASSERT_TRUE(keywords.ok());
  EXPECT_EQ(*keywords, std::vector<std::string>{"Work"});
  // Indexed in the same transaction.
  auto found = store_->search_text(alice_.id, sent_, TextCriterion{TextField::body, "", "body of m7"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::vector<Uid>{4});
}

TEST_F(AppendBatchTest, SmallBatchUsesPerFileSyncAndContinuesUids) {
  ASSERT_TRUE(store_->append(alice_.id, inbox_, make_message("first")).ok());
  auto metas = store_->append_batch(alice_.id, distinct_items(2, "s"));
  ASSERT_TRUE(metas.ok()) << metas.error().detail;
  ASSERT_EQ(metas->size(), 2u);
  EXPECT_EQ((*metas)[0].uid, 2u) << "after the existing message";
  EXPECT_EQ((*metas)[1].uid, 1u) << "first message of Sent";
  EXPECT_EQ(count_blob_files(dir_.path()), 3);
}

TEST_F(AppendBatchTest, BadFlagStoresNothing) {
  std::vector<Store::BatchItem> items = distinct_items(10);
  items.back().message.flags = {"bad flag"};
  auto metas = store_->append_batch(alice_.id, items);
  ASSERT_FALSE(metas.ok());
  EXPECT_EQ(metas.error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(usage().messages, 0u);
  EXPECT_EQ(count_blob_files(dir_.path()), 0) << "refused before any body was written";
}

TEST_F(AppendBatchTest, MissingMailboxStoresNothingAndLeavesNoFiles) {
  const ModSeq modseq = *store_->highest_modseq(alice_.id);
  std::vector<Store::BatchItem> items = distinct_items(12);
  items[9].mailbox = 987654;
  auto metas = store_->append_batch(alice_.id, items);
  ASSERT_FALSE(metas.ok());
  EXPECT_EQ(metas.error().kind, ErrorKind::not_found);
  EXPECT_EQ(count_in(inbox_), 0u);
  EXPECT_EQ(count_in(sent_), 0u);
  EXPECT_EQ(usage().messages, 0u);
  EXPECT_EQ(usage().bytes, 0u);
  EXPECT_EQ(*store_->highest_modseq(alice_.id), modseq);
  EXPECT_EQ(store_->mailbox_status(alice_.id, inbox_)->uidnext, 1u);
  // Blob files are unlinked after the callers are woken (README.md "Blob GC").
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 0) << "the failed request's bodies are collected";
  // A mailbox of another account is not_found too.
  auto bob = store_->add_account("bob@example.test", "$argon2id$hash");
  ASSERT_TRUE(bob.ok());
  std::vector<Store::BatchItem> foreign = distinct_items(1);
  foreign[0].mailbox = store_->find_mailbox(bob->id, "INBOX")->id;
  EXPECT_EQ(store_->append_batch(alice_.id, foreign).error().kind, ErrorKind::not_found);
}

TEST_F(AppendBatchTest, QuotaIsCheckedForTheWholeBatch) {
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 5).ok());
  ASSERT_TRUE(store_->append(alice_.id, inbox_, make_message("already")).ok());
  auto refused = store_->append_batch(alice_.id, distinct_items(5));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::over_quota);
  EXPECT_EQ(usage().messages, 1u);
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
  auto fits = store_->append_batch(alice_.id, distinct_items(4));
  ASSERT_TRUE(fits.ok()) << fits.error().detail;
  EXPECT_EQ(usage().messages, 5u);

  // Bytes: a batch whose total is one octet over the limit is refused whole.
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 0).ok());
  std::vector<Store::BatchItem> more = distinct_items(3, "b");
  std::uint64_t total = usage().bytes;
  for (const auto& item : more) {
    total += item.message.bytes.size();
  }
  ASSERT_TRUE(store_->set_quota("alice@example.test", total - 1, 0).ok());
  EXPECT_EQ(store_->append_batch(alice_.id, more).error().kind, ErrorKind::over_quota);
  ASSERT_TRUE(store_->set_quota("alice@example.test", total, 0).ok());
  EXPECT_TRUE(store_->append_batch(alice_.id, more).ok());
  EXPECT_EQ(usage().bytes, total);
}

TEST_F(AppendBatchTest, IdenticalMessagesInOneBatchShareOneBlob) {
  NewMessage twin = make_message("twin", "same body\r\n");
  std::vector<Store::BatchItem> items;
  items.push_back(Store::BatchItem{inbox_, twin});
  items.push_back(Store::BatchItem{inbox_, make_message("other")});
  items.push_back(Store::BatchItem{sent_, twin});
  items.push_back(Store::BatchItem{inbox_, twin});
  auto metas = store_->append_batch(alice_.id, items);
  ASSERT_TRUE(metas.ok()) << metas.error().detail;
  ASSERT_EQ(metas->size(), 4u);
  EXPECT_EQ((*metas)[0].blob_id, (*metas)[2].blob_id);
  EXPECT_EQ((*metas)[0].blob_id, (*metas)[3].blob_id);
  EXPECT_EQ((*metas)[0].email_id, (*metas)[3].email_id);
  EXPECT_NE((*metas)[0].blob_id, (*metas)[1].blob_id);
  EXPECT_EQ((*metas)[0].uid, 1u);
  EXPECT_EQ((*metas)[3].uid, 3u);
  EXPECT_EQ(count_blob_files(dir_.path()), 2);
  auto found = store_->search_text(alice_.id, inbox_, TextCriterion{TextField::body, "", "same body"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, (std::vector<Uid>{1, 3}));

  // The shared body lives until its last message goes.
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_, {1, 3}).ok());
  EXPECT_EQ(*store_->read_message(alice_.id, sent_, 1), twin.bytes);
  ASSERT_TRUE(store_->expunge(alice_.id, sent_, {1}).ok());
  store_->wait_for_blob_gc();  // files go after the commit, when the writer is idle
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
}

TEST_F(AppendBatchTest, BodyAlreadyStoredIsReused) {
  NewMessage message = make_message("again");
  ASSERT_TRUE(store_->append(alice_.id, inbox_, message).ok());
  std::vector<Store::BatchItem> items = distinct_items(20);
  items.push_back(Store::BatchItem{inbox_, message});
  auto metas = store_->append_batch(alice_.id, items);
  ASSERT_TRUE(metas.ok()) << metas.error().detail;
  EXPECT_EQ(count_blob_files(dir_.path()), 21);
  EXPECT_EQ(*store_->read_message(alice_.id, inbox_, metas->back().uid), message.bytes);
}

}  // namespace
}  // namespace postroom::store
