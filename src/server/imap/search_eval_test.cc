// SEARCH evaluation over a real SQLite store: every key with a matching and a non-matching
// case, once through the FTS index and once by scanning decoded text.
#include "server/imap/search_eval.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mail/mail_service.h"
#include "store/test_support.h"

namespace postroom::server::imap {
namespace {

namespace pi = postroom::imap;
using Seqs = std::vector<std::uint32_t>;

constexpr std::int64_t kMar5 = 1709630100;  // 2024-03-05 09:15 UTC
constexpr std::int64_t kDay = 86400;

class SearchEvalTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    store_ = store::testing::open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.org").ok());
    auto account = store_->add_account("bob@example.org", "x");
    ASSERT_TRUE(account.ok());
    account_ = account->id;
    mail_ = std::make_unique<mail::MailService>(*store_, mail::MailOptions{});
    mailbox_ = store_->find_mailbox(account_, "INBOX")->id;

    add("From: Alice <alice@example.com>\r\nTo: Bob <bob@example.org>\r\nCc: carol@example.net\r\n"
        "Bcc: dave@example.com\r\nSubject: Quarterly report\r\nDate: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Caf\xC3\xA9 numbers inside.\r\n",
        {"\\Seen", "\\Answered"}, kMar5);
    add("From: Zed <zed@example.net>\r\nTo: team@example.net\r\nSubject: Lunch?\r\n"
        "Date: Sun, 01 Jan 2023 23:30:00 -0500\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "VGhlIHNlY3JldCB3b3JkLg==\r\n",  // "The secret word."
        {"\\Flagged", "\\Draft", "$Work"}, kMar5 + kDay);
    add("From: Yan <yan@example.org>\r\nTo: bob@example.org\r\nSubject: Re: Quarterly report\r\n"
        "X-Tag: blue sky\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe " +
            std::string(1200, 'x') + "\r\n",
        {"\\Deleted"}, kMar5 + 2 * kDay);
    auto listed = store_->list_messages(account_, mailbox_);
    ASSERT_TRUE(listed.ok());
    messages_ = *listed;
    ASSERT_EQ(messages_.size(), 3u);
  }

  void add(const std::string& bytes, std::vector<std::string> flags, std::int64_t date) {
    mail::Delivery delivery;
    delivery.bytes = bytes;
    delivery.flags = std::move(flags);
    delivery.internal_date = date;
    ASSERT_TRUE(mail_->append(account_, "INBOX", std::move(delivery)).ok());
  }

  SearchEvaluator evaluator() {
    SearchEvaluator e(*store_, account_, mailbox_, messages_, {messages_[0].uid, messages_[2].uid},
                      kMar5 + 2 * kDay + 100);
    e.set_use_fts(GetParam());
    return e;
  }

