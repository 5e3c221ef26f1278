// Group commit under concurrency: durability, unique UIDs, batching, per-request failures,
// and blob GC racing with appends of the same content.
#include "store/sqlite/group_committer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::open_store;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::unique_ptr<sqlite::SqliteStore> store;
  Account account;
  Mailbox inbox;

  explicit Fixture(int window_us = 0) {
    store = open_store(dir.path(), window_us);
    EXPECT_TRUE(store->add_domain("example.test").ok());
    account = *store->add_account("alice@example.test", "x");
    inbox = *store->find_mailbox(account.id, "INBOX");
  }
};

// The micro-benchmark the design asks for: 8 threads x 200 appends, printing throughput and
// how many group commits (WAL fsyncs) they took.
TEST(GroupCommitTest, ConcurrentAppendsAreDurableUniqueAndBatched) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  Fixture fixture;

  sqlite::CommitStats before = fixture.store->commit_stats();
  std::vector<std::vector<Uid>> uids(kThreads);
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto meta = fixture.store->append(fixture.account.id, fixture.inbox.id,
                                          make_message("t" + std::to_string(t) + " m" + std::to_string(i)));
        if (!meta.ok()) {
          failures.fetch_add(1);
          continue;
        }
        uids[t].push_back(meta->uid);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite::CommitStats after = fixture.store->commit_stats();

  EXPECT_EQ(failures.load(), 0);
  std::set<Uid> all;
  for (const auto& per_thread : uids) {
    EXPECT_TRUE(std::is_sorted(per_thread.begin(), per_thread.end()));
    all.insert(per_thread.begin(), per_thread.end());
  }
  constexpr int kTotal = kThreads * kPerThread;
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<Uid>(kTotal));

  std::uint64_t batches = after.batches - before.batches;
  std::uint64_t requests = after.requests - before.requests;
  std::printf(
      "[ BENCH    ] %d threads x %d appends: %.0f appends/s (%.3f s), %llu group commits for %llu requests "
      "(%.1f per commit, max %llu), %llu dir fsyncs, %llu blob files\n",
      kThreads, kPerThread, kTotal / seconds, seconds, static_cast<unsigned long long>(batches),
      static_cast<unsigned long long>(requests), static_cast<double>(requests) / static_cast<double>(batches),
      static_cast<unsigned long long>(after.max_batch),
      static_cast<unsigned long long>(after.dir_fsyncs - before.dir_fsyncs),
      static_cast<unsigned long long>(after.blob_files - before.blob_files));
  EXPECT_EQ(requests, static_cast<std::uint64_t>(kTotal));
  // Batching works: fewer commits than requests, some commits carrying several.
  EXPECT_LT(batches, requests);
  EXPECT_GT(after.max_batch, 1u);

  // Everything is there after a reopen.
  std::string dir = fixture.dir.path();
  fixture.store.reset();
  auto reopened = open_store(dir);
  auto listed = reopened->list_messages(fixture.account.id, fixture.inbox.id);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), static_cast<std::size_t>(kTotal));
  EXPECT_EQ(reopened->usage(fixture.account.id)->messages, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(count_blob_files(dir), kTotal);
  // UID 1 went to whichever thread committed first; its bytes must match one of the inputs.
  auto first = reopened->read_message(fixture.account.id, fixture.inbox.id, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_NE(first->find("Subject: t"), std::string::npos);
}

// Sequential baseline for comparison with the concurrent numbers above.
TEST(GroupCommitTest, SequentialBaseline) {
  constexpr int kCount = 200;
  Fixture fixture;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        fixture.store->append(fixture.account.id, fixture.inbox.id, make_message("s" + std::to_string(i))).ok());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite::CommitStats stats = fixture.store->commit_stats();
  std::printf("[ BENCH    ] 1 thread x %d appends: %.0f appends/s, %llu group commits\n", kCount, kCount / seconds,
              static_cast<unsigned long long>(stats.batches));
}

