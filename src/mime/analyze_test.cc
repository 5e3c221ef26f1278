#include "mime/analyze.h"

#include <gtest/gtest.h>

#include "mime/test_messages.h"

namespace postroom::mime {
namespace {

using testing::crlf;

// Expected values are written by hand from RFC 3501 §7.4.2 / §9 (body, envelope grammar):
// sizes are octets of the encoded body, the CRLF before a delimiter excluded.

TEST(AnalyzeTest, SimpleTextMatchesTheRfc3501FetchExample) {
  Analysis a = analyze(testing::kSimple);
  // RFC 3501 §6.4.5 example ENVELOPE for this header.
  EXPECT_EQ(a.envelope, R"x(("Mon, 7 Feb 1994 21:52:25 -0800 (PST)" "afternoon meeting" )x"
                        R"x((("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) )x"
                        R"x((("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) )x"
                        R"x((("Fred Foobar" NIL "foobar" "Blurdybloop.COM")) )x"
                        R"x(((NIL NIL "mooch" "owatagu.siam.edu")) NIL NIL NIL "<B27397-0100000@Blurdybloop.COM>"))x");
  // "Hello Joe, do you think we can meet at 3:30 tomorrow?" is 53 octets + CRLF.
  EXPECT_EQ(a.bodystructure, R"x(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 55 1 NIL NIL NIL NIL))x");
  EXPECT_EQ(a.body, R"x(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 55 1))x");
  EXPECT_EQ(a.subject, "afternoon meeting");
  EXPECT_EQ(a.message_id, "<B27397-0100000@Blurdybloop.COM>");
  EXPECT_FALSE(a.limits_hit);
}

TEST(AnalyzeTest, MultipartMixedWithAttachmentFollowsTheRfc3501Example) {
  Analysis a = analyze(testing::kMixed);
  EXPECT_EQ(a.envelope,
            R"x((NIL NIL ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL))x");
  // Same shape as RFC 3501 §7.4.2's BODYSTRUCTURE example.
  EXPECT_EQ(a.body, R"x((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 2))x"
                    R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii" "NAME" "cc.diff") )x"
                    R"x("<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4 1) "MIXED"))x");
  EXPECT_EQ(a.bodystructure, R"x((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 2 NIL NIL NIL NIL))x"
                             R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii" "NAME" "cc.diff") )x"
                             R"x("<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4 1 )x"
                             R"x(NIL ("ATTACHMENT" ("FILENAME" "cc.diff")) NIL NIL) )x"
                             R"x("MIXED" ("BOUNDARY" "XX") NIL NIL NIL))x");
}

TEST(AnalyzeTest, AlternativeInMixedWithMessageAttachment) {
  Analysis a = analyze(testing::kNested);
  EXPECT_EQ(a.envelope, R"x(("Tue, 1 Aug 2023 10:00:00 +0000" "=?UTF-8?Q?Caf=C3=A9?= report" )x"
                        R"x((("Alice Example" NIL "alice" "example.org")) )x"
                        R"x((("Alice Example" NIL "alice" "example.org")) )x"
                        R"x((("Alice Example" NIL "alice" "example.org")) )x"
                        R"x((("Bob" NIL "bob" "example.net")(NIL NIL "carol" "example.net")) )x"
                        R"x(NIL NIL NIL "<nested@example.org>"))x");
  EXPECT_EQ(a.subject, "Caf\xC3\xA9 report");
  const std::string inner_envelope =
      R"x((NIL "inner" (("Dave" NIL "dave" "example.com")) (("Dave" NIL "dave" "example.com")) )x"
      R"x((("Dave" NIL "dave" "example.com")) NIL NIL NIL NIL NIL))x";
  EXPECT_EQ(a.bodystructure,
            R"x(((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 9 1 NIL NIL NIL NIL))x"
            R"x(("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 20 1 NIL NIL NIL NIL) )x"
            R"x("ALTERNATIVE" ("BOUNDARY" "alt") NIL NIL NIL))x"
            R"x(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 214 )x" +
                inner_envelope +
                R"x( (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL))x"
                R"x(("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 8 NIL NIL NIL NIL) )x"
                R"x("MIXED" ("BOUNDARY" "in") NIL NIL NIL) 13 NIL ("INLINE" NIL) NIL NIL))x"
                R"x(("IMAGE" "PNG" ("NAME" "dot.png") NIL NIL "BASE64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" )x"
                R"x(("ATTACHMENT" ("FILENAME" "dot.png" "SIZE" "3")) ("en" "de") "http://example.org/dot.png") )x"
                R"x("MIXED" ("BOUNDARY" "outer") NIL NIL NIL))x");
  EXPECT_EQ(a.body, R"x(((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 9 1))x"
                    R"x(("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 20 1) "ALTERNATIVE"))x"
                    R"x(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 214 )x" +
                        inner_envelope +
                        R"x( (("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1))x"
                        R"x(("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BASE64" 8) "MIXED") 13))x"
                        R"x(("IMAGE" "PNG" ("NAME" "dot.png") NIL NIL "BASE64" 4) "MIXED"))x");
}