  Seqs search(const std::string& program) {
    auto key = pi::parse_search_program(program, pi::SearchLimits{});
    EXPECT_TRUE(key.ok()) << program;
    if (!key.ok()) {
      return {99};
    }
    SearchEvaluator e = evaluator();
    auto result = e.evaluate(*key);
    EXPECT_TRUE(result.ok()) << program << ": " << (result.ok() ? "" : result.error().detail);
    return result.ok() ? *result : Seqs{99};
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<mail::MailService> mail_;
  store::AccountId account_ = 0;
  store::MailboxId mailbox_ = 0;
  std::vector<store::MessageMeta> messages_;
};

TEST_P(SearchEvalTest, FlagsAndSets) {
  EXPECT_EQ(search("ALL"), (Seqs{1, 2, 3}));
  EXPECT_EQ(search("SEEN"), (Seqs{1}));
  EXPECT_EQ(search("UNSEEN"), (Seqs{2, 3}));
  EXPECT_EQ(search("ANSWERED"), (Seqs{1}));
  EXPECT_EQ(search("UNANSWERED"), (Seqs{2, 3}));
  EXPECT_EQ(search("DELETED"), (Seqs{3}));
  EXPECT_EQ(search("UNDELETED"), (Seqs{1, 2}));
  EXPECT_EQ(search("DRAFT"), (Seqs{2}));
  EXPECT_EQ(search("UNDRAFT"), (Seqs{1, 3}));
  EXPECT_EQ(search("FLAGGED"), (Seqs{2}));
  EXPECT_EQ(search("UNFLAGGED"), (Seqs{1, 3}));
  EXPECT_EQ(search("KEYWORD $work"), (Seqs{2}));
  EXPECT_EQ(search("KEYWORD $Other"), (Seqs{}));
  EXPECT_EQ(search("UNKEYWORD $Work"), (Seqs{1, 3}));
  // No \Recent: RECENT and NEW match nothing, OLD everything.
  EXPECT_EQ(search("RECENT"), (Seqs{}));
  EXPECT_EQ(search("NEW"), (Seqs{}));
  EXPECT_EQ(search("OLD"), (Seqs{1, 2, 3}));
  EXPECT_EQ(search("2:3"), (Seqs{2, 3}));
  EXPECT_EQ(search("*"), (Seqs{3}));
  EXPECT_EQ(search("4:9"), (Seqs{}));
  EXPECT_EQ(search("UID " + std::to_string(messages_[1].uid)), (Seqs{2}));
  EXPECT_EQ(search("UID 100:200"), (Seqs{}));
  EXPECT_EQ(search("$"), (Seqs{1, 3}));
  EXPECT_EQ(search("UID $"), (Seqs{1, 3}));
}

TEST_P(SearchEvalTest, DatesSizesAndIds) {
  EXPECT_EQ(search("BEFORE 6-Mar-2024"), (Seqs{1}));
  EXPECT_EQ(search("ON 6-Mar-2024"), (Seqs{2}));
  EXPECT_EQ(search("ON 8-Mar-2024"), (Seqs{}));
  EXPECT_EQ(search("SINCE 6-Mar-2024"), (Seqs{2, 3}));
  // Date: header as written (zone disregarded); message 3 has none → internal date.
  EXPECT_EQ(search("SENTON 1-Jan-2023"), (Seqs{2}));
  EXPECT_EQ(search("SENTON 2-Jan-2023"), (Seqs{}));
  EXPECT_EQ(search("SENTBEFORE 2-Jan-2023"), (Seqs{2}));
  EXPECT_EQ(search("SENTSINCE 5-Mar-2024"), (Seqs{1, 3}));
  EXPECT_EQ(search("SENTON 7-Mar-2024"), (Seqs{3}));
  EXPECT_EQ(search("LARGER 1000"), (Seqs{3}));
  EXPECT_EQ(search("SMALLER 1000"), (Seqs{1, 2}));
  EXPECT_EQ(search("LARGER 100000"), (Seqs{}));
  EXPECT_EQ(search("YOUNGER 200"), (Seqs{3}));
  EXPECT_EQ(search("OLDER 200"), (Seqs{1, 2}));
  EXPECT_EQ(search("OLDER 100000000"), (Seqs{}));
  EXPECT_EQ(search("MODSEQ " + std::to_string(messages_[1].modseq)), (Seqs{2, 3}));
  EXPECT_EQ(search("MODSEQ " + std::to_string(messages_[2].modseq + 1)), (Seqs{}));
  EXPECT_EQ(search("EMAILID " + messages_[0].email_id), (Seqs{1}));
  EXPECT_EQ(search("EMAILID E000000000000000000000000"), (Seqs{}));
  EXPECT_EQ(search("THREADID T1"), (Seqs{}));
  EXPECT_EQ(search("SAVEDSINCE 1-Jan-2020"), (Seqs{1, 2, 3}));
  EXPECT_EQ(search("SAVEDBEFORE 1-Jan-2020"), (Seqs{}));
  EXPECT_EQ(search("SAVEDATESUPPORTED"), (Seqs{1, 2, 3}));
}

TEST_P(SearchEvalTest, TextKeys) {
  EXPECT_EQ(search("FROM alice"), (Seqs{1}));
  EXPECT_EQ(search("FROM \"ZED\""), (Seqs{2}));
  EXPECT_EQ(search("FROM nobody"), (Seqs{}));
  EXPECT_EQ(search("TO team"), (Seqs{2}));
  EXPECT_EQ(search("TO nobody"), (Seqs{}));
  EXPECT_EQ(search("CC carol"), (Seqs{1}));
  EXPECT_EQ(search("CC bob"), (Seqs{}));
  EXPECT_EQ(search("BCC dave"), (Seqs{1}));
  EXPECT_EQ(search("BCC carol"), (Seqs{}));
  EXPECT_EQ(search("SUBJECT quarterly"), (Seqs{1, 3}));
  EXPECT_EQ(search("SUBJECT dinner"), (Seqs{}));
  // Decoded bodies: 8bit UTF-8 with Unicode case folding, base64, QP in Latin-1.
  EXPECT_EQ(search("BODY \"CAF\xC3\x89\""), (Seqs{1}));
  EXPECT_EQ(search("BODY secret"), (Seqs{2}));
  EXPECT_EQ(search("BODY \"gr\xC3\xBC\xC3\x9F\""), (Seqs{3}));
  EXPECT_EQ(search("BODY quarterly"), (Seqs{}));
  EXPECT_EQ(search("TEXT zed"), (Seqs{2}));
  EXPECT_EQ(search("TEXT numbers"), (Seqs{1}));
  EXPECT_EQ(search("TEXT absent-word"), (Seqs{}));
  EXPECT_EQ(search("HEADER X-Tag blue"), (Seqs{3}));
  EXPECT_EQ(search("HEADER x-tag \"\""), (Seqs{3}));
  EXPECT_EQ(search("HEADER X-Tag red"), (Seqs{}));
}

TEST_P(SearchEvalTest, BooleanStructure) {
  EXPECT_EQ(search("OR SEEN FLAGGED"), (Seqs{1, 2}));
  EXPECT_EQ(search("NOT SEEN"), (Seqs{2, 3}));
  EXPECT_EQ(search("(UNSEEN FROM zed)"), (Seqs{2}));
  EXPECT_EQ(search("OR BODY secret DELETED"), (Seqs{2, 3}));
  EXPECT_EQ(search("NOT (OR SUBJECT lunch SEEN)"), (Seqs{3}));
  EXPECT_EQ(search("UNSEEN SUBJECT quarterly 1:2"), (Seqs{}));
}

TEST_P(SearchEvalTest, CheapKeysFirstAndNoBlobReads) {
  auto key =
      pi::parse_search_program("BODY secret UNSEEN SENTSINCE 1-Jan-2000 OR BODY secret FLAGGED", pi::SearchLimits{});
  ASSERT_TRUE(key.ok());
  SearchEvaluator e = evaluator();
  auto result = e.evaluate(*key);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, (Seqs{2}));
  if (GetParam()) {
    // One query: the OR's FLAGGED already matched every remaining candidate, so its BODY
    // never runs. SENT* read only the stored envelope.
    EXPECT_EQ(e.fts_queries(), 1);
    EXPECT_EQ(e.blob_reads(), 0);
  } else {
    // Scanning reads only candidates left after the metadata keys (UNSEEN: 2 and 3).
    EXPECT_EQ(e.blob_reads(), 2);
  }
  // A metadata-only program loads no message at all.
  auto flags = pi::parse_search_program("UNSEEN LARGER 10", pi::SearchLimits{});
  SearchEvaluator f = evaluator();
  ASSERT_TRUE(f.evaluate(*flags).ok());
  EXPECT_EQ(f.messages_loaded(), 0);
}

INSTANTIATE_TEST_SUITE_P(FtsAndScan, SearchEvalTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "fts" : "scan"; });

TEST(SearchCharsetTest, Supported) {
  EXPECT_TRUE(supported_charset("UTF-8"));
  EXPECT_TRUE(supported_charset("us-ascii"));
  EXPECT_FALSE(supported_charset("ISO-8859-1"));
  EXPECT_FALSE(supported_charset(""));
}

}  // namespace
}  // namespace postroom::server::imap
