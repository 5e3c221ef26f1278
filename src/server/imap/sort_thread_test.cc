// SORT and THREAD: base subjects (RFC 5256 §2.1), sort criteria, ORDEREDSUBJECT and
// REFERENCES threading over messages in a real store, and the THREAD output syntax.
#include "server/imap/sort_thread.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mail/mail_service.h"
#include "store/test_support.h"

namespace postroom::server::imap {
namespace {

namespace pi = postroom::imap;
using Numbers = std::vector<std::uint32_t>;

TEST(BaseSubjectTest, Rfc5256Examples) {
  bool reply = false;
  EXPECT_EQ(base_subject("Re: Fwd: [list] Hello world (fwd)", &reply), "Hello world");
  EXPECT_TRUE(reply);
  EXPECT_EQ(base_subject("[fwd: Re: test]", &reply), "test");
  EXPECT_TRUE(reply);
  EXPECT_EQ(base_subject("RE:  re:\tHello   there  ", &reply), "Hello there");
  EXPECT_EQ(base_subject("[PATCH] fix bug", &reply), "fix bug");
  EXPECT_FALSE(reply);
  EXPECT_EQ(base_subject("[PATCH]"), "[PATCH]");  // removing the blob would leave nothing
  EXPECT_EQ(base_subject("Re: [PATCH v2] x"), "x");
  EXPECT_EQ(base_subject("Fw: a"), "a");
  EXPECT_EQ(base_subject("FWD:b"), "b");
  EXPECT_EQ(base_subject("Re[2]: hi"), "hi");
  EXPECT_EQ(base_subject("[a][b] Re: c"), "c");
  EXPECT_EQ(base_subject("Reply needed", &reply), "Reply needed");
  EXPECT_FALSE(reply);
  EXPECT_EQ(base_subject("Re:   "), "");
  EXPECT_EQ(base_subject("=?UTF-8?Q?Re=3A_Caf=C3=A9?= (fwd) (FWD)"), "Caf\xC3\xA9");
  EXPECT_EQ(base_subject("Re: [fwd: Re: nested (fwd)]"), "nested");
}

TEST(MessageIdsTest, Extracts) {
  EXPECT_EQ(message_ids("<a@b> junk <c@d>\r\n <e@f>"), (std::vector<std::string>{"<a@b>", "<c@d>", "<e@f>"}));
  EXPECT_TRUE(message_ids("no ids <> <x>").empty());
}

TEST(FormatThreadTest, Rfc5256Syntax) {
  using N = pi::ThreadNode;
  std::vector<N> roots = {N{2, {}}, N{3, {N{6, {N{4, {N{23, {}}}}, N{44, {N{7, {N{96, {}}}}}}}}}}};
  EXPECT_EQ(format_thread(roots), "(2)(3 6 (4 23)(44 7 96))");
  std::vector<N> dummy = {N{0, {N{6, {}}, N{7, {}}}}};
  EXPECT_EQ(format_thread(dummy), "((6)(7))");
  EXPECT_EQ(format_thread({}), "");
  // A long chain stays flat and does not recurse.
  N chain{1, {}};
  N* tail = &chain;
  for (std::uint32_t i = 2; i <= 20000; ++i) {
    tail->children.push_back(N{i, {}});
    tail = &tail->children.back();
  }
  std::vector<N> forest;
  forest.push_back(std::move(chain));  // moved, not copied: copying recurses
  const std::string flat = format_thread(forest);
  EXPECT_TRUE(flat.starts_with("(1 2 3 "));
  EXPECT_TRUE(flat.ends_with(" 19999 20000)"));
  pi::release_threads(forest);
  EXPECT_TRUE(forest.empty());
}

class SortThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.org").ok());
    account_ = store_->add_account("bob@example.org", "x")->id;
    mail_ = std::make_unique<mail::MailService>(*store_, mail::MailOptions{});
    mailbox_ = store_->find_mailbox(account_, "INBOX")->id;
  }

  // Appends a message with a Date: day `day` of March 2024 (internal date = day 20 - day, to
  // tell DATE from ARRIVAL).
  void add(const std::string& id, const std::string& subject, int day, const std::string& extra = "",
           const std::string& from = "Someone <someone@example.com>", std::size_t padding = 0) {
    mail::Delivery delivery;
    delivery.bytes = "From: " + from + "\r\nTo: bob@example.org\r\nSubject: " + subject +
                     "\r\nDate: " + std::to_string(day) + " Mar 2024 12:00:00 +0000\r\nMessage-ID: " + id + "\r\n" +
                     extra + "\r\nbody" + std::string(padding, '.') + "\r\n";
    delivery.internal_date = 1709251200 + (20 - day) * 86400;  // 2024-03-01 + ...
    ASSERT_TRUE(mail_->append(account_, "INBOX", std::move(delivery)).ok());
  }

  void load() {
    auto listed = store_->list_messages(account_, mailbox_);
    ASSERT_TRUE(listed.ok());
    messages_ = *listed;
    all_.clear();
    for (std::uint32_t i = 1; i <= messages_.size(); ++i) {
      all_.push_back(i);
    }
  }

