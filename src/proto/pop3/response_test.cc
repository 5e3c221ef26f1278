#include "proto/pop3/response.h"

#include <gtest/gtest.h>

#include <string>

namespace postroom::pop3 {
namespace {

std::string stuffed(std::string_view message) {
  std::string out;
  append_dot_stuffed(out, message);
  return out;
}

std::string top(std::string_view message, std::uint64_t n) {
  std::string out;
  append_top(out, message, n);
  return out;
}

// What a client recovers from a dot-stuffed body (RFC 1939 §3 "byte-stuffing" undone).
std::string unstuff(std::string_view body) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (line_start && body[i] == '.') {
      ++i;
    }
    if (i < body.size()) {
      out.push_back(body[i]);
      line_start = body[i] == '\n';
    }
  }
  return out;
}

TEST(Pop3Response, StatusLines) {
  EXPECT_EQ(ok("2 320"), "+OK 2 320\r\n");
  EXPECT_EQ(ok(""), "+OK\r\n");
  EXPECT_EQ(err("no such message"), "-ERR no such message\r\n");
  EXPECT_EQ(err(""), "-ERR\r\n");
  EXPECT_EQ(err_code(RespCode::in_use, "maildrop already locked"), "-ERR [IN-USE] maildrop already locked\r\n");
  EXPECT_EQ(err_code(RespCode::login_delay, "wait"), "-ERR [LOGIN-DELAY] wait\r\n");
  EXPECT_EQ(err_code(RespCode::sys_temp, "disk"), "-ERR [SYS/TEMP] disk\r\n");
  EXPECT_EQ(err_code(RespCode::sys_perm, "gone"), "-ERR [SYS/PERM] gone\r\n");
  EXPECT_EQ(err_code(RespCode::auth, "bad password"), "-ERR [AUTH] bad password\r\n");
  EXPECT_EQ(err_code(RespCode::utf8, "UTF8 required"), "-ERR [UTF8] UTF8 required\r\n");
}

TEST(Pop3Response, TextCannotInjectLines) {
  EXPECT_EQ(err("user a\r\n+OK evil"), "-ERR user a  +OK evil\r\n");
  EXPECT_EQ(ok(std::string_view("a\0b", 3)), "+OK a b\r\n");
}

TEST(Pop3Response, DotStuffingEdgeCases) {
  EXPECT_EQ(stuffed(""), "");
  EXPECT_EQ(stuffed("."), "..\r\n");
  EXPECT_EQ(stuffed(".."), "...\r\n");
  EXPECT_EQ(stuffed(".\r\n"), "..\r\n");
  EXPECT_EQ(stuffed(".hidden\r\nok\r\n"), "..hidden\r\nok\r\n");
  EXPECT_EQ(stuffed("a\r\n.\r\nb\r\n"), "a\r\n..\r\nb\r\n");
  EXPECT_EQ(stuffed("a.b\r\n"), "a.b\r\n");  // only a leading dot is stuffed
  EXPECT_EQ(stuffed("no final newline"), "no final newline\r\n");
  EXPECT_EQ(stuffed("a\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(stuffed("a\rb\r"), "a\r\nb\r\n");
  EXPECT_EQ(stuffed("a\r\r\nb"), "a\r\n\r\nb\r\n");  // bare CR, then CRLF
  EXPECT_EQ(stuffed("a\n\rb"), "a\r\n\r\nb\r\n");    // LF then CR are two line ends
  EXPECT_EQ(stuffed("\r\n"), "\r\n");
  EXPECT_EQ(stuffed("\n.\n"), "\r\n..\r\n");
}

TEST(Pop3Response, WholeMultiLineResponse) {
  std::string out = ok("120 octets");
  append_dot_stuffed(out, "Subject: x\r\n\r\n.\r\nbody");
  out.append(kMultiLineEnd);
  EXPECT_EQ(out, "+OK 120 octets\r\nSubject: x\r\n\r\n..\r\nbody\r\n.\r\n");
}

TEST(Pop3Response, SizeMatchesWhatIsSent) {
  const char* messages[] = {"", ".", "a\r\nb\r\n", "a\nb", "x\r", ".a\r\n..b\n", "Subject: s\r\n\r\nbody\r\n"};
  for (const char* m : messages) {
    EXPECT_EQ(pop3_size(m), unstuff(stuffed(m)).size()) << m;
  }
  EXPECT_EQ(pop3_size("a\r\nb\r\n"), 6u);  // stored with CRLF: the stored size
  EXPECT_EQ(pop3_size("a\nb\n"), 6u);
  EXPECT_EQ(pop3_size("a"), 3u);
  EXPECT_EQ(pop3_size(""), 0u);
}

TEST(Pop3Response, Top) {
  const std::string message = "From: a\r\nSubject: b\r\n\r\nline1\r\n.line2\r\nline3\r\n";
  EXPECT_EQ(top(message, 0), "From: a\r\nSubject: b\r\n\r\n");
  EXPECT_EQ(top(message, 1), "From: a\r\nSubject: b\r\n\r\nline1\r\n");
  EXPECT_EQ(top(message, 2), "From: a\r\nSubject: b\r\n\r\nline1\r\n..line2\r\n");
  EXPECT_EQ(top(message, 3), stuffed(message));
  EXPECT_EQ(top(message, 1000000), stuffed(message));
  EXPECT_EQ(top("From: a\nX: y", 5), "From: a\r\nX: y\r\n");        // no body at all
  EXPECT_EQ(top("From: a\n\n\nsecond", 1), "From: a\r\n\r\n\r\n");  // empty body line counts
  EXPECT_EQ(top("", 3), "");
}

}  // namespace
}  // namespace postroom::pop3
