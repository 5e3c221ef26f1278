#include "mime/content_type.h"

#include <gtest/gtest.h>

namespace postroom::mime {
namespace {

TEST(ContentTypeTest, TypeSubtypeAndParameters) {
  ContentType type =
      parse_content_type(" Text/HTML (a comment) ; Charset = \"UTF-8\" ;format=flowed;\r\n\tname=\"a \\\"b\\\".html\"");
  ASSERT_TRUE(type.valid());
  EXPECT_EQ(type.type, "text");
  EXPECT_EQ(type.subtype, "html");
  ASSERT_EQ(type.params.size(), 3u);
  EXPECT_EQ(type.params[0].name, "charset");
  EXPECT_EQ(type.params[0].value, "UTF-8");
  EXPECT_EQ(type.params[1].value, "flowed");
  EXPECT_EQ(type.params[2].value, "a \"b\".html");
}

TEST(ContentTypeTest, InvalidAndDefaults) {
  EXPECT_FALSE(parse_content_type("text").valid());
  EXPECT_FALSE(parse_content_type("/plain").valid());
  EXPECT_FALSE(parse_content_type("").valid());
  ContentType fallback = effective_content_type(std::string("garbage"), false);
  EXPECT_EQ(fallback.type, "text");
  EXPECT_EQ(fallback.subtype, "plain");
  ASSERT_NE(find_param(fallback.params, "charset"), nullptr);
  EXPECT_EQ(find_param(fallback.params, "CHARSET")->value, "us-ascii");
  EXPECT_EQ(effective_content_type(std::nullopt, true).subtype, "rfc822");
  EXPECT_EQ(effective_content_type(std::string("text/html"), false).params.size(), 1u);
}

TEST(ContentTypeTest, LenientValues) {
  std::vector<Param> params = parse_parameters(" name=my file.pdf; empty; =x; size=10; NAME=dup");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].value, "my file.pdf");
  EXPECT_EQ(params[1].name, "size");
}

TEST(ContentTypeTest, Rfc2231ContinuationsAndCharset) {
  // RFC 2231 §3 and §4.1 examples.
  std::vector<Param> params =
      parse_parameters(" URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].name, "url");
  EXPECT_FALSE(params[0].extended);
  EXPECT_EQ(params[0].value, "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");

  params = parse_parameters(" title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_TRUE(params[0].extended);
  EXPECT_EQ(params[0].charset, "us-ascii");
  EXPECT_EQ(params[0].language, "en-us");
  EXPECT_EQ(params[0].decoded, "This is ***fun***");

  params = parse_parameters(
      " title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"; "
      "title*0*=us-ascii'en'This%20is%20even%20more%20");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].decoded, "This is even more ***fun*** isn't it!");
  EXPECT_EQ(params[0].value, "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!");
}

TEST(ContentTypeTest, Rfc2231Utf8AndLatin1Filenames) {
  std::vector<Param> params = parse_parameters(" filename*=UTF-8''%E2%82%AC%20rates.txt");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].decoded, "\xE2\x82\xAC rates.txt");
  params = parse_parameters(" filename*=iso-8859-1''caf%E9.txt");
  EXPECT_EQ(params[0].decoded, "caf\xC3\xA9.txt");
  params = parse_parameters(" filename*=x-unknown''%41%FF");
  EXPECT_EQ(params[0].decoded, "A\xFF");  // unknown charset: raw bytes
}

TEST(ContentTypeTest, Rfc2047InQuotedFilenameIsDecodedForDisplay) {
  Disposition d = parse_disposition("ATTACHMENT; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"");
  EXPECT_EQ(d.type, "attachment");
  ASSERT_EQ(d.params.size(), 1u);
  EXPECT_EQ(d.params[0].value, "=?UTF-8?B?w6l0w6kucGRm?=");
  EXPECT_EQ(d.params[0].decoded, "\xC3\xA9t\xC3\xA9.pdf");
}

TEST(ContentTypeTest, HugeSectionNumbersAreIgnored) {
  std::vector<Param> params = parse_parameters(" a*0=x; a*99999999999999999999=y; a*1=z");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].value, "xz");
}

TEST(ContentTypeTest, TrailingBackslashesStayInRange) {
  EXPECT_EQ(parse_content_type("text/plain (\\").subtype, "plain");
  EXPECT_EQ(parse_content_type("text/plain; a=\"x\\").params.size(), 1u);
  EXPECT_TRUE(parse_parameters("a=\"\\\\").size() == 1u);
  EXPECT_TRUE(parse_parameters(" (\\").empty());
  EXPECT_TRUE(parse_parameters("a; \"b\\").empty());
  EXPECT_TRUE(parse_language_list("en (\\").size() == 1u);
  EXPECT_FALSE(parse_content_type("(\\").valid());
  EXPECT_TRUE(parse_parameters("a=(\\").empty() || parse_parameters("a=(\\")[0].value.empty());
  EXPECT_TRUE(parse_disposition("(\\").type.empty());
}

TEST(ContentTypeTest, LanguageList) {
  EXPECT_EQ(parse_language_list(" en-US (English), de ,fr"), (std::vector<std::string>{"en-US", "de", "fr"}));
  EXPECT_TRUE(parse_language_list("  ").empty());
}

}  // namespace
}  // namespace postroom::mime
