// Expunge cost (the POP3 QUIT path): 60 indexed messages removed in one call. Prints the time
// the caller waits; EXPUNGE must not wait for blob unlinks or FTS deletions.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::make_message;
using testing::open_store;
using testing::TempDir;

TEST(ExpungeBench, SixtyIndexedMessages) {
  constexpr int kMessages = 60;
  constexpr int kRounds = 3;
  TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->add_domain("example.test").ok());
  Account account = *store->add_account("alice@example.test", "x");
  Mailbox inbox = *store->find_mailbox(account.id, "INBOX");
  std::string text;
  for (int i = 0; i < 80; ++i) {
    text += "Line " + std::to_string(i) + " of a typical message body with some words in it.\r\n";
  }
  for (int round = 0; round < kRounds; ++round) {
    std::vector<Uid> uids;
    for (int i = 0; i < kMessages; ++i) {
      auto meta = store->append(account.id, inbox.id,
                                make_message("r" + std::to_string(round) + " m" + std::to_string(i), text));
      ASSERT_TRUE(meta.ok());
      uids.push_back(meta->uid);
    }
    // Let the idle indexer index them (as on a server where mail arrived a while ago).
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto start = std::chrono::steady_clock::now();
    auto removed = store->expunge(account.id, inbox.id, uids);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(removed.ok());
    ASSERT_EQ(removed->size(), uids.size());
    std::printf("[ BENCH    ] expunge of %d indexed messages: %.1f ms\n", kMessages, ms);
  }
}

}  // namespace
}  // namespace postroom::store
