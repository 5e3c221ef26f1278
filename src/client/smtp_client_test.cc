#include "client/smtp_client.h"

#include <gtest/gtest.h>

namespace postroom::client {
namespace {

TEST(SmtpClientTest, DotStuffing) {
  EXPECT_EQ(dot_stuff("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(dot_stuff(".first\r\nlast"), "..first\r\nlast\r\n.\r\n");
  EXPECT_EQ(dot_stuff(""), ".\r\n");
}

TEST(SmtpClientTest, Capabilities) {
  SmtpReply reply;
  reply.code = 250;
  reply.lines = {"mx.example.org hello", "PIPELINING", "SIZE 35882577", "8bitmime", "STARTTLS",
                 "AUTH PLAIN login",     "DSN",        "SMTPUTF8",      "CHUNKING", "ENHANCEDSTATUSCODES"};
  Capabilities caps = parse_capabilities(reply);
  EXPECT_TRUE(caps.esmtp && caps.pipelining && caps.eightbitmime && caps.starttls && caps.dsn && caps.smtputf8 &&
              caps.chunking && caps.enhanced_status_codes && caps.size);
  EXPECT_EQ(caps.size_limit, 35882577u);
  EXPECT_EQ(caps.auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
  // The greeting line is not a keyword.
  reply.lines = {"STARTTLS"};
  EXPECT_FALSE(parse_capabilities(reply).starttls);
}

TEST(SmtpClientTest, ReplyTextAndStatus) {
  SmtpReply reply;
  reply.code = 550;
  reply.enhanced = "5.1.1";
  reply.lines = {"5.1.1 no such user", "5.1.1 really"};
  EXPECT_EQ(reply.text(), "550 5.1.1 no such user 5.1.1 really");
  EXPECT_EQ(reply.status(), "5.1.1");
  reply.enhanced.clear();
  reply.code = 451;
  EXPECT_EQ(reply.status(), "4.0.0");
  EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
}

}  // namespace
}  // namespace postroom::client
