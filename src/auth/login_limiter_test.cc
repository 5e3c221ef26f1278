#include "auth/login_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace postroom::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = LoginLimiter::TimePoint;

const TimePoint kStart = TimePoint() + std::chrono::hours(1);

TEST(LoginLimiter, BlocksAddressAfterMaxFailures) {
  LoginLimiter limiter(LimiterConfig{});
  TimePoint now = kStart;
  for (int i = 0; i < 9; ++i) {
    limiter.record_failure("192.0.2.1", "user" + std::to_string(i), now);
    now += seconds(1);
  }
  EXPECT_TRUE(limiter.check("192.0.2.1", "someone", now).allowed);
  limiter.record_failure("192.0.2.1", "user9", now);
  const Decision d = limiter.check("192.0.2.1", "someone", now);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.blocked_by, Decision::BlockedBy::address);
  // The first failure (at kStart) ages out at kStart + 300 s; now is kStart + 9 s.
  EXPECT_EQ(d.retry_after, milliseconds(291000));
  EXPECT_TRUE(limiter.check("192.0.2.2", "someone", now).allowed);  // other addresses unaffected
}

TEST(LoginLimiter, BlocksAccountAcrossAddresses) {
  LoginLimiter limiter(LimiterConfig{});
  for (int i = 0; i < 20; ++i) {
    limiter.record_failure("198.51.100." + std::to_string(i), "alice", kStart);
  }
  const Decision d = limiter.check("203.0.113.9", "alice", kStart);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.blocked_by, Decision::BlockedBy::account);
  EXPECT_EQ(d.retry_after, milliseconds(300000));
  EXPECT_TRUE(limiter.check("203.0.113.9", "bob", kStart).allowed);
  EXPECT_TRUE(limiter.check("203.0.113.9", "", kStart).allowed);  // account not known yet
}

TEST(LoginLimiter, SlidingWindowExpiry) {
  LimiterConfig config;
  config.max_failures_per_address = 3;
  LoginLimiter limiter(config);
  limiter.record_failure("a", "", kStart);
  limiter.record_failure("a", "", kStart + seconds(100));
  limiter.record_failure("a", "", kStart + seconds(200));
  EXPECT_FALSE(limiter.check("a", "", kStart + seconds(200)).allowed);
  EXPECT_FALSE(limiter.check("a", "", kStart + seconds(299)).allowed);
  EXPECT_EQ(limiter.check("a", "", kStart + seconds(299)).retry_after, milliseconds(1000));
  // The first failure leaves the window; two remain, below the limit.
  EXPECT_TRUE(limiter.check("a", "", kStart + seconds(300)).allowed);
  limiter.record_failure("a", "", kStart + seconds(301));
  const Decision d = limiter.check("a", "", kStart + seconds(301));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, milliseconds(99000));  // the one at +100 s ages out at +400 s
  EXPECT_TRUE(limiter.check("a", "", kStart + seconds(1000)).allowed);
  EXPECT_EQ(limiter.tracked_keys(), 0u);  // expired entries are forgotten
}

TEST(LoginLimiter, FailureDelayGrowsAndIsCapped) {
  LoginLimiter limiter(LimiterConfig{});
  EXPECT_EQ(limiter.failure_delay("a", "u", kStart), milliseconds(0));
  const milliseconds expected[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                                   milliseconds(8000), milliseconds(8000), milliseconds(8000)};
  for (milliseconds want : expected) {
    limiter.record_failure("a", "u", kStart);
    EXPECT_EQ(limiter.failure_delay("a", "u", kStart), want);
  }
  // The account's count drives the delay even from a fresh address.
  EXPECT_EQ(limiter.failure_delay("fresh", "u", kStart), milliseconds(8000));
  EXPECT_EQ(limiter.failure_delay("fresh", "other", kStart), milliseconds(0));
  EXPECT_EQ(limiter.failure_delay("a", "u", kStart + seconds(300)), milliseconds(0));
}

TEST(LoginLimiter, SuccessClearsOnlyThisAddressesFailures) {
  LoginLimiter limiter(LimiterConfig{});
  for (int i = 0; i < 5; ++i) {
    limiter.record_failure("home", "alice", kStart);  // the user's own typos
  }
  for (int i = 0; i < 15; ++i) {
    limiter.record_failure("attacker", "alice", kStart);
  }
  EXPECT_FALSE(limiter.check("home", "alice", kStart).allowed);  // 20 account failures
  limiter.record_success("home", "alice", kStart);
  EXPECT_TRUE(limiter.check("home", "alice", kStart).allowed);  // 15 left on the account
  EXPECT_EQ(limiter.failure_delay("home", "", kStart), milliseconds(0));
  EXPECT_FALSE(limiter.check("attacker", "alice", kStart).allowed);  // its own 15 >= 10
  for (int i = 0; i < 5; ++i) {
    limiter.record_failure("elsewhere", "alice", kStart);
  }
  EXPECT_FALSE(limiter.check("home", "alice", kStart).allowed);  // 20 again, not reset by home
}

TEST(LoginLimiter, SuccessWithoutFailuresIsHarmless) {
  LoginLimiter limiter(LimiterConfig{});
  limiter.record_success("a", "u", kStart);
  limiter.record_success("", "", kStart);
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(LoginLimiter, EvictionCapsMemory) {
  LimiterConfig config;
  config.max_tracked_keys = 100;
  LoginLimiter limiter(config);
  TimePoint now = kStart;
  for (int i = 0; i < 10; ++i) {
    limiter.record_failure("target-net", "", now);
  }
  EXPECT_FALSE(limiter.check("target-net", "", now).allowed);
  // An attacker cycling addresses fills the table; it never exceeds the cap.
  for (int i = 0; i < 1000; ++i) {
    now += milliseconds(1);
    limiter.record_failure("10.0." + std::to_string(i), "victim", now);
    EXPECT_LE(limiter.tracked_keys(), 100u);
  }
  // The account key, touched by every failure, survives the churn...
  EXPECT_FALSE(limiter.check("fresh", "victim", now).allowed);
  // ...while the least recently failed key was evicted (the documented cost of the cap).
  EXPECT_TRUE(limiter.check("target-net", "", now).allowed);
}

TEST(LoginLimiter, HugeKeysAreClipped) {
  LoginLimiter limiter(LimiterConfig{});
  const std::string long_account(100000, 'x');
  for (int i = 0; i < 20; ++i) {
    limiter.record_failure("a" + std::to_string(i), long_account, kStart);
  }
  EXPECT_FALSE(limiter.check("b", long_account, kStart).allowed);
  EXPECT_FALSE(limiter.check("b", std::string(kMaxKeyPart, 'x'), kStart).allowed);  // merged
}

TEST(LoginLimiter, ConcurrentUse) {
  LoginLimiter limiter(LimiterConfig{});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&limiter, t] {
      for (int i = 0; i < 500; ++i) {
        const std::string address = "t" + std::to_string(t) + "-" + std::to_string(i % 50);
        limiter.record_failure(address, "shared", kStart + milliseconds(i));
        (void)limiter.check(address, "shared", kStart + milliseconds(i));
        (void)limiter.failure_delay(address, "shared", kStart + milliseconds(i));
        if (i % 7 == 0) {
          limiter.record_success(address, "shared", kStart + milliseconds(i));
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_FALSE(limiter.check("x", "shared", kStart + milliseconds(500)).allowed);
}

}  // namespace
}  // namespace postroom::auth
