// MessageData: lazy reads, the fallback when delivery-time strings are missing, errors, and
// the IMAP-syntax readers (ENVELOPE, BODY from BODYSTRUCTURE).
#include "server/imap/message_data.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mime/analyze.h"
#include "store/test_support.h"

namespace postroom::server::imap {
namespace {

const std::string kMessage =
    "From: \"Alice, Example\" <alice@example.com>\r\n"
    "To: Team: bob@example.org, carol@example.org;\r\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9?= \"quoted\"\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "In-Reply-To: <m0@example.com>\r\n"
    "References: <a@x> <m0@example.com>\r\n"
    "\r\n"
    "Body.\r\n";

class MessageDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.org").ok());
    account_ = store_->add_account("bob@example.org", "x")->id;
    mailbox_ = store_->find_mailbox(account_, "INBOX")->id;
  }

  store::MessageMeta append(bool with_derived) {
    store::NewMessage message;
    message.bytes = kMessage;
    if (with_derived) {
      mime::Analysis analysis = mime::analyze(kMessage);
      message.derived.envelope = analysis.envelope;
      message.derived.bodystructure = analysis.bodystructure;
    }
    auto meta = store_->append(account_, mailbox_, message);
    EXPECT_TRUE(meta.ok());
    return meta.ok() ? *meta : store::MessageMeta{};
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  store::AccountId account_ = 0;
  store::MailboxId mailbox_ = 0;
};

TEST_F(MessageDataTest, ReadsOnceAndOnlyWhatIsAsked) {
  store::MessageMeta meta = append(true);
  MessageData data(*store_, account_, mailbox_, meta);
  EXPECT_EQ(data.meta().uid, meta.uid);
  ASSERT_NE(data.envelope(), nullptr);
  ASSERT_NE(data.derived(), nullptr);
  EXPECT_EQ(data.derived_reads(), 1);
  EXPECT_EQ(data.blob_reads(), 0);
  ASSERT_NE(data.bytes(), nullptr);
  ASSERT_NE(data.structure(), nullptr);
  ASSERT_NE(data.top_header(), nullptr);
  EXPECT_EQ(*data.bytes(), kMessage);
  EXPECT_EQ(data.blob_reads(), 1);
  EXPECT_EQ(data.structure()->root.body_begin, kMessage.find("Body."));
}

TEST_F(MessageDataTest, MissingDerivedStringsAreComputedFromTheBytes) {
  store::MessageMeta meta = append(false);
  MessageData data(*store_, account_, mailbox_, meta);
  const store::MessageDerived* derived = data.derived();
  ASSERT_NE(derived, nullptr);
  const mime::Analysis analysis = mime::analyze(kMessage);
  EXPECT_EQ(derived->envelope, analysis.envelope);
  EXPECT_EQ(derived->bodystructure, analysis.bodystructure);
  EXPECT_EQ(data.blob_reads(), 1);
}

TEST_F(MessageDataTest, VanishedMessageGivesNullAndError) {
  store::MessageMeta meta = append(true);
  ASSERT_TRUE(store_->expunge(account_, mailbox_, {meta.uid}).ok());
  MessageData data(*store_, account_, mailbox_, meta);
  EXPECT_EQ(data.bytes(), nullptr);
  ASSERT_TRUE(data.error().has_value());
  EXPECT_EQ(data.bytes(), nullptr);  // not retried
  EXPECT_EQ(data.blob_reads(), 1);
}

TEST(EnvelopeParseTest, FieldsGroupsAndEscapes) {
  const mime::Analysis analysis = mime::analyze(kMessage);
  auto envelope = parse_envelope(analysis.envelope);
  ASSERT_TRUE(envelope.has_value()) << analysis.envelope;
  EXPECT_FALSE(envelope->date.has_value());
  EXPECT_EQ(envelope->subject, "=?UTF-8?Q?Caf=C3=A9?= \"quoted\"");
  ASSERT_EQ(envelope->from.size(), 1u);
  EXPECT_EQ(envelope->from[0].name, "Alice, Example");
  EXPECT_EQ(envelope->from[0].mailbox, "alice");
  EXPECT_EQ(envelope->from[0].host, "example.com");
  // Group: start marker, two members, end marker.
  ASSERT_EQ(envelope->to.size(), 4u);
  EXPECT_EQ(envelope->to[0].mailbox, "Team");
  EXPECT_FALSE(envelope->to[0].host.has_value());
  EXPECT_EQ(envelope->to[2].mailbox, "carol");
  EXPECT_FALSE(envelope->to[3].mailbox.has_value());
  EXPECT_TRUE(envelope->cc.empty());
  EXPECT_EQ(envelope->in_reply_to, "<m0@example.com>");
  EXPECT_EQ(envelope->message_id, "<m1@example.com>");
  // Literals are read too.
  auto literal = parse_envelope("(NIL {3}\r\nx\"y NIL NIL NIL NIL NIL NIL NIL NIL)");
  ASSERT_TRUE(literal.has_value());
  EXPECT_EQ(literal->subject, "x\"y");
  EXPECT_FALSE(parse_envelope("(NIL NIL)").has_value());
  EXPECT_FALSE(parse_envelope("(\"unterminated NIL NIL NIL NIL NIL NIL NIL NIL NIL)").has_value());
}

TEST(BodyFromBodystructureTest, DropsExtensionData) {
  EXPECT_EQ(
      body_from_bodystructure("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL)"),
      "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 6 1)");
  EXPECT_EQ(body_from_bodystructure("((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL)(\"IMAGE\" \"PNG\" "
                                    "NIL NIL NIL \"BASE64\" 4 NIL (\"ATTACHMENT\" NIL) NIL NIL) \"MIXED\" "
                                    "(\"BOUNDARY\" \"b\") NIL NIL NIL)"),
            "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"IMAGE\" \"PNG\" NIL NIL NIL \"BASE64\" 4) \"MIXED\")");
  EXPECT_FALSE(body_from_bodystructure("(\"TEXT\"").has_value());
}

}  // namespace
}  // namespace postroom::server::imap
