// MailService's IMAP-facing operations: durable wrappers that publish change events.
#include <gtest/gtest.h>

#include <vector>

#include "mail/mail_service.h"
#include "push/change_bus.h"
#include "store/test_support.h"

namespace postroom::mail {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

class ImapOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    account_ = store_->add_account("alice@example.test", "x")->id;
    inbox_ = store_->find_mailbox(account_, "INBOX")->id;
    archive_ = store_->find_mailbox(account_, "Archive")->id;
    service_ = std::make_unique<MailService>(*store_, MailOptions{}, &bus_);
    subscription_ = bus_.subscribe(account_, [this](const push::ChangeEvent& event) { events_.push_back(event); });
  }

  store::MessageMeta deliver(const std::string& subject) {
    auto meta = service_->deliver("alice@example.test",
                                  Delivery{"From: a@example.test\nSubject: " + subject + "\n\nbody\n", {}, 0});
    EXPECT_TRUE(meta.ok());
    return meta.ok() ? *meta : store::MessageMeta{};
  }

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  push::ChangeBus bus_;
  std::unique_ptr<MailService> service_;
  push::ChangeBus::Subscription subscription_;
  std::vector<push::ChangeEvent> events_;
  store::AccountId account_ = 0;
  store::MailboxId inbox_ = 0;
  store::MailboxId archive_ = 0;
};

TEST_F(ImapOpsTest, EveryMutationPublishesAfterItIsVisible) {
  // The callback checks the change is already readable (published after the commit).
  auto checker = bus_.subscribe(account_, [this](const push::ChangeEvent& event) {
    if (event.kind == push::ChangeKind::appended) {
      EXPECT_GE(*store_->highest_modseq(account_), event.highest_modseq);
      EXPECT_FALSE(store_->list_messages(account_, event.mailbox)->empty());
    }
  });
  store::MessageMeta one = deliver("one");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, push::ChangeKind::appended);
  EXPECT_EQ(events_[0].mailbox, inbox_);
  EXPECT_EQ(events_[0].highest_modseq, one.modseq);

  auto appended = service_->append_to(account_, "Archive", Delivery{"Subject: x\r\n\r\ny\r\n", {"\\Seen"}, 1000});
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->mailbox, archive_);
  EXPECT_EQ(appended->uidvalidity, store_->get_mailbox(account_, archive_)->uidvalidity);
  EXPECT_EQ(appended->meta.internal_date, 1000);
  EXPECT_EQ(events_.back().mailbox, archive_);

  events_.clear();
  auto flagged = service_->update_flags(account_, inbox_, {one.uid}, store::FlagOp::add, {"\\Flagged"});
  ASSERT_TRUE(flagged.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, push::ChangeKind::flags);
  EXPECT_EQ(events_[0].highest_modseq, flagged->changed[0].modseq);
  // No change, no event.
  ASSERT_TRUE(service_->update_flags(account_, inbox_, {one.uid}, store::FlagOp::add, {"\\Flagged"}).ok());
  EXPECT_EQ(events_.size(), 1u);

  events_.clear();
  auto copied = service_->copy(account_, inbox_, {one.uid}, archive_);
  ASSERT_TRUE(copied.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].mailbox, archive_);

  events_.clear();
  auto moved = service_->move(account_, inbox_, {one.uid}, archive_);
  ASSERT_TRUE(moved.ok());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, push::ChangeKind::appended);
  EXPECT_EQ(events_[1].kind, push::ChangeKind::expunged);
  EXPECT_EQ(events_[1].mailbox, inbox_);

  events_.clear();
  auto removed = service_->expunge(account_, archive_, {moved->uids[0].destination});
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, push::ChangeKind::expunged);
  EXPECT_EQ(events_[0].highest_modseq, *store_->highest_modseq(account_));
}

TEST_F(ImapOpsTest, MailboxOperationsPublish) {
  auto made = service_->create_mailbox(account_, "Projects/2027");
  ASSERT_TRUE(made.ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, push::ChangeKind::mailbox_created);
  auto renamed = service_->rename_mailbox(account_, made->id, "Projects/2028");
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(events_.back().kind, push::ChangeKind::mailbox_renamed);
  ASSERT_TRUE(service_->delete_mailbox(account_, made->id).ok());
  EXPECT_EQ(events_.back().kind, push::ChangeKind::mailbox_deleted);
  ASSERT_TRUE(service_->set_subscribed(account_, "Projects", true).ok());
  EXPECT_EQ(*store_->list_subscriptions(account_), std::vector<std::string>{"Projects"});
  // Failures publish nothing.
  std::size_t count = events_.size();
  EXPECT_EQ(service_->delete_mailbox(account_, inbox_).error().kind, ErrorKind::permanent);
  EXPECT_EQ(service_->create_mailbox(account_, "Projects").error().kind, ErrorKind::exists);
  EXPECT_EQ(events_.size(), count);
}

TEST_F(ImapOpsTest, OverQuotaCopyPublishesNothing) {
  store::MessageMeta one = deliver("one");
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 1).ok());
  events_.clear();
  auto copied = service_->copy(account_, inbox_, {one.uid}, archive_);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().kind, ErrorKind::over_quota);
  EXPECT_TRUE(events_.empty());
  // The existing constructor still works, without a bus.
  MailService plain(*store_, MailOptions{});
  EXPECT_EQ(plain.append(account_, "INBOX", Delivery{"Subject: y\r\n\r\nz\r\n", {}, 0}).error().kind,
            ErrorKind::over_quota);
}

}  // namespace
}  // namespace postroom::mail

namespace postroom::mail {
namespace {

TEST_F(ImapOpsTest, BinaryMimeKeepsLineEndingsAndTextIsNormalised) {
  const std::string binary = "Subject: b\r\nContent-Transfer-Encoding: binary\r\n\r\n\x01\n\r\x02\r\n";
  auto kept = service_->append_to(account_, "INBOX", Delivery{binary, {}, 0, true});
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*store_->read_message(account_, inbox_, kept->meta.uid), binary);
  auto text = service_->append_to(account_, "INBOX", Delivery{"Subject: t\n\nline\n", {}, 0});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*store_->read_message(account_, inbox_, text->meta.uid), "Subject: t\r\n\r\nline\r\n");
}

}  // namespace
}  // namespace postroom::mail
