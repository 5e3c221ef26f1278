#include "auth/verified_cache.h"

#include <gtest/gtest.h>

namespace postroom::auth {
namespace {

using namespace std::chrono_literals;

TEST(VerifiedCache, OnlyTheSamePasswordAndStoredHashWithinTheTtl) {
  VerifiedCache cache(60s, 100);
  auto t0 = VerifiedCache::Clock::now();
  EXPECT_FALSE(cache.verified("a@x.test", "$argon2id$h1", "secret", t0));
  cache.remember("a@x.test", "$argon2id$h1", "secret", t0);
  EXPECT_TRUE(cache.verified("a@x.test", "$argon2id$h1", "secret", t0 + 59s));
  EXPECT_FALSE(cache.verified("a@x.test", "$argon2id$h1", "Secret", t0));        // another password
  EXPECT_FALSE(cache.verified("b@x.test", "$argon2id$h1", "secret", t0));        // another account
  EXPECT_FALSE(cache.verified("a@x.test", "$argon2id$h2", "secret", t0));        // password changed
  EXPECT_FALSE(cache.verified("a@x.test", "$argon2id$h1", "secret", t0 + 60s));  // expired
  EXPECT_FALSE(cache.verified("a@x.test", "$argon2id$h1", "secret", t0 + 1s));   // and dropped
}

TEST(VerifiedCache, DisabledAndBounded) {
  auto t0 = VerifiedCache::Clock::now();
  VerifiedCache off(0s, 100);
  off.remember("a@x.test", "h", "p", t0);
  EXPECT_FALSE(off.verified("a@x.test", "h", "p", t0));

  VerifiedCache small(60s, 2);
  small.remember("a", "h", "p", t0);
  small.remember("b", "h", "p", t0);
  small.remember("c", "h", "p", t0);  // full: one of a/b goes
  int kept = small.verified("a", "h", "p", t0) + small.verified("b", "h", "p", t0) + small.verified("c", "h", "p", t0);
  EXPECT_EQ(kept, 2);
  EXPECT_TRUE(small.verified("c", "h", "p", t0));
}

}  // namespace
}  // namespace postroom::auth