// A request that fails inside a batch (over quota) must not fail the others in that batch.
TEST(GroupCommitTest, FailedRequestDoesNotFailItsBatch) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  constexpr std::uint64_t kQuota = 20;
  // A commit window makes batches form reliably even on a fast disk.
  Fixture fixture(/*window_us=*/5000);
  ASSERT_TRUE(fixture.store->add_account("bob@example.test", "x").ok());
  Account bob = *fixture.store->find_account("bob@example.test");
  Mailbox bob_inbox = *fixture.store->find_mailbox(bob.id, "INBOX");
  ASSERT_TRUE(fixture.store->set_quota("alice@example.test", 0, kQuota).ok());

  std::atomic<int> alice_ok{0};
  std::atomic<int> alice_over{0};
  std::atomic<int> bob_ok{0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string tag = std::to_string(t) + "/" + std::to_string(i);
        auto to_alice = fixture.store->append(fixture.account.id, fixture.inbox.id, make_message("a" + tag));
        if (to_alice.ok()) {
          alice_ok.fetch_add(1);
        } else if (to_alice.error().kind == ErrorKind::over_quota) {
          alice_over.fetch_add(1);
        } else {
          other_errors.fetch_add(1);
        }
        auto to_bob = fixture.store->append(bob.id, bob_inbox.id, make_message("b" + tag));
        (to_bob.ok() ? bob_ok : other_errors).fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(alice_ok.load(), static_cast<int>(kQuota));
  EXPECT_EQ(alice_over.load(), kThreads * kPerThread - static_cast<int>(kQuota));
  EXPECT_EQ(bob_ok.load(), kThreads * kPerThread);
  EXPECT_EQ(fixture.store->usage(fixture.account.id)->messages, kQuota);
  EXPECT_GT(fixture.store->commit_stats().max_batch, 1u);
  // Rejected bodies were cleaned up: one file per stored message.
  fixture.store->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(fixture.dir.path()), static_cast<int>(kQuota) + kThreads * kPerThread);
}

// Deleting the last holder of a blob while someone appends the same content, from two store
// instances (daemon + CLI): the appended message must stay readable.
TEST(GroupCommitTest, BlobGcRacingSameContentAppend) {
  Fixture fixture;
  auto cli = open_store(fixture.dir.path());
  ASSERT_NE(cli, nullptr);
  for (int round = 0; round < 20; ++round) {
    std::string victim = "victim" + std::to_string(round) + "@example.test";
    auto account = cli->add_account(victim, "x");
    ASSERT_TRUE(account.ok());
    Mailbox victim_inbox = *cli->find_mailbox(account->id, "INBOX");
    NewMessage message = make_message("race " + std::to_string(round));
    ASSERT_TRUE(cli->append(account->id, victim_inbox.id, message).ok());

    Result<MessageMeta> appended = make_error(ErrorKind::temporary, "not run");
    std::thread appender([&] { appended = fixture.store->append(fixture.account.id, fixture.inbox.id, message); });
    ASSERT_TRUE(cli->delete_account(victim).ok());
    appender.join();
    ASSERT_TRUE(appended.ok()) << appended.error().detail;
    auto bytes = fixture.store->read_message(fixture.account.id, fixture.inbox.id, appended->uid);
    ASSERT_TRUE(bytes.ok()) << "round " << round << ": " << bytes.error().detail;
    EXPECT_EQ(*bytes, message.bytes);
  }
}

// Readers are not serialized behind the writer: reads succeed while appends stream in.
TEST(GroupCommitTest, ReadsRunAlongsideWrites) {
  Fixture fixture;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(fixture.store->append(fixture.account.id, fixture.inbox.id, make_message(std::to_string(i))).ok());
    }
    done = true;
  });
  int reads = 0;
  std::size_t last = 0;
  while (!done) {
    auto listed = fixture.store->list_messages(fixture.account.id, fixture.inbox.id);
    ASSERT_TRUE(listed.ok());
    EXPECT_GE(listed->size(), last);  // a snapshot never goes backwards
    last = listed->size();
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace postroom::store
