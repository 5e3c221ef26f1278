#include "proto/smtp/reply_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace postroom::smtp {
namespace {

std::string describe(const ReplyResult& result) {
  if (std::holds_alternative<NeedMore>(result)) {
    return "NeedMore";
  }
  if (const auto* error = std::get_if<ReplyError>(&result)) {
    return "Error(" + std::to_string(static_cast<int>(error->kind)) + "," + error->text + ")";
  }
  const auto& r = std::get<Reply>(result);
  std::string out = std::to_string(r.code) + (r.enhanced ? "[" + r.enhanced->to_string() + "]" : "") + "(";
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    out += (i ? "|" : "") + r.lines[i];
  }
  return out + ")";
}

std::vector<std::string> parse_pieces(const std::vector<std::string_view>& pieces, ReplyLimits limits = {}) {
  ReplyParser parser(limits);
  std::vector<std::string> out;
  for (std::string_view piece : pieces) {
    parser.feed(piece);
    for (;;) {
      ReplyResult r = parser.next();
      if (std::holds_alternative<NeedMore>(r)) {
        break;
      }
      out.push_back(describe(r));
    }
  }
  return out;
}

std::vector<std::string> parse_all(std::string_view input, ReplyLimits limits = {}) {
  return parse_pieces({input}, limits);
}

void expect_split_invariant(std::string_view input, ReplyLimits limits = {}) {
  const std::vector<std::string> whole = parse_all(input, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(parse_pieces({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  EXPECT_EQ(parse_pieces(bytes, limits), whole) << "byte by byte";
}

TEST(SmtpReplyParser, SingleLine) {
  EXPECT_EQ(parse_all("220 mx.example.org ESMTP\r\n"), std::vector<std::string>{"220(mx.example.org ESMTP)"});
  EXPECT_EQ(parse_all("250 2.1.0 Ok\r\n"), std::vector<std::string>{"250[2.1.0](2.1.0 Ok)"});
  EXPECT_EQ(parse_all("250\r\n"), std::vector<std::string>{"250()"});
  EXPECT_EQ(parse_all("354 \r\n"), std::vector<std::string>{"354()"});
  EXPECT_EQ(parse_all("550 5.1.1\r\n"), std::vector<std::string>{"550[5.1.1](5.1.1)"});
  // The enhanced class must match the code's class.
  EXPECT_EQ(parse_all("550 2.1.1 odd\r\n"), std::vector<std::string>{"550(2.1.1 odd)"});
  EXPECT_EQ(parse_all("250 bare lf\n"), std::vector<std::string>{"250(bare lf)"});
}

TEST(SmtpReplyParser, MultiLine) {
  ReplyParser parser(ReplyLimits{});
  parser.feed("250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 SMTPUTF8\r\n");
  Reply r = std::get<Reply>(parser.next());
  EXPECT_EQ(r.code, 250);
  EXPECT_FALSE(r.enhanced.has_value());
  EXPECT_EQ(r.lines, (std::vector<std::string>{"mx.example.org", "PIPELINING", "SIZE 1000", "SMTPUTF8"}));
  EXPECT_TRUE(r.positive());
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));

  parser.feed("550-5.7.1 Rejected\r\n550-5.7.1 see https://example.org\r\n550 5.7.1 bye\r\n");
  r = std::get<Reply>(parser.next());
  EXPECT_EQ(r.enhanced, (EnhancedStatus{5, 7, 1}));
  EXPECT_TRUE(r.permanent());
  EXPECT_EQ(text_of(r, 0), "Rejected");
  EXPECT_EQ(text_of(r, 2), "bye");

  parser.feed("421-4.4.2 closing\r\n421 \r\n");
  r = std::get<Reply>(parser.next());
  EXPECT_TRUE(r.transient());
  EXPECT_EQ(r.lines.size(), 2u);
}

TEST(SmtpReplyParser, Errors) {
  EXPECT_EQ(parse_all("25 short\r\n"), std::vector<std::string>{"Error(2,malformed reply line)"});
  EXPECT_EQ(parse_all("650 bad class\r\n"), std::vector<std::string>{"Error(2,malformed reply line)"});
  EXPECT_EQ(parse_all("260 bad second digit\r\n"), std::vector<std::string>{"Error(2,malformed reply line)"});
  EXPECT_EQ(parse_all("250x\r\n"), std::vector<std::string>{"Error(2,malformed reply line)"});
  EXPECT_EQ(parse_all("250 a\rb\r\n"), std::vector<std::string>{"Error(2,malformed reply line)"});
  // A changed code ends the broken reply; the lines after it up to a final line are skipped.
  EXPECT_EQ(parse_all("250-a\r\n251-b\r\n250 c\r\n220 next\r\n"),
            (std::vector<std::string>{"Error(3,reply code changed within a multi-line reply)", "220(next)"}));
  EXPECT_EQ(parse_all("250-a\r\n251 b\r\n220 next\r\n"),
            (std::vector<std::string>{"Error(3,reply code changed within a multi-line reply)", "220(next)"}));
}

TEST(SmtpReplyParser, Limits) {
  ReplyLimits limits;
  limits.max_line = 512;
  limits.max_lines = 3;
  const std::string ok_line = "250 " + std::string(506, 'x') + "\r\n";
  ASSERT_EQ(ok_line.size(), 512u);
  EXPECT_EQ(parse_all(ok_line, limits).size(), 1u);
  EXPECT_EQ(parse_all("250-" + std::string(507, 'x') + "\r\n250 tail\r\n220 next\r\n", limits),
            (std::vector<std::string>{"Error(0,reply line too long)", "220(next)"}));
  EXPECT_EQ(parse_all("250-a\r\n250-b\r\n250-c\r\n250-d\r\n250-e\r\n250 f\r\n220 next\r\n", limits),
            (std::vector<std::string>{"Error(1,too many lines in reply)", "220(next)"}));
  EXPECT_EQ(parse_all("250-a\r\n250-b\r\n250 c\r\n", limits), (std::vector<std::string>{"250(a|b|c)"}));

  ReplyParser parser(limits);
  for (int i = 0; i < 100; ++i) {
    parser.feed(std::string(4096, 'y'));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
    EXPECT_LE(parser.buffered(), 512u);
  }
}

TEST(SmtpReplyParser, EverySplitPoint) {
  ReplyLimits limits;
  limits.max_line = 512;
  limits.max_lines = 4;
  expect_split_invariant(
      "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\n354 go\r\n"
      "250-a\r\n251-b\r\n250 c\r\n" +
          std::string(600, 'z') +
          "\r\n250-1\r\n250-2\r\n250-3\r\n250-4\r\n250-5\r\n"
          "250 6\r\n221 2.0.0 Bye\r\n",
      limits);
}

}  // namespace
}  // namespace postroom::smtp