TEST(AnalyzeTest, EncodedWordsGroupsAndRfc2231Filenames) {
  Analysis a = analyze(testing::kEncodedWords);
  // ENVELOPE keeps encoded-words; groups are (NIL NIL "name" NIL) ... (NIL NIL NIL NIL).
  EXPECT_EQ(a.envelope, R"x((NIL "=?UTF-8?B?w6lsw6h2ZQ==?= =?ISO-8859-1?Q?caf=E9?=" )x"
                        R"x((("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) )x"
                        R"x((("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) )x"
                        R"x((("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) )x"
                        R"x(((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test"))x"
                        R"x(("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL)) )x"
                        R"x(((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))x");
  // Whitespace between adjacent encoded-words disappears (RFC 2047 §6.2).
  EXPECT_EQ(a.subject,
            "\xC3\xA9l\xC3\xA8ve"
            "caf\xC3\xA9");
  EXPECT_EQ(a.bodystructure, R"x(("APPLICATION" "PDF" NIL NIL NIL "BASE64" 10 NIL )x"
                             R"x(("ATTACHMENT" ("FILENAME*" "UTF-8''%E2%82%AC%20rates.pdf")) NIL NIL))x");
}

TEST(AnalyzeTest, BareLfTextGetsDefaultCharset) {
  Analysis a = analyze(testing::kBareLf);
  EXPECT_EQ(a.bodystructure, R"x((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 3 1 NIL NIL NIL NIL))x"
                             R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 9 2 NIL NIL NIL NIL) )x"
                             R"x("MIXED" ("BOUNDARY" "b") NIL NIL NIL))x");
}

TEST(AnalyzeTest, MissingCloseDelimiter) {
  Analysis a = analyze(testing::kMissingEnd);
  EXPECT_EQ(a.envelope, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(a.bodystructure, R"x((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 14 1 NIL NIL NIL NIL) )x"
                             R"x("MIXED" ("BOUNDARY" "zz") NIL NIL NIL))x");
}

TEST(AnalyzeTest, GarbageHeadersAreSkipped) {
  Analysis a = analyze(testing::kGarbageHeaders);
  EXPECT_EQ(a.envelope, R"x((NIL "obsolete space before colon" NIL NIL NIL NIL NIL NIL NIL NIL))x");
  EXPECT_EQ(a.body, R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 6 1))x");
}

TEST(AnalyzeTest, EightBitHeadersBecomeLiterals) {
  Analysis a = analyze(testing::kEightBit);
  EXPECT_EQ(a.envelope,
            "(NIL {7}\r\nGr\xC3\xBC\xC3\x9F"
            "e (({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) "
            "(({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) "
            "(({7}\r\nJ\xC3\xBCrgen NIL \"j\" \"example.de\")) NIL NIL NIL NIL NIL)");
  EXPECT_EQ(a.subject,
            "Gr\xC3\xBC\xC3\x9F"
            "e");
  EXPECT_EQ(a.body, R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 4 1))x");
}

TEST(AnalyzeTest, NoBodyAndEmptyMessage) {
  Analysis a = analyze(testing::kNoBody);
  EXPECT_EQ(
      a.envelope,
      R"x((NIL "header only" ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) ((NIL NIL "a" "b.c")) NIL NIL NIL NIL NIL))x");
  EXPECT_EQ(a.body, R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0))x");
  Analysis empty = analyze("");
  EXPECT_EQ(empty.envelope, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  EXPECT_EQ(empty.bodystructure, R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL))x");
}

TEST(AnalyzeTest, DigestDefaultsToMessageRfc822) {
  Analysis a = analyze(testing::kDigest);
  EXPECT_EQ(a.body, R"x((("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 21 (NIL "first" NIL NIL NIL NIL NIL NIL NIL NIL) )x"
                    R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 3 1) 3))x"
                    R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 13 1) "DIGEST"))x");
}

