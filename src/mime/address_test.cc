#include "mime/address.h"

#include <gtest/gtest.h>

namespace postroom::mime {
namespace {

Address mailbox(std::string name, std::string mailbox, std::string host, std::string route = "") {
  Address a;
  a.name = std::move(name);
  a.route = std::move(route);
  a.mailbox = std::move(mailbox);
  a.host = std::move(host);
  return a;
}

Address group_start(std::string name) {
  Address a;
  a.kind = Address::Kind::group_start;
  a.mailbox = std::move(name);
  return a;
}

Address group_end() {
  Address a;
  a.kind = Address::Kind::group_end;
  return a;
}

using List = std::vector<Address>;

TEST(AddressTest, Rfc5322AppendixA) {
  EXPECT_EQ(parse_address_list("John Doe <jdoe@machine.example>"),
            (List{mailbox("John Doe", "jdoe", "machine.example")}));
  EXPECT_EQ(parse_address_list("\"Joe Q. Public\" <john.q.public@example.com>"),
            (List{mailbox("Joe Q. Public", "john.q.public", "example.com")}));
  EXPECT_EQ(parse_address_list("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>"),
            (List{mailbox("Mary Smith", "mary", "x.test"), mailbox("", "jdoe", "example.org"),
                  mailbox("Who?", "one", "y.test")}));
  EXPECT_EQ(parse_address_list("\"Giant; \\\"Big\\\" Box\" <sysservices@example.net>"),
            (List{mailbox("Giant; \"Big\" Box", "sysservices", "example.net")}));
}

TEST(AddressTest, Groups) {
  EXPECT_EQ(parse_address_list("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;"),
            (List{group_start("A Group"), mailbox("Ed Jones", "c", "a.test"), mailbox("", "joe", "where.test"),
                  mailbox("John", "jdoe", "one.test"), group_end()}));
  EXPECT_EQ(parse_address_list("Undisclosed recipients:;"), (List{group_start("Undisclosed recipients"), group_end()}));
  // A group that is never closed still ends.
  EXPECT_EQ(parse_address_list("team: a@b.c, d@e.f"),
            (List{group_start("team"), mailbox("", "a", "b.c"), mailbox("", "d", "e.f"), group_end()}));
  EXPECT_EQ(parse_address_list("g1: a@b.c; x@y.z"),
            (List{group_start("g1"), mailbox("", "a", "b.c"), group_end(), mailbox("", "x", "y.z")}));
}

TEST(AddressTest, CommentsAndObsoleteSyntax) {
  // RFC 5322 A.5.
  EXPECT_EQ(parse_address_list("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>"),
            (List{mailbox("Pete", "pete", "silly.test")}));
  EXPECT_EQ(parse_address_list("jdoe@machine.example (John Doe)"),
            (List{mailbox("John Doe", "jdoe", "machine.example")}));
  // RFC 5322 §4.4 obs-route; obs-local-part with spaces around dots.
  EXPECT_EQ(parse_address_list("Joe <@a.test,@b.test:joe@c.test>"),
            (List{mailbox("Joe", "joe", "c.test", "@a.test,@b.test")}));
  EXPECT_EQ(parse_address_list("john . doe @ example . com"), (List{mailbox("", "john.doe", "example.com")}));
  EXPECT_EQ(parse_address_list("Mary Smith <mary@x.test>,, ,jdoe@example.org"),
            (List{mailbox("Mary Smith", "mary", "x.test"), mailbox("", "jdoe", "example.org")}));
}

TEST(AddressTest, QuotedLocalPartsDomainLiteralsAndMissingParts) {
  EXPECT_EQ(parse_address_list("\"john doe\"@example.com"), (List{mailbox("", "\"john doe\"", "example.com")}));
  EXPECT_EQ(parse_address_list("<user@[192.0.2.1]>"), (List{mailbox("", "user", "[192.0.2.1]")}));
  EXPECT_EQ(parse_address_list("root"), (List{mailbox("", "root", "")}));
  EXPECT_EQ(parse_address_list("<>"), (List{mailbox("", "", "")}));
  EXPECT_EQ(parse_address_list("Name <broken"), (List{mailbox("Name", "broken", "")}));
  EXPECT_EQ(parse_address_list("=?UTF-8?Q?J=C3=BCrgen?= <j@x.de>"),
            (List{mailbox("=?UTF-8?Q?J=C3=BCrgen?=", "j", "x.de")}));
  EXPECT_TRUE(parse_address_list("").empty());
  EXPECT_TRUE(parse_address_list("  ,;> ").empty());
}

TEST(AddressTest, GarbageNeverLoopsOrCrashes) {
  for (std::string_view junk : {"<<<>>>", "@@@", ":::;;;", "\"unterminated", "(unterminated", "[unterminated", "a@",
                                "@b", "<@a,@b>", "x:y:z;w;", "\\\\\\"}) {
    (void)parse_address_list(junk);
  }
}

}  // namespace
}  // namespace postroom::mime