  Numbers sort(std::vector<pi::SortCriterion> criteria, bool uid = false) {
    auto out = sort_messages(messages_, all_, criteria, store_message_factory(*store_, account_, mailbox_), uid);
    EXPECT_TRUE(out.ok());
    return out.ok() ? *out : Numbers{};
  }

  std::string thread(pi::ThreadAlgorithm algorithm) {
    auto out = thread_messages(messages_, all_, algorithm, store_message_factory(*store_, account_, mailbox_), false);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().detail);
    return out.ok() ? format_thread(*out) : std::string();
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<mail::MailService> mail_;
  store::AccountId account_ = 0;
  store::MailboxId mailbox_ = 0;
  std::vector<store::MessageMeta> messages_;
  Numbers all_;
};

TEST_F(SortThreadTest, SortCriteria) {
  add("<1@x>", "Re: beta", 3, "Cc: zoe@example.com\r\n", "\"Zed Last\" <adam@example.com>", 50);
  add("<2@x>", "alpha", 1, "", "Mia <mia@example.com>", 10);
  add("<3@x>", "[list] Beta", 2, "Cc: amy@example.com\r\n", "brian@example.com", 30);
  add("<4@x>", "Fwd: ALPHA", 1, "", "=?UTF-8?Q?=C3=89mile?= <emile@example.com>", 20);
  load();
  using C = pi::SortCriterion;
  using K = pi::SortKey;
  EXPECT_EQ(sort({C{K::arrival, false}}), (Numbers{1, 3, 2, 4}));  // internal dates; tie (2, 4) by seq
  EXPECT_EQ(sort({C{K::date, false}}), (Numbers{2, 4, 3, 1}));     // ties (2, 4) by sequence
  EXPECT_EQ(sort({C{K::date, true}}), (Numbers{1, 3, 2, 4}));
  EXPECT_EQ(sort({C{K::subject, false}}), (Numbers{2, 4, 1, 3}));
  EXPECT_EQ(sort({C{K::subject, false}, C{K::date, true}}), (Numbers{2, 4, 1, 3}));
  EXPECT_EQ(sort({C{K::subject, true}, C{K::size, false}}), (Numbers{3, 1, 2, 4}));
  EXPECT_EQ(sort({C{K::from, false}}), (Numbers{1, 3, 4, 2}));         // adam, brian, emile, mia
  EXPECT_EQ(sort({C{K::displayfrom, false}}), (Numbers{3, 2, 1, 4}));  // brian@.., Mia, Zed Last, Émile (UTF-8 last)
  EXPECT_EQ(sort({C{K::cc, false}}), (Numbers{2, 4, 3, 1}));           // "", "", amy, zoe
  EXPECT_EQ(sort({C{K::size, false}}), (Numbers{2, 4, 3, 1}));
  EXPECT_EQ(sort({C{K::to, false}}), (Numbers{1, 2, 3, 4}));
  // UID output.
  Numbers uids = sort({C{K::size, false}}, true);
  EXPECT_EQ(uids, (Numbers{messages_[1].uid, messages_[3].uid, messages_[2].uid, messages_[0].uid}));
}

TEST_F(SortThreadTest, ReferencesAndOrderedSubject) {
  add("<1@x>", "A", 1);
  add("<2@x>", "Re: A", 2, "References: <1@x>\r\n");
  add("<3@x>", "B", 3);
  add("<4@x>", "Re: A", 4, "References: <1@x>\r\n <2@x>\r\n");
  add("<5@x>", "Re: A", 5, "In-Reply-To: <1@x>\r\n");
  add("<6@x>", "C", 6, "References: <missing@x>\r\n");
  add("<7@x>", "Re: C", 7, "References: <missing@x>\r\n");
  add("<8@x>", "Re: B", 8);  // no references: joins B by subject
  load();
  EXPECT_EQ(thread(pi::ThreadAlgorithm::references), "(1 (2 4)(5))(3 8)((6)(7))");
  EXPECT_EQ(thread(pi::ThreadAlgorithm::orderedsubject), "(1 (2)(4)(5))(3 8)(6 7)");
}

TEST_F(SortThreadTest, ReferencesLoopsAndDuplicates) {
  // 1 claims 2 as its parent (2 is then only a placeholder); 2 claims 1: that link would
  // make a loop and is refused, so 2 is the root with 1 below it.
  add("<1@x>", "one", 1, "References: <2@x>\r\n");
  add("<2@x>", "two", 2, "References: <1@x>\r\n");
  add("<1@x>", "dup", 3);  // duplicate Message-ID: a thread of its own
  add("<self@x>", "self", 4, "References: <self@x>\r\n");
  load();
  // The duplicate and the self-referencing message stand alone.
  EXPECT_EQ(thread(pi::ThreadAlgorithm::references), "(2 1)(3)(4)");
}

TEST_F(SortThreadTest, SubsetOnly) {
  add("<1@x>", "A", 1);
  add("<2@x>", "Re: A", 2, "References: <1@x>\r\n");
  add("<3@x>", "Re: A", 3, "References: <1@x> <2@x>\r\n");
  load();
  all_ = {2, 3};  // message 1 not selected: it becomes a dummy, then pruned (one child)
  EXPECT_EQ(thread(pi::ThreadAlgorithm::references), "(2 3)");
}

}  // namespace
}  // namespace postroom::server::imap
