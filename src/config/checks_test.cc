#include "config/checks.h"

#include <gtest/gtest.h>

namespace postroom::config {
namespace {

TEST(CheckHostname, AcceptsDnsNames) {
  EXPECT_EQ(check_hostname("localhost"), "");
  EXPECT_EQ(check_hostname("mail.example.org"), "");
  EXPECT_EQ(check_hostname("mx-1.example"), "");
}

TEST(CheckHostname, RefusesWhatCouldBreakAGreeting) {
  EXPECT_NE(check_hostname(""), "");
  EXPECT_NE(check_hostname("mail example"), "");
  EXPECT_NE(check_hostname("mail\r\n+OK forged"), "");
  EXPECT_NE(check_hostname("a..b"), "");
  EXPECT_NE(check_hostname(".example"), "");
  EXPECT_NE(check_hostname("example."), "");
  EXPECT_NE(check_hostname(std::string(64, 'a')), "");
  EXPECT_EQ(check_hostname(std::string(63, 'a')), "");
  std::string long_name;
  for (int i = 0; i < 64; ++i) {
    long_name += "abc.";
  }
  long_name += "x";
  EXPECT_NE(check_hostname(long_name), "");
}

TEST(CheckPath, NonEmptyWithoutControls) {
  EXPECT_EQ(check_path("/var/lib/postroom"), "");
  EXPECT_EQ(check_path("relative/dir"), "");
  EXPECT_NE(check_path(""), "");
  EXPECT_NE(check_path("/tmp/a\nb"), "");
  EXPECT_EQ(check_optional_path(""), "");
  EXPECT_EQ(check_optional_path("/etc/ssl/cert.pem"), "");
  EXPECT_NE(check_optional_path("/etc/\x01"), "");
}

TEST(CheckUserName, EmptyOrUnixName) {
  EXPECT_EQ(check_user_name(""), "");
  EXPECT_EQ(check_user_name("postroom"), "");
  EXPECT_EQ(check_user_name("_mail-1.x"), "");
  EXPECT_NE(check_user_name("1abc"), "");
  EXPECT_NE(check_user_name("a b"), "");
  EXPECT_NE(check_user_name("root:x"), "");
  EXPECT_NE(check_user_name(std::string(33, 'a')), "");
}

TEST(CheckPop3Expire, NeverOrDays) {
  EXPECT_EQ(check_pop3_expire("NEVER"), "");
  EXPECT_EQ(check_pop3_expire("0"), "");
  EXPECT_EQ(check_pop3_expire("31"), "");
  EXPECT_EQ(check_pop3_expire("36500"), "");
  EXPECT_NE(check_pop3_expire("36501"), "");
  EXPECT_NE(check_pop3_expire("never"), "");
  EXPECT_NE(check_pop3_expire(""), "");
  EXPECT_NE(check_pop3_expire("-1"), "");
  EXPECT_NE(check_pop3_expire("1.5"), "");
  EXPECT_NE(check_pop3_expire("999999999999"), "");
}

TEST(CheckIpAddress, LiteralsOnly) {
  EXPECT_EQ(check_ip_address("0.0.0.0"), "");
  EXPECT_EQ(check_ip_address("127.0.0.1"), "");
  EXPECT_EQ(check_ip_address("::"), "");
  EXPECT_EQ(check_ip_address("::1"), "");
  EXPECT_EQ(check_ip_address("2001:db8::25"), "");
  EXPECT_NE(check_ip_address("localhost"), "");
  EXPECT_NE(check_ip_address("256.0.0.1"), "");
  EXPECT_NE(check_ip_address(""), "");
  EXPECT_NE(check_ip_address(std::string("127.0.0.1\0x", 11)), "");
}

TEST(Quoted, EscapesLikeToml) {
  EXPECT_EQ(toml_quoted("plain"), "\"plain\"");
  EXPECT_EQ(toml_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(toml_quoted("x\r\ny\t"), "\"x\\r\\ny\\t\"");
  EXPECT_EQ(toml_quoted(std::string("\x01", 1)), "\"\\u0001\"");
}

}  // namespace
}  // namespace postroom::config
