#include "mime/encoded_word.h"

#include <gtest/gtest.h>

#include "mime/charset.h"
#include "mime/imap_string.h"

namespace postroom::mime {
namespace {

TEST(EncodedWordTest, Rfc2047Examples) {
  // RFC 2047 §8.
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=)"), "(a)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?=  \t =?ISO-8859-1?Q?b?=)"), "(ab)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)"), "(a b)");
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Andr=E9?= Pirard"), "Andr\xC3\xA9 Pirard");
  EXPECT_EQ(decode_encoded_words("=?US-ASCII?Q?Keith_Moore?="), "Keith Moore");
}

TEST(EncodedWordTest, BAndQInSeveralCharsets) {
  EXPECT_EQ(decode_encoded_words("=?utf-8?b?w6lsw6h2ZQ==?="), "\xC3\xA9l\xC3\xA8ve");
  EXPECT_EQ(decode_encoded_words("Hello =?UTF-8?Q?w=C3=B6rld?=!"), "Hello w\xC3\xB6rld!");
  EXPECT_EQ(decode_encoded_words("=?windows-1252?Q?=80_=93x=94?="), "\xE2\x82\xAC \xE2\x80\x9Cx\xE2\x80\x9D");
  EXPECT_EQ(decode_encoded_words("=?UTF-8*en?Q?hi?="), "hi");  // RFC 2231 §5 language
}

TEST(EncodedWordTest, CharacterSplitAcrossWordsSurvives) {
  // U+20AC is E2 82 AC: "4oI=" carries E2 82, "rA==" carries AC.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?4oI=?= =?UTF-8?B?rA==?="), "\xE2\x82\xAC");
}

TEST(EncodedWordTest, UnknownCharsetAndMalformedWordsAreKept) {
  EXPECT_EQ(decode_encoded_words("=?x-klingon?Q?abc=FF?= x"), "=?x-klingon?Q?abc=FF?= x");
  // ...but ASCII-only text in an unknown (ASCII-superset) charset is readable.
  EXPECT_EQ(decode_encoded_words("=?x-klingon?Q?abc?= x"), "abc x");
  EXPECT_EQ(decode_encoded_words("=?UTF-16?B?AGEAYg==?="), "=?UTF-16?B?AGEAYg==?=");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?X?abc?="), "=?UTF-8?X?abc?=");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?unterminated"), "=?UTF-8?Q?unterminated");
  EXPECT_EQ(decode_encoded_words("a =? b ?= c"), "a =? b ?= c");
  EXPECT_EQ(decode_encoded_words("plain text"), "plain text");
}

TEST(EncodedWordTest, OutputIsAlwaysUtf8) {
  EXPECT_EQ(decode_encoded_words("raw \xFF byte"), "raw \xEF\xBF\xBD byte");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?/w==?="), "\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(decode_encoded_words("=?ISO-8859-1?B?gIGCg4SFhoeIiYqLjI2Ojw==?=")));
}

TEST(CharsetTest, KnownAndUnknown) {
  EXPECT_EQ(charset_to_utf8("ISO-8859-1", "\xE9"), "\xC3\xA9");
  EXPECT_EQ(charset_to_utf8("latin1", "\x80"), "\xE2\x82\xAC");  // read as Windows-1252
  EXPECT_EQ(charset_to_utf8("cp1252", "\x81"), "\xEF\xBF\xBD");  // undefined in 1252
  EXPECT_EQ(charset_to_utf8("us-ascii", "abc"), "abc");
  EXPECT_EQ(charset_to_utf8("koi8-r", "abc"), std::nullopt);
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\xAE"));
}

TEST(ImapStringTest, QuotedLiteralAndNil) {
  EXPECT_EQ(imap_string("plain"), "\"plain\"");
  EXPECT_EQ(imap_string(""), "\"\"");
  EXPECT_EQ(imap_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(imap_string("two\r\nlines"), "{10}\r\ntwo\r\nlines");
  EXPECT_EQ(imap_string("caf\xC3\xA9"), "{5}\r\ncaf\xC3\xA9");
  EXPECT_EQ(imap_string(std::string("n\0ul", 4)), "\"nul\"");
  std::string out;
  append_imap_nstring(out, std::nullopt);
  out += ' ';
  append_imap_nstring(out, std::string("x"));
  EXPECT_EQ(out, "NIL \"x\"");
}

}  // namespace
}  // namespace postroom::mime