TEST(AnalyzeTest, MultipartWithoutBoundaryIsText) {
  Analysis a = analyze(testing::kNoBoundary);
  EXPECT_EQ(a.body, R"x(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 2))x");
}

TEST(AnalyzeTest, MultipartWithoutAnyDelimiterGetsASyntheticPart) {
  Analysis a = analyze(crlf("Content-Type: multipart/mixed; boundary=q\n\nno parts here\n"));
  EXPECT_EQ(a.body, R"x((("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0) "MIXED"))x");
  EXPECT_EQ(a.bodystructure, R"x((("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) )x"
                             R"x("MIXED" ("BOUNDARY" "q") NIL NIL NIL))x");
}

TEST(AnalyzeTest, QuotesAndBackslashesAreEscaped) {
  Analysis a =
      analyze(crlf("From: \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\n"
                   "Subject: back\\slash \"quoted\"\n"
                   "\n"));
  EXPECT_EQ(a.envelope, R"x((NIL "back\\slash \"quoted\"" (("Giant; \"Big\" Box" NIL "sysservices" "example.net")) )x"
                        R"x((("Giant; \"Big\" Box" NIL "sysservices" "example.net")) )x"
                        R"x((("Giant; \"Big\" Box" NIL "sysservices" "example.net")) NIL NIL NIL NIL NIL))x");
}

TEST(AnalyzeTest, SenderAndReplyToAreKeptWhenPresent) {
  Analysis a =
      analyze(crlf("From: a@x.test\n"
                   "Sender: s@x.test\n"
                   "Reply-To: \n"
                   "Bcc: b@x.test\n"
                   "In-Reply-To: <parent@x.test>\n"
                   "\n"));
  EXPECT_EQ(a.envelope, R"x((NIL NIL ((NIL NIL "a" "x.test")) ((NIL NIL "s" "x.test")) ((NIL NIL "a" "x.test")) )x"
                        R"x(NIL NIL ((NIL NIL "b" "x.test")) "<parent@x.test>" NIL))x");
}

TEST(AnalyzeTest, LimitsAreReportedNotFatal) {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 3000; ++i) {
    m += "--b\r\n\r\nx\r\n";
  }
  Analysis a = analyze(m);
  EXPECT_TRUE(a.limits_hit);
  EXPECT_TRUE(a.bodystructure.ends_with(R"x( "MIXED" ("BOUNDARY" "b") NIL NIL NIL))x"));

  std::string deep;
  for (int i = 0; i < 50; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=" + std::to_string(i) + "\r\n\r\n--" + std::to_string(i) + "\r\n";
  }
  Analysis d = analyze(deep);
  EXPECT_TRUE(d.limits_hit);
  std::size_t opens = 0;
  for (char c : d.body) {
    opens += c == '(' ? 1 : 0;
  }
  // 33 levels of "(" for the parts (root + 32), plus one for the innermost's params.
  EXPECT_EQ(opens, 34u);
}

}  // namespace
}  // namespace postroom::mime

namespace postroom::mime {
namespace {

TEST(AnalyzeTest, OutputIsWellFormedImapForEverySampleAndLimit) {
  Limits tiny;
  tiny.max_depth = 1;
  tiny.max_parts = 2;
  tiny.max_header_bytes = 40;
  tiny.max_header_fields = 2;
  for (const Limits& limits : {Limits{}, tiny}) {
    for (const std::string& message : testing::all_samples()) {
      Analysis a = analyze(message, limits);
      EXPECT_EQ(testing::imap_list_items(a.envelope), 10) << a.envelope;
      EXPECT_GT(testing::imap_list_items(a.bodystructure), 0) << a.bodystructure;
      EXPECT_GT(testing::imap_list_items(a.body), 0) << a.body;
    }
  }
}

TEST(AnalyzeTest, SyntaxCheckerRejectsBrokenOutput) {
  EXPECT_EQ(testing::imap_list_items("(NIL \"a\" 1 {2}\r\nxy (\"b\")(\"c\"))"), 6);
  EXPECT_EQ(testing::imap_list_items("(\"unterminated)"), -1);
  EXPECT_EQ(testing::imap_list_items("(NIL NIL"), -1);
  EXPECT_EQ(testing::imap_list_items("(\"a\"\"b\")"), -1);
  EXPECT_EQ(testing::imap_list_items("({5}\r\nab)"), -1);
}

}  // namespace
}  // namespace postroom::mime
