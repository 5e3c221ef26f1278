#include "server/pop3/maildrop.h"

#include <gtest/gtest.h>

namespace postroom::server::pop3 {
namespace {

Maildrop drop_of(std::vector<std::uint64_t> sizes) {
  std::vector<store::MessageMeta> listing;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    store::MessageMeta meta;
    meta.uid = static_cast<store::Uid>(i + 1);
    meta.size = sizes[i];
    listing.push_back(meta);
  }
  Maildrop drop;
  drop.load(1, 2, 3, std::move(listing));
  return drop;
}

TEST(Maildrop, ReadPlanStartsWithTheRequestedMessage) {
  Maildrop drop = drop_of({10, 10, 10});
  EXPECT_EQ(drop.read_plan(2), (std::vector<std::size_t>{2}));
  EXPECT_EQ(drop.read_plan(0), (std::vector<std::size_t>{0, 1, 2}));
}

TEST(Maildrop, ReadPlanSkipsDeletedAndRetrieved) {
  Maildrop drop = drop_of({10, 10, 10, 10, 10});
  drop.deleted[1] = true;
  drop.retrieved[3] = true;
  EXPECT_EQ(drop.read_plan(0), (std::vector<std::size_t>{0, 2, 4}));
}

TEST(Maildrop, ReadPlanIsBounded) {
  // The requested message always comes, whatever its size; followers only within the budget.
  Maildrop huge = drop_of({kReadAheadBytes * 4, kReadAheadBytes, 10});
  EXPECT_EQ(huge.read_plan(0), (std::vector<std::size_t>{0, 1}));
  Maildrop big_next = drop_of({10, kReadAheadBytes + 1, 10});
  EXPECT_EQ(big_next.read_plan(0), (std::vector<std::size_t>{0}));
  Maildrop many = drop_of(std::vector<std::uint64_t>(kReadAheadMessages * 2, 1));
  EXPECT_EQ(many.read_plan(0).size(), kReadAheadMessages);
}

TEST(Maildrop, CacheTakeAndPeek) {
  Maildrop drop = drop_of({10, 10, 10});
  drop.set_cache({{1, "one"}, {2, "two"}});
  ASSERT_NE(drop.peek_cached(1), nullptr);
  EXPECT_EQ(*drop.peek_cached(1), "one");
  EXPECT_EQ(drop.take_cached(1), std::optional<std::string>("one"));
  EXPECT_EQ(drop.take_cached(1), std::nullopt);
  EXPECT_EQ(drop.peek_cached(0), nullptr);
  drop.clear_cache();
  EXPECT_EQ(drop.take_cached(2), std::nullopt);
}

}  // namespace
}  // namespace postroom::server::pop3
