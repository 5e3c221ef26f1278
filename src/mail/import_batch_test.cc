#include "mail/import_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/test_support.h"

namespace postroom::mail {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

class ImportBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    auto account = store_->add_account("alice@example.test", "$argon2id$hash");
    ASSERT_TRUE(account.ok());
    account_ = account->id;
  }

  ImportBatcher make_batcher(std::size_t max_messages, std::size_t max_bytes = 1u << 20) {
    return ImportBatcher(
        *store_, options_, account_,
        [this](const std::string& mailbox, const Error& error) {
          failures_.push_back(mailbox + ": " + to_string(error.kind));
        },
        ImportBatchLimits{max_messages, max_bytes});
  }

  static ImportedMessage message(int n) {
    ImportedMessage m;
    m.bytes = "Subject: n" + std::to_string(n) + "\n\nbody " + std::to_string(n) + "\n";
    m.internal_date = 1700000000 + n;
    if (n % 2 == 0) {
      m.flags = {"\\Seen"};
    }
    return m;
  }

  // Subjects of a mailbox's messages in UID order, read back from the stored bytes.
  std::vector<std::string> subjects(const std::string& mailbox) {
    std::vector<std::string> out;
    auto box = store_->find_mailbox(account_, mailbox);
    auto metas = store_->list_messages(account_, box->id);
    for (const auto& meta : *metas) {
      auto read = store_->read_message(account_, box->id, meta.uid);
      if (!read) {
        ADD_FAILURE() << mailbox << " uid " << meta.uid << ": " << read.error().detail;
        continue;
      }
      const std::string& bytes = *read;
      out.push_back(bytes.substr(9, bytes.find('\r') - 9));
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  MailOptions options_;
  store::AccountId account_ = 0;
  std::vector<std::string> failures_;
};

TEST_F(ImportBatchTest, StoresInOrderAcrossBatchesAndMailboxes) {
  ImportBatcher batcher = make_batcher(3);
  const auto before = store_->commit_stats();
  for (int n = 0; n < 10; ++n) {
    ASSERT_TRUE(batcher.add(n < 7 ? "INBOX" : "Archive", message(n)));
  }
  ASSERT_TRUE(batcher.flush());
  EXPECT_EQ(batcher.imported(), 10u);
  EXPECT_EQ(batcher.failed(), 0u);
  EXPECT_EQ(store_->commit_stats().batches, before.batches + 4) << "3 + 3 + 3 + 1";
  EXPECT_EQ(subjects("INBOX"), (std::vector<std::string>{"n0", "n1", "n2", "n3", "n4", "n5", "n6"}));
  EXPECT_EQ(subjects("Archive"), (std::vector<std::string>{"n7", "n8", "n9"}));
  auto inbox = store_->find_mailbox(account_, "INBOX");
  auto metas = *store_->list_messages(account_, inbox->id);
  EXPECT_EQ(metas[0].internal_date, 1700000000);
  EXPECT_EQ(metas[0].flags, std::vector<std::string>{"\\Seen"});
  EXPECT_TRUE(metas[1].flags.empty());
  // Stored as MailService stores it: CRLF, with ENVELOPE computed.
  EXPECT_EQ(*store_->read_message(account_, inbox->id, 1), "Subject: n0\r\n\r\nbody 0\r\n");
  EXPECT_NE(store_->derived(account_, inbox->id, 1)->envelope.find("\"n0\""), std::string::npos);
}

TEST_F(ImportBatchTest, ByteBoundSplitsBatches) {
  ImportBatcher batcher = make_batcher(100, 60);  // each message is ~25 octets: 2 per batch
  const auto before = store_->commit_stats();
  for (int n = 0; n < 5; ++n) {
    ASSERT_TRUE(batcher.add("INBOX", message(n)));
  }
  ASSERT_TRUE(batcher.flush());
  EXPECT_EQ(batcher.imported(), 5u);
  EXPECT_EQ(store_->commit_stats().batches, before.batches + 3);
}

TEST_F(ImportBatchTest, OverQuotaStoresExactlyThePrefixThatFits) {
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 7).ok());
  ImportBatcher batcher = make_batcher(4);
  int accepted = 0;
  for (int n = 0; n < 20; ++n) {
    if (!batcher.add("INBOX", message(n))) {
      break;
    }
    ++accepted;
  }
  EXPECT_FALSE(batcher.flush());
  EXPECT_EQ(accepted, 7) << "the 8th add completes the batch that hits the quota";
  EXPECT_EQ(batcher.imported(), 7u);
  EXPECT_EQ(batcher.failed(), 1u);
  EXPECT_EQ(failures_, std::vector<std::string>{"INBOX: over_quota"});
  EXPECT_EQ(subjects("INBOX"), (std::vector<std::string>{"n0", "n1", "n2", "n3", "n4", "n5", "n6"}));
  EXPECT_FALSE(batcher.add("INBOX", message(30))) << "stopped";
}

TEST_F(ImportBatchTest, BadMessagesFailAloneAndTheImportGoesOn) {
  options_.max_message_bytes = 40;
  ImportBatcher batcher = make_batcher(10);
  ASSERT_TRUE(batcher.add("INBOX", message(1)));
  ASSERT_TRUE(batcher.add("INBOX", ImportedMessage{}));  // empty
  ImportedMessage big = message(2);
  big.bytes += std::string(100, 'x');
  ASSERT_TRUE(batcher.add("INBOX", std::move(big)));
  ASSERT_TRUE(batcher.add("No/Such/Box", message(3)));
  ASSERT_TRUE(batcher.add("INBOX", message(4)));
  ASSERT_TRUE(batcher.flush());
  EXPECT_EQ(batcher.imported(), 2u);
  EXPECT_EQ(batcher.failed(), 3u);
  EXPECT_EQ(failures_, (std::vector<std::string>{"INBOX: bad_syntax", "INBOX: limit", "No/Such/Box: not_found"}));
  EXPECT_EQ(subjects("INBOX"), (std::vector<std::string>{"n1", "n4"}));
}

TEST_F(ImportBatchTest, MailboxDeletedAfterQueueingFailsOnlyItsMessages) {
  ImportBatcher batcher = make_batcher(10);
  ASSERT_TRUE(batcher.add("INBOX", message(1)));
  ASSERT_TRUE(batcher.add("Junk", message(2)));
  ASSERT_TRUE(batcher.add("INBOX", message(3)));
  ASSERT_TRUE(store_->delete_mailbox(account_, store_->find_mailbox(account_, "Junk")->id).ok());
  ASSERT_TRUE(batcher.flush()) << "not_found does not stop an import";
  EXPECT_EQ(batcher.imported(), 2u);
  EXPECT_EQ(failures_, std::vector<std::string>{"Junk: not_found"});
  EXPECT_EQ(subjects("INBOX"), (std::vector<std::string>{"n1", "n3"}));
}

}  // namespace
}  // namespace postroom::mail
