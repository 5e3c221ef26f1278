#include "push/change_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace postroom::push {
namespace {

TEST(ChangeBus, DeliversToSubscribersOfTheAccountOnly) {
  ChangeBus bus;
  std::vector<ChangeEvent> seen_a;
  std::vector<ChangeEvent> seen_b;
  auto a = bus.subscribe(1, [&](const ChangeEvent& event) { seen_a.push_back(event); });
  auto b = bus.subscribe(2, [&](const ChangeEvent& event) { seen_b.push_back(event); });
  bus.publish(ChangeEvent{1, 10, ChangeKind::appended, 5});
  bus.publish(ChangeEvent{1, 10, ChangeKind::flags, 6});
  bus.publish(ChangeEvent{3, 10, ChangeKind::flags, 6});
  ASSERT_EQ(seen_a.size(), 2u);
  EXPECT_EQ(seen_a[0].kind, ChangeKind::appended);
  EXPECT_EQ(seen_a[1].highest_modseq, 6u);
  EXPECT_EQ(seen_a[1].mailbox, 10);
  EXPECT_TRUE(seen_b.empty());
  EXPECT_EQ(bus.subscriber_count(), 2u);
}

TEST(ChangeBus, DestroyingTheSubscriptionUnsubscribes) {
  ChangeBus bus;
  int calls = 0;
  {
    auto subscription = bus.subscribe(1, [&](const ChangeEvent&) { ++calls; });
    bus.publish(ChangeEvent{1, 1, ChangeKind::expunged, 1});
    EXPECT_EQ(bus.subscriber_count(), 1u);
  }
  bus.publish(ChangeEvent{1, 1, ChangeKind::expunged, 2});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus.subscriber_count(), 0u);

  auto moved_from = bus.subscribe(1, [&](const ChangeEvent&) { ++calls; });
  ChangeBus::Subscription moved = std::move(moved_from);
  EXPECT_FALSE(moved_from.active());
  EXPECT_TRUE(moved.active());
  bus.publish(ChangeEvent{1, 1, ChangeKind::expunged, 3});
  EXPECT_EQ(calls, 2);
  moved.reset();
  moved.reset();  // idempotent
  bus.publish(ChangeEvent{1, 1, ChangeKind::expunged, 4});
  EXPECT_EQ(calls, 2);
}

TEST(ChangeBus, CallbackMayEndItsOwnSubscription) {
  ChangeBus bus;
  ChangeBus::Subscription subscription;
  int calls = 0;
  subscription = bus.subscribe(7, [&](const ChangeEvent&) {
    ++calls;
    subscription.reset();
  });
  bus.publish(ChangeEvent{7, 1, ChangeKind::mailbox_created, 0});
  bus.publish(ChangeEvent{7, 1, ChangeKind::mailbox_created, 0});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus.subscriber_count(), 0u);
}

TEST(ChangeBus, UnsubscribeWaitsForARunningCallback) {
  ChangeBus bus;
  std::atomic<bool> inside{false};
  std::atomic<bool> finished{false};
  std::atomic<int> calls_after_reset{0};
  std::atomic<bool> reset_done{false};
  auto subscription = bus.subscribe(1, [&](const ChangeEvent&) {
    if (reset_done) {
      ++calls_after_reset;
    }
    inside = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    finished = true;
  });
  std::thread publisher([&] { bus.publish(ChangeEvent{1, 1, ChangeKind::appended, 1}); });
  while (!inside) {
    std::this_thread::yield();
  }
  subscription.reset();
  reset_done = true;
  EXPECT_TRUE(finished);  // reset() returned only after the running callback finished
  publisher.join();
  bus.publish(ChangeEvent{1, 1, ChangeKind::appended, 2});
  EXPECT_EQ(calls_after_reset, 0);
}

TEST(ChangeBus, ConcurrentPublishAndSubscribe) {
  ChangeBus bus;
  std::atomic<int> received{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto subscription = bus.subscribe(t % 2, [&](const ChangeEvent&) { ++received; });
        bus.publish(ChangeEvent{t % 2, 1, ChangeKind::flags, static_cast<std::uint64_t>(i)});
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_GE(received.load(), 800);  // each publisher at least reaches its own subscription
  EXPECT_EQ(bus.subscriber_count(), 0u);
}

}  // namespace
}  // namespace postroom::push
