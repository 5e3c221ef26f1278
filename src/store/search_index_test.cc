// The deferred search index (store/sqlite/search_index.h): SEARCH gives the same answers
// before the idle indexer has reached a message (scanning its body) and after (the FTS index).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::make_message;
using testing::open_store;
using testing::query_int;
using testing::TempDir;

// Documents above the watermark without an FTS row: what SEARCH has to scan.
std::int64_t backlog(const std::string& dir) {
  return query_int(dir,
                   "SELECT count(*) FROM search_docs d WHERE d.docid > coalesce((SELECT value FROM counters "
                   "WHERE name = 'search_indexed'), 0) AND NOT EXISTS (SELECT 1 FROM search_fts f WHERE "
                   "f.rowid = d.docid)");
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    alice_ = *store_->add_account("alice@example.test", "$argon2id$hash");
    inbox_ = *store_->find_mailbox(alice_.id, "INBOX");
    archive_ = *store_->find_mailbox(alice_.id, "Archive");  // made with every account
  }

  Uid add(MailboxId mailbox, const std::string& subject, const std::string& body) {
    auto meta = store_->append(alice_.id, mailbox, make_message(subject, body));
    EXPECT_TRUE(meta.ok());
    return meta.ok() ? meta->uid : 0;
  }

  std::vector<Uid> search(MailboxId mailbox, TextField field, const std::string& value,
                          const std::string& header = "") {
    auto found = store_->search_text(alice_.id, mailbox, TextCriterion{field, header, value});
    EXPECT_TRUE(found.ok()) << (found.ok() ? "" : found.error().detail);
    return found.ok() ? *found : std::vector<Uid>{};
  }

  // Every kind of criterion over the inbox, in one list to compare before and after indexing.
  std::vector<std::vector<Uid>> answers() {
    return {search(inbox_.id, TextField::body, "needle"),
            search(inbox_.id, TextField::body, "NEEDLE in"),
            search(inbox_.id, TextField::text, "subject b"),
            search(inbox_.id, TextField::subject, "ub"),
            search(inbox_.id, TextField::subject, ""),
            search(inbox_.id, TextField::from, "example"),
            search(inbox_.id, TextField::header, "t b", "Subject"),
            search(inbox_.id, TextField::body, "absent")};
  }

  void wait_until_indexed() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (backlog(dir_.path()) != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(backlog(dir_.path()), 0);
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  Mailbox inbox_;
  Mailbox archive_;
};

TEST_F(SearchIndexTest, AnswersAreTheSameBeforeAndAfterIndexing) {
  Uid a = add(inbox_.id, "subject a", "The needle in the haystack.\r\n");
  Uid b = add(inbox_.id, "subject b", "Nothing here.\r\n");
  Uid c = add(archive_.id, "subject c", "Another needle, elsewhere.\r\n");
  // Right after the appends the indexer has (almost surely) not run: it waits for quiet.
  std::vector<std::vector<Uid>> before = answers();
  EXPECT_EQ(before[0], std::vector<Uid>{a});
  EXPECT_EQ(before[1], std::vector<Uid>{a});
  EXPECT_EQ(before[2], std::vector<Uid>{b});
  EXPECT_EQ(before[3], (std::vector<Uid>{a, b}));
  EXPECT_EQ(before[4], (std::vector<Uid>{a, b}));
  EXPECT_EQ(before[6], std::vector<Uid>{b});
  EXPECT_TRUE(before[7].empty());
  EXPECT_EQ(search(archive_.id, TextField::body, "needle"), std::vector<Uid>{c});
  wait_until_indexed();
  EXPECT_EQ(answers(), before);
  EXPECT_EQ(search(archive_.id, TextField::body, "needle"), std::vector<Uid>{c});
}

TEST_F(SearchIndexTest, ExpungeAndCopyOfQueuedDocuments) {
  Uid gone = add(inbox_.id, "to expunge", "A queued needle.\r\n");
  Uid kept = add(inbox_.id, "to copy", "A second needle.\r\n");
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {gone}).ok());
  auto copied = store_->copy_messages(alice_.id, inbox_.id, {kept}, archive_.id);
  ASSERT_TRUE(copied.ok());
  Uid copy = copied->uids.at(0).destination;
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{kept});
  EXPECT_EQ(search(archive_.id, TextField::body, "needle"), std::vector<Uid>{copy});
  wait_until_indexed();
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{kept});
  EXPECT_EQ(search(archive_.id, TextField::body, "needle"), std::vector<Uid>{copy});
  // A new document never takes a docid at or below the watermark, even when the highest
  // document was deleted (a plain rowid would reuse its number and be taken as indexed).
  ASSERT_TRUE(store_->expunge(alice_.id, archive_.id, {copy}).ok());
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {kept}).ok());
  Uid fresh = add(inbox_.id, "fresh", "A fresh needle.\r\n");
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{fresh});
  wait_until_indexed();
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{fresh});
}

TEST_F(SearchIndexTest, BacklogSurvivesARestart) {
  Uid a = add(inbox_.id, "before restart", "The needle stays findable.\r\n");
  store_.reset();  // may stop before indexing; the queue is in the database
  store_ = open_store(dir_.path());
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{a});
  wait_until_indexed();
  EXPECT_EQ(search(inbox_.id, TextField::body, "needle"), std::vector<Uid>{a});
  EXPECT_GT(query_int(dir_.path(), "SELECT value FROM counters WHERE name = 'search_indexed'"), 0);
}

}  // namespace
}  // namespace postroom::store
