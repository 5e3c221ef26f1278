#include "proto/imap/mutf7.h"

#include <gtest/gtest.h>

#include "proto/imap/date_time.h"

namespace postroom::imap {
namespace {

TEST(Mutf7, Rfc3501Examples) {
  // RFC 3501 §5.1.3: "~peter/mail/台北/日本語" and "&Jjo-!" (☺!).
  const std::string taipei = "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  EXPECT_EQ(mutf7_encode(taipei), "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  EXPECT_EQ(mutf7_decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), taipei);
  EXPECT_EQ(mutf7_encode("\xe2\x98\xba!"), "&Jjo-!");
  EXPECT_EQ(mutf7_decode("&Jjo-!"), "\xe2\x98\xba!");
}

TEST(Mutf7, RoundTrips) {
  const char* names[] = {"",
                         "INBOX",
                         "a&b",
                         "&",
                         "Entw\xc3\xbcrfe",
                         "R\xc3\xa9pertoire",
                         "\xf0\x9f\x98\x80 smile",
                         "\xd0\xbf\xd1\x80\xd0\xb5\xd0\xb4\xd0\xbb\xd0\xbe\xd0\xb3",
                         "tab\there",
                         "~/+,\\"};
  for (const char* name : names) {
    auto enc = mutf7_encode(name);
    ASSERT_TRUE(enc) << name;
    EXPECT_EQ(mutf7_decode(*enc), name) << *enc;
  }
  EXPECT_EQ(mutf7_encode("a&b"), "a&-b");
  EXPECT_EQ(mutf7_encode("Entw\xc3\xbcrfe"), "Entw&APw-rfe");
  EXPECT_EQ(mutf7_encode("\xf0\x9f\x98\x80"), "&2D3eAA-");
  EXPECT_EQ(mutf7_encode("tab\there"), "tab&AAk-here");
}

TEST(Mutf7, RejectsInvalid) {
  for (const char* bad : {"&Jjo!", "&", "&Jjo", "&AGE-&AGI-", "&AEE-", "&ZeVnLIqe", "&ZeVnLIqe=-", "&Jj-", "&2D0-",
                          "&3gA-", "&2D3YPQ-", "\x7f", "caf\xc3\xa9", "&U,BTF2-", "&Jjp-", "&AAA-"}) {
    EXPECT_FALSE(mutf7_decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(mutf7_encode("\xc3").has_value());
  EXPECT_FALSE(mutf7_encode("\xc0\xaf").has_value());          // overlong
  EXPECT_FALSE(mutf7_encode("\xed\xa0\x80").has_value());      // surrogate
  EXPECT_FALSE(mutf7_encode("\xf4\x90\x80\x80").has_value());  // above U+10FFFF
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(DateTime, ParseAndFormat) {
  auto d = parse_date("1-Feb-1994");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (Date{1994, 2, 1}));
  EXPECT_EQ(format_date(*d), "1-Feb-1994");
  EXPECT_TRUE(parse_date("29-Feb-2000"));
  EXPECT_FALSE(parse_date("29-Feb-1900"));
  EXPECT_FALSE(parse_date("0-Jan-2000"));
  EXPECT_FALSE(parse_date("123-Jan-2000"));
  EXPECT_FALSE(parse_date("1-January-2000"));
  auto dt = parse_date_time("17-Jul-1996 02:44:25 -0700");
  ASSERT_TRUE(dt);
  EXPECT_EQ(dt->zone_minutes, -420);
  EXPECT_EQ(format_date_time(*dt), "\"17-Jul-1996 02:44:25 -0700\"");
  dt = parse_date_time(" 7-Jul-1996 02:44:25 +0530");
  ASSERT_TRUE(dt);
  EXPECT_EQ(format_date_time(*dt), "\" 7-Jul-1996 02:44:25 +0530\"");
  EXPECT_FALSE(parse_date_time("7-Jul-1996 02:44:25 -0700"));
  EXPECT_FALSE(parse_date_time("17-Jul-1996 24:44:25 -0700"));
  EXPECT_FALSE(parse_date_time("17-Jul-1996 02:44:25 0700"));
  EXPECT_EQ(to_unix_seconds(*parse_date_time("01-Jan-1970 00:00:00 +0000")), 0);
  EXPECT_EQ(to_unix_seconds(*parse_date_time("01-Jan-1970 01:00:00 +0100")), 0);
  const DateTime back = from_unix_seconds(to_unix_seconds(*dt), dt->zone_minutes);
  EXPECT_EQ(back, *dt);
}

}  // namespace
}  // namespace postroom::imap
