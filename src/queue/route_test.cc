#include "queue/route.h"

#include <gtest/gtest.h>

#include <set>

namespace postroom::queue {
namespace {

TEST(RouteTest, MxInPreferenceOrderWithEqualPreferencesShuffled) {
  dns::StaticResolver resolver;
  resolver.add_mx("example.org", 20, "backup.example.org");
  resolver.add_mx("example.org", 10, "a.example.org");
  resolver.add_mx("example.org", 10, "b.example.org");
  std::set<std::string> firsts;
  for (unsigned seed = 0; seed < 64; ++seed) {
    std::mt19937 random(seed);
    Route route = resolve_route(resolver, "example.org", random);
    ASSERT_EQ(route.kind, Route::Kind::hosts);
    ASSERT_EQ(route.hosts.size(), 3u);
    EXPECT_EQ(route.hosts[2], "backup.example.org");
    firsts.insert(route.hosts[0]);
  }
  EXPECT_EQ(firsts, (std::set<std::string>{"a.example.org", "b.example.org"}));
}

TEST(RouteTest, NoMxFallsBackToTheDomainItself) {
  dns::StaticResolver resolver;
  resolver.add_a("plain.example", "192.0.2.7");
  std::mt19937 random(1);
  Route route = resolve_route(resolver, "plain.example", random);
  ASSERT_EQ(route.kind, Route::Kind::hosts);
  EXPECT_EQ(route.hosts, std::vector<std::string>{"plain.example"});
  HostAddresses addresses = resolve_host(resolver, "plain.example");
  EXPECT_EQ(addresses.addresses, std::vector<std::string>{"192.0.2.7"});
}

TEST(RouteTest, NullMxNxdomainTemporaryAndLiterals) {
  dns::StaticResolver resolver;
  resolver.add_mx("nomail.example", 0, ".");
  resolver.fail_temporarily("flaky.example");
  std::mt19937 random(1);
  EXPECT_EQ(resolve_route(resolver, "nomail.example", random).kind, Route::Kind::null_mx);
  EXPECT_EQ(resolve_route(resolver, "missing.example", random).kind, Route::Kind::no_domain);
  EXPECT_EQ(resolve_route(resolver, "flaky.example", random).kind, Route::Kind::temporary);
  Route literal = resolve_route(resolver, "[127.0.0.1]", random);
  ASSERT_EQ(literal.kind, Route::Kind::hosts);
  EXPECT_EQ(literal.hosts, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(resolve_route(resolver, "[IPv6:::1]", random).hosts, std::vector<std::string>{"::1"});
  EXPECT_TRUE(resolve_host(resolver, "flaky.example").temporary);
  EXPECT_EQ(domain_of("Bob@Example.ORG."), "example.org");
}

}  // namespace
}  // namespace postroom::queue
