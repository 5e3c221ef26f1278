#include "dns/rdata.h"

#include <gtest/gtest.h>

using namespace std::string_literals;

namespace postroom::dns {
namespace {

TEST(Rdata, ParsesA) {
  EXPECT_EQ(parse_a_rdata("\xc0\x00\x02\x01"s), "192.0.2.1");
  EXPECT_FALSE(parse_a_rdata("\xc0\x00\x02"s));
  EXPECT_FALSE(parse_a_rdata("\xc0\x00\x02\x01\x00"s));
}

TEST(Rdata, ParsesAaaa) {
  std::string wire = "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x01"s;
  EXPECT_EQ(parse_aaaa_rdata(wire), "2001:db8::1");
  EXPECT_FALSE(parse_aaaa_rdata(wire.substr(1)));
}

TEST(Rdata, ParsesMx) {
  auto mx = parse_mx_rdata(
      "\x00\x0a\x02MX\x07"
      "Example\x04test\x00"s);
  ASSERT_TRUE(mx);
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->host, "mx.example.test");
  // Null MX (RFC 7505): preference 0, root name.
  auto null_mx = parse_mx_rdata("\x00\x00\x00"s);
  ASSERT_TRUE(null_mx);
  EXPECT_EQ(null_mx->host, "");
}

TEST(Rdata, RejectsMalformedNames) {
  EXPECT_FALSE(parse_mx_rdata("\x00\x0a"s));                                // no name
  EXPECT_FALSE(parse_mx_rdata("\x00\x0a\x05mx\x00"s));                      // label runs past end
  EXPECT_FALSE(parse_mx_rdata("\x00\x0a\x02mx"s));                          // no root label
  EXPECT_FALSE(parse_mx_rdata("\x00\x0a\xc0\x0c"s));                        // compression pointer
  EXPECT_FALSE(parse_mx_rdata("\x00\x0a\x02mx\x00junk"s));                  // trailing bytes
  EXPECT_FALSE(parse_ptr_rdata("\x40"s + std::string(64, 'a') + "\x00"s));  // label > 63
  std::string long_name;
  for (int i = 0; i < 5; ++i) {
    long_name += "\x3f"s + std::string(63, 'a');
  }
  EXPECT_FALSE(parse_ptr_rdata(long_name + "\x00"s));  // > 255 octets
}

TEST(Rdata, ParsesPtr) {
  EXPECT_EQ(parse_ptr_rdata("\x04mail\x07"
                            "example\x03org\x00"s),
            "mail.example.org");
  EXPECT_EQ(parse_ptr_rdata("\x00"s), "");
}

TEST(Rdata, ConcatenatesTxtStrings) {
  EXPECT_EQ(parse_txt_rdata("\x06v=spf1\x05 -all"s), "v=spf1 -all");
  EXPECT_EQ(parse_txt_rdata("\x00"s), "");
  EXPECT_FALSE(parse_txt_rdata(""));
  EXPECT_FALSE(
      parse_txt_rdata("\x05"
                      "abc"s));
  std::string big = "\xff"s + std::string(255, 'x') + "\x02yz"s;
  EXPECT_EQ(parse_txt_rdata(big)->size(), 257u);
}

TEST(Rdata, ReverseNames) {
  EXPECT_EQ(reverse_name("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name("2001:db8::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_FALSE(reverse_name("example.com"));
}

TEST(Rdata, NormalizesNames) {
  EXPECT_EQ(normalize_name("Mail.Example.COM."), "mail.example.com");
  EXPECT_EQ(normalize_name(""), "");
}

}  // namespace
}  // namespace postroom::dns
