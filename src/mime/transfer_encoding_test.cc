#include "mime/transfer_encoding.h"

#include <gtest/gtest.h>

#include <functional>

namespace postroom::mime {
namespace {

// Decodes `input` split at every offset, and byte by byte, and checks all agree with the
// one-shot result `expected`.
template <typename Decoder>
void expect_split_invariant(std::string_view input, std::string_view expected) {
  for (std::size_t split = 0; split <= input.size(); ++split) {
    Decoder decoder;
    std::string out = decoder.feed(input.substr(0, split));
    out += decoder.feed(input.substr(split));
    out += decoder.finish();
    ASSERT_EQ(out, expected) << "split at " << split << " of " << input;
  }
  Decoder decoder;
  std::string out;
  for (char c : input) {
    out += decoder.feed(std::string_view(&c, 1));
  }
  out += decoder.finish();
  ASSERT_EQ(out, expected) << "byte by byte: " << input;
}

TEST(Base64Test, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(decode_base64("SGVsbG8sIHdvcmxkIQ=="), "Hello, world!");
  EXPECT_EQ(decode_base64("SGVsbG8sIHdvcmxkIQ"), "Hello, world!");
  EXPECT_EQ(decode_base64("SGVs\r\nbG8s\r\n IHdv cmxk\tIQ==\r\n"), "Hello, world!");
  EXPECT_EQ(decode_base64(""), "");
  EXPECT_EQ(decode_base64("AAECAw=="), std::string("\x00\x01\x02\x03", 4));
  EXPECT_EQ(decode_base64("QQ==QQ=="), "AA");  // concatenated encodings
  EXPECT_EQ(decode_base64("+/+/"), "\xFB\xFF\xBF");
}

TEST(Base64Test, GarbageIsIgnoredAndReported) {
  Base64Decoder decoder;
  std::string out = decoder.feed("SG!Vs*bG8");
  out += decoder.finish();
  EXPECT_EQ(out, "Hello");
  EXPECT_TRUE(decoder.saw_garbage());
  Base64Decoder clean;
  (void)clean.feed("SGVsbG8=\r\n");
  (void)clean.finish();
  EXPECT_FALSE(clean.saw_garbage());
}

TEST(Base64Test, EverySplitPoint) {
  for (std::string_view input :
       {"SGVsbG8sIHdvcmxkIQ==", "SGVs\r\nbG8s\r\nIHdvcmxkIQ", "QQ==QQ==", "A", "AB=C", "!!==", "AAECAw==\r\n"}) {
    expect_split_invariant<Base64Decoder>(input, decode_base64(input));
  }
}

TEST(QuotedPrintableTest, Rfc2045Rules) {
  EXPECT_EQ(decode_quoted_printable("Caf=C3=A9"), "Caf\xC3\xA9");
  EXPECT_EQ(decode_quoted_printable("caf=e9"), "caf\xE9");  // lower case tolerated
  EXPECT_EQ(decode_quoted_printable("soft=\r\nbreak"), "softbreak");
  EXPECT_EQ(decode_quoted_printable("soft=\nbreak"), "softbreak");
  EXPECT_EQ(decode_quoted_printable("soft=  \r\nbreak"), "softbreak");
  EXPECT_EQ(decode_quoted_printable("trailing   \r\nspace\t\n"), "trailing\r\nspace\n");
  EXPECT_EQ(decode_quoted_printable("in  side"), "in  side");
  EXPECT_EQ(decode_quoted_printable("bad=ZZ =4 ="), "bad=ZZ =4 =");
  EXPECT_EQ(decode_quoted_printable("a=\r"), "a");
  EXPECT_EQ(decode_quoted_printable("1+1=3D2"), "1+1=2");
}

TEST(QuotedPrintableTest, LongWhitespaceRunsAreNotBuffered) {
  std::string input = "a" + std::string(5000, ' ') + "b";
  EXPECT_EQ(decode_quoted_printable(input), input);
  // Trailing whitespace is dropped only up to the cap; longer runs are kept as data.
  EXPECT_EQ(decode_quoted_printable("a" + std::string(500, ' ') + "\r\n"), "a\r\n");
  std::string long_run = decode_quoted_printable("a" + std::string(5000, ' ') + "\r\n");
  EXPECT_TRUE(long_run.starts_with("a "));
  EXPECT_TRUE(long_run.ends_with(" \r\n"));
}

TEST(QuotedPrintableTest, EverySplitPoint) {
  for (std::string_view input : {"Caf=C3=A9 ok", "soft=\r\nbreak", "soft=  \r\nbreak", "trailing   \r\nspace\t\n",
                                 "bad=ZZ =4 =", "a=\r", "=\r\n=\n=", "x \t =41 \r\n"}) {
    expect_split_invariant<QuotedPrintableDecoder>(input, decode_quoted_printable(input));
  }
}

TEST(TransferEncodingTest, DispatchesOnEncodingName) {
  EXPECT_EQ(decode_transfer_encoding(" BASE64 ", "QQ=="), "A");
  EXPECT_EQ(decode_transfer_encoding("Quoted-Printable", "=41"), "A");
  EXPECT_EQ(decode_transfer_encoding("8bit", "=41"), "=41");
  EXPECT_EQ(decode_transfer_encoding("x-uuencode", "=41"), "=41");
}

}  // namespace
}  // namespace postroom::mime
