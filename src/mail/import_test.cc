#include "mail/import.h"

#include <gtest/gtest.h>

namespace postroom::mail {
namespace {

std::vector<ImportedMessage> split(std::string_view text) {
  std::vector<ImportedMessage> out;
  split_mbox(text, [&](ImportedMessage&& m) {
    out.push_back(std::move(m));
    return true;
  });
  return out;
}

TEST(Mbox, SplitsMessagesAndUnquotesFrom) {
  auto messages = split(
      "From alice@example.test Thu Nov 24 18:22:48 1986\n"
      "Subject: one\nStatus: RO\nX-Status: AF\n\nbody\n>From here\n>>From there\n\n"
      "From bob@example.test Fri Nov 25 10:00:00 1986\n"
      "Subject: two\n\nFrom inside a paragraph is not a separator\n");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].bytes, "Subject: one\nStatus: RO\nX-Status: AF\n\nbody\nFrom here\n>From there\n");
  EXPECT_EQ(messages[0].internal_date, 533240568);
  EXPECT_EQ(messages[0].flags, (std::vector<std::string>{"\\Seen", "\\Answered", "\\Flagged"}));
  EXPECT_EQ(messages[1].bytes, "Subject: two\n\nFrom inside a paragraph is not a separator\n");
  EXPECT_TRUE(messages[1].flags.empty());
}

TEST(Mbox, CrlfAndEmpty) {
  EXPECT_TRUE(split("").empty());
  EXPECT_TRUE(split("not an mbox\n").empty());
  auto messages = split("From x Thu Nov 24 18:22:48 1986\r\nA: b\r\n\r\nc\r\n\r\n");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].bytes, "A: b\r\n\r\nc\r\n");
}

TEST(Maildir, FlagsAndTime) {
  EXPECT_EQ(maildir_flags("1700000000.M1P2.host:2,FRS"),
            (std::vector<std::string>{"\\Flagged", "\\Answered", "\\Seen"}));
  EXPECT_EQ(maildir_flags("1700000000.M1P2.host:2,DTab"), (std::vector<std::string>{"\\Draft", "\\Deleted"}));
  EXPECT_TRUE(maildir_flags("1700000000.M1P2.host").empty());
  EXPECT_EQ(maildir_time("1700000000.M1P2.host:2,S"), 1700000000);
  EXPECT_EQ(maildir_time("host:2,S"), 0);
}

TEST(FromLine, BadDates) {
  EXPECT_EQ(parse_from_line_date("From x"), 0);
  EXPECT_EQ(parse_from_line_date("From x Thu Nov 99 18:22:48 1986 junk"), 0);
}

}  // namespace
}  // namespace postroom::mail
