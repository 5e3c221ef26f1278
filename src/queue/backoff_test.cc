#include "queue/backoff.h"

#include <gtest/gtest.h>

namespace postroom::queue {
namespace {

TEST(BackoffTest, DoublesFromTheBaseUpToTheCap) {
  QueueSettings settings;  // 60 s base, 1 h cap
  EXPECT_EQ(retry_delay_seconds(settings, 1), 60);
  EXPECT_EQ(retry_delay_seconds(settings, 2), 120);
  EXPECT_EQ(retry_delay_seconds(settings, 3), 240);
  EXPECT_EQ(retry_delay_seconds(settings, 6), 1920);
  EXPECT_EQ(retry_delay_seconds(settings, 7), 3600);
  EXPECT_EQ(retry_delay_seconds(settings, 1000000), 3600);  // no overflow
  EXPECT_EQ(retry_delay_seconds(settings, 0), 60);
}

TEST(BackoffTest, ShortBaseForTestsAndDegenerateSettings) {
  QueueSettings settings;
  settings.retry_base_seconds = 1;
  settings.retry_max_seconds = 5;
  EXPECT_EQ(retry_delay_seconds(settings, 1), 1);
  EXPECT_EQ(retry_delay_seconds(settings, 3), 4);
  EXPECT_EQ(retry_delay_seconds(settings, 4), 5);
  settings.retry_base_seconds = 0;  // treated as 1
  settings.retry_max_seconds = 0;   // never below the base
  EXPECT_EQ(retry_delay_seconds(settings, 5), 1);
}

TEST(BackoffTest, SmarthostTlsNames) {
  SmarthostTls tls{};
  EXPECT_TRUE(parse_smarthost_tls("tls", tls));
  EXPECT_EQ(tls, SmarthostTls::tls);
  EXPECT_TRUE(parse_smarthost_tls("none", tls));
  EXPECT_EQ(tls, SmarthostTls::none);
  EXPECT_TRUE(parse_smarthost_tls("starttls", tls));
  EXPECT_EQ(tls, SmarthostTls::starttls);
  EXPECT_FALSE(parse_smarthost_tls("STARTTLS ", tls));
}

}  // namespace
}  // namespace postroom::queue
