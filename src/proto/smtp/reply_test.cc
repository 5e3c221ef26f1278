#include "proto/smtp/reply.h"

#include <gtest/gtest.h>

#include "proto/smtp/status.h"
#include "proto/smtp/xtext.h"

namespace postroom::smtp {
namespace {

TEST(SmtpReply, SingleLine) {
  EXPECT_EQ(reply(250, {2, 1, 0}, "Sender OK"), "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(reply(220, "mx.example.org ESMTP Postroom"), "220 mx.example.org ESMTP Postroom\r\n");
  EXPECT_EQ(reply(354, "End data with <CR><LF>.<CR><LF>"), "354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(reply(250, ""), "250 \r\n");
  EXPECT_EQ(reply(250, {2, 0, 0}, ""), "250 2.0.0\r\n");
}

TEST(SmtpReply, TextIsSingleLineSafe) {
  const std::string text("no\r\n250 such\0user\x7f", 18);
  EXPECT_EQ(reply(550, {5, 1, 1}, text), "550 5.1.1 no  250 such user \r\n");
  EXPECT_EQ(multiline_reply(250, std::nullopt, {"a\nb", "c"}), "250-a b\r\n250 c\r\n");
}

TEST(SmtpReply, LinesAreCutAt512Octets) {
  const std::string long_text(1000, 'x');
  const std::string out = reply(550, {5, 7, 1}, long_text);
  EXPECT_EQ(out.size(), 512u);
  EXPECT_EQ(out.substr(0, 10), "550 5.7.1 ");
  EXPECT_EQ(out.substr(510), "\r\n");
  // A UTF-8 sequence straddling the cut is dropped whole.
  std::string utf8 = std::string(499, 'a') + "\xc3\xa9" + "tail";
  const std::string cut = reply(250, {2, 0, 0}, utf8);
  EXPECT_EQ(cut, "250 2.0.0 " + std::string(499, 'a') + "\r\n");
}

TEST(SmtpReply, MultiLine) {
  EXPECT_EQ(multiline_reply(214, EnhancedStatus{2, 0, 0}, {"Commands:", "HELO EHLO", "See RFC 5321"}),
            "214-2.0.0 Commands:\r\n214-2.0.0 HELO EHLO\r\n214 2.0.0 See RFC 5321\r\n");
  EXPECT_EQ(multiline_reply(250, std::nullopt, {}), "250 \r\n");
  EXPECT_EQ(multiline_reply(250, std::nullopt, {"only"}), "250 only\r\n");
}

TEST(SmtpReply, Ehlo) {
  EXPECT_EQ(ehlo_reply("mx.example.org Hello client.example",
                       {"PIPELINING", "SIZE 26214400", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING",
                        "BINARYMIME", "DSN", "STARTTLS"}),
            "250-mx.example.org Hello client.example\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n250-8BITMIME\r\n"
            "250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250-DSN\r\n"
            "250 STARTTLS\r\n");
  EXPECT_EQ(ehlo_reply("mx.example.org", {}), "250 mx.example.org\r\n");
}

TEST(SmtpReply, EscapeForReply) {
  EXPECT_EQ(escape_for_reply("bob@example.org"), "bob@example.org");
  EXPECT_EQ(escape_for_reply("a\r\nb\\c\xc3\xa9"), "a\\x0D\\x0Ab\\x5Cc\\xC3\\xA9");
  EXPECT_EQ(escape_for_reply(std::string(300, 'z'), 10), "zzzzzzzzzz...");
  EXPECT_EQ(escape_for_reply("\x01\x02\x03", 5), "\\x01...");
}

TEST(SmtpReply, ParseErrorReply) {
  ParseError error;
  error.code = 555;
  error.enhanced = {5, 5, 4};
  error.text = "MAIL parameter FOO not recognized";
  EXPECT_EQ(reply_for(error), "555 5.5.4 MAIL parameter FOO not recognized\r\n");
  EXPECT_FALSE(reply_for(DataOutcome{}).has_value());
}

TEST(SmtpStatus, ParseAndFormat) {
  EXPECT_EQ(parse_enhanced_status("5.1.1"), (EnhancedStatus{5, 1, 1}));
  EXPECT_EQ(parse_enhanced_status("4.7.26"), (EnhancedStatus{4, 7, 26}));
  EXPECT_EQ(parse_enhanced_status("2.123.999"), (EnhancedStatus{2, 123, 999}));
  EXPECT_EQ((EnhancedStatus{5, 5, 4}).to_string(), "5.5.4");
  for (const char* bad :
       {"", "5", "5.1", "5.1.", "3.1.1", "5.1.1.", "5.1234.1", "5.1.1234", "x.1.1", "5..1", "5.1.1 "}) {
    EXPECT_FALSE(parse_enhanced_status(bad).has_value()) << bad;
  }
}

TEST(SmtpXtext, DecodeAndEncode) {
  EXPECT_EQ(decode_xtext("plain"), "plain");
  EXPECT_EQ(decode_xtext("a+2Bb+3Dc"), "a+b=c");
  EXPECT_EQ(decode_xtext("a+2bb"), "a+b");  // lower-case hex tolerated
  EXPECT_EQ(decode_xtext(""), "");
  for (const char* bad : {"a+", "a+2", "a+ZZ", "a=b", "a b", "\x01", "\xc3\xa9"}) {
    EXPECT_FALSE(decode_xtext(bad).has_value()) << bad;
  }
  EXPECT_EQ(encode_xtext("a+b=c d\r\n\xc3\xa9"), "a+2Bb+3Dc+20d+0D+0A+C3+A9");
  const std::string all = [] {
    std::string s;
    for (int i = 0; i < 256; ++i) {
      s.push_back(static_cast<char>(i));
    }
    return s;
  }();
  EXPECT_EQ(decode_xtext(encode_xtext(all)), all);
}

}  // namespace
}  // namespace postroom::smtp
