#include "proto/imap/sequence_set.h"

#include <gtest/gtest.h>

namespace postroom::imap {
namespace {

SequenceSet parse(std::string_view text) {
  auto r = parse_sequence_set(text, SequenceLimits{});
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : SequenceSet{};
}

TEST(SequenceSet, ParsesForms) {
  EXPECT_EQ(parse("1").ranges(), (std::vector<SequenceSet::Range>{{1, 1}}));
  EXPECT_EQ(parse("*").ranges(), (std::vector<SequenceSet::Range>{{0, 0}}));
  EXPECT_EQ(parse("1:5,7,9:*").to_string(), "1:5,7,9:*");
  EXPECT_EQ(parse("5:1").ranges(), (std::vector<SequenceSet::Range>{{5, 1}}));
  EXPECT_EQ(parse("*:4").to_string(), "*:4");
  EXPECT_EQ(parse("4294967295").ranges()[0].first, 4294967295u);
  EXPECT_TRUE(parse("$").is_saved());
  EXPECT_TRUE(parse("1:*").uses_star());
}

TEST(SequenceSet, RejectsInvalid) {
  for (const char* bad : {"",      "0", "0:5", "5:0", "4294967296", "99999999999", "1,",  ",1", "1,,2", "1:", ":1",
                          "1:2:3", "a", "-1",  "+1",  "01",         "$,1",         "1,$", "$$", "**",   "1 2"}) {
    EXPECT_FALSE(parse_sequence_set(bad, SequenceLimits{}).ok()) << bad;
  }
  EXPECT_FALSE(parse_sequence_set("$", SequenceLimits{}, false).ok());
  SequenceLimits small;
  small.max_ranges = 3;
  EXPECT_TRUE(parse_sequence_set("1,2,3", small).ok());
  auto r = parse_sequence_set("1,2,3,4", small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::limit);
}

TEST(SequenceSet, Evaluates) {
  const SequenceSet s = parse("9:7,2,*,1:2");
  EXPECT_EQ(s.intervals(20), (std::vector<Interval>{{1, 2}, {7, 9}, {20, 20}}));
  EXPECT_TRUE(s.contains(8, 20));
  EXPECT_TRUE(s.contains(20, 20));
  EXPECT_FALSE(s.contains(10, 20));
  EXPECT_FALSE(s.contains(0, 20));
  EXPECT_EQ(s.count(20), 6u);
  EXPECT_EQ(*s.expand(20, 100), (std::vector<std::uint32_t>{1, 2, 7, 8, 9, 20}));
  EXPECT_FALSE(s.expand(20, 5).has_value());
  // "*:4" and "4:*" with max below 4: the range is max..4 (RFC 9051 §9 seq-range).
  EXPECT_EQ(parse("*:4").intervals(2), (std::vector<Interval>{{2, 4}}));
  EXPECT_EQ(parse("4:*").clipped(2), (std::vector<Interval>{{2, 2}}));
  EXPECT_TRUE(parse("100:*").contains(50, 50));
  // Empty mailbox: "*" names nothing.
  EXPECT_TRUE(parse("1:*").intervals(0).empty());
  EXPECT_EQ(parse("1:*").count(0), 0u);
  EXPECT_FALSE(parse("*").contains(0, 0));
  // Huge ranges are never expanded by accident.
  const SequenceSet all = parse("1:*");
  EXPECT_EQ(all.count(4294967295u), 4294967295ull);
  EXPECT_FALSE(all.expand(4294967295u, 1000).has_value());
  EXPECT_EQ(all.intervals(4294967295u).size(), 1u);
  std::uint32_t seen = 0;
  all.for_each(4294967295u, [&](std::uint32_t n) {
    seen = n;
    return n < 3;
  });
  EXPECT_EQ(seen, 3u);
  // Adjacent ranges merge; the maximum does not overflow.
  EXPECT_EQ(parse("1:3,4:6,4294967295,4294967294").intervals(10),
            (std::vector<Interval>{{1, 6}, {4294967294u, 4294967295u}}));
  EXPECT_TRUE(parse("5,20").any_above(10));
  EXPECT_FALSE(parse("5,*").any_above(10));
  // "$" evaluates to nothing here; the session substitutes it.
  EXPECT_TRUE(parse("$").intervals(10).empty());
  EXPECT_FALSE(parse("$").contains(1, 10));
}

TEST(SequenceSet, IntervalHelpers) {
  const std::vector<Interval> iv = {{1, 3}, {7, 7}, {10, 20}};
  EXPECT_TRUE(interval_contains(iv, 1));
  EXPECT_TRUE(interval_contains(iv, 7));
  EXPECT_TRUE(interval_contains(iv, 15));
  EXPECT_FALSE(interval_contains(iv, 5));
  EXPECT_FALSE(interval_contains(iv, 21));
  EXPECT_FALSE(interval_contains(iv, 0));
  const std::vector<std::uint32_t> uids = {10, 9, 1, 2, 3, 4, 5, 7, 5, 0};
  EXPECT_EQ(format_uid_set(uids), "1:5,7,9:10");
  EXPECT_EQ(format_uid_set(std::vector<std::uint32_t>{}), "");
  EXPECT_EQ(format_uid_set(std::vector<std::uint32_t>{4294967295u, 4294967294u}), "4294967294:4294967295");
  EXPECT_EQ(format_intervals(iv), "1:3,7,10:20");
}

}  // namespace
}  // namespace postroom::imap
