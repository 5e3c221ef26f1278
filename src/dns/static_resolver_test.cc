#include <gtest/gtest.h>

#include "dns/resolver.h"

namespace postroom::dns {
namespace {

TEST(StaticResolver, AnswersWhatWasAdded) {
  StaticResolver resolver;
  resolver.add_txt("Example.COM.", "v=spf1 -all");
  resolver.add_mx("example.com", 10, "MX.example.com");
  resolver.add_a("mx.example.com", "192.0.2.1");
  resolver.add_aaaa("mx.example.com", "2001:DB8:0::1");
  resolver.add_ptr("2001:db8::1", "mx.example.com");

  auto txt = resolver.txt("example.com");
  EXPECT_EQ(txt.status, DnsStatus::ok);
  EXPECT_EQ(txt.records, std::vector<std::string>{"v=spf1 -all"});
  auto mx = resolver.mx("EXAMPLE.com");
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].preference, 10);
  EXPECT_EQ(mx.records[0].host, "mx.example.com");
  EXPECT_EQ(resolver.a("mx.example.com").records, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(resolver.aaaa("mx.example.com").records, std::vector<std::string>{"2001:db8::1"});
  EXPECT_EQ(resolver.ptr("2001:0db8::0001").records, std::vector<std::string>{"mx.example.com"});
  EXPECT_EQ(resolver.lookups(), 5u);
}

TEST(StaticResolver, DistinguishesNxdomainNodataAndTemporary) {
  StaticResolver resolver;
  resolver.add_txt("example.com", "hello");
  resolver.fail_temporarily("broken.example");
  EXPECT_EQ(resolver.a("example.com").status, DnsStatus::nodata);
  EXPECT_EQ(resolver.a("nowhere.example").status, DnsStatus::nxdomain);
  EXPECT_EQ(resolver.txt("broken.example").status, DnsStatus::temporary);
  EXPECT_EQ(resolver.ptr("192.0.2.9").status, DnsStatus::nxdomain);
  EXPECT_EQ(resolver.lookups(), 4u);
}

}  // namespace
}  // namespace postroom::dns
