#include "server/imap/snapshot.h"

#include <gtest/gtest.h>

#include <vector>

namespace postroom::server::imap {
namespace {

store::MessageMeta meta(store::Uid uid, store::ModSeq modseq, std::vector<std::string> flags) {
  store::MessageMeta m;
  m.uid = uid;
  m.modseq = modseq;
  m.flags = std::move(flags);
  return m;
}

std::vector<store::Uid> uids(const Snapshot& snapshot) {
  std::vector<store::Uid> out;
  for (std::size_t i = 0; i < snapshot.size(); ++i) {
    out.push_back(snapshot.uid(i));
  }
  return out;
}

TEST(Snapshot, InternsStoredFlagTextsAndFindsByUid) {
  Snapshot s;
  s.push_back(3, 10, "\\Seen");
  s.push_back(5, 11, "\\Seen");
  s.push_back(9, 12, "");
  s.push_back(12, 13, "\\Seen $Junk");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.flags(0), (std::vector<std::string>{"\\Seen"}));
  EXPECT_TRUE(s.flags(2).empty());
  EXPECT_EQ(s.flags(3), (std::vector<std::string>{"\\Seen", "$Junk"}));
  EXPECT_TRUE(s.has_flag(3, "$Junk"));
  EXPECT_FALSE(s.has_flag(2, "\\Seen"));
  EXPECT_EQ(s.last_uid(), 12u);
  EXPECT_EQ(s.find(5), std::optional<std::size_t>(1));
  EXPECT_FALSE(s.find(6).has_value());
  EXPECT_EQ(s.lower_bound(6), 2u);
  EXPECT_EQ(s.lower_bound(13), 4u);
  EXPECT_EQ(s.max_modseq(), 13u);
  store::MessageMeta m = s.partial_meta(3);
  EXPECT_EQ(m.uid, 12u);
  EXPECT_EQ(m.modseq, 13u);
  EXPECT_EQ(m.flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
  EXPECT_EQ(m.size, 0u);  // not loaded: the snapshot holds UID, modseq and flags only
}

TEST(Snapshot, SetAndEraseKeepOrder) {
  Snapshot s;
  for (store::Uid uid = 1; uid <= 5; ++uid) {
    s.push_back(uid, uid, "");
  }
  s.set(1, 20, {"\\Flagged"});
  EXPECT_EQ(s.flags(1), (std::vector<std::string>{"\\Flagged"}));
  EXPECT_EQ(s.modseq(1), 20u);
  EXPECT_TRUE(s.flags(0).empty());  // other messages keep their set
  s.erase(2);
  EXPECT_EQ(uids(s), (std::vector<store::Uid>{1, 2, 4, 5}));
}

TEST(Snapshot, ApplyIsIdempotent) {
  Snapshot s;
  s.push_back(1, 1, "");
  s.push_back(2, 2, "");
  s.push_back(3, 3, "");
  std::vector<store::MessageMeta> changed{meta(2, 7, {"\\Seen"}), meta(4, 8, {}), meta(5, 9, {"\\Draft"})};
  std::vector<store::Uid> expunged{1, 99};
  s.apply(changed, expunged);
  EXPECT_EQ(uids(s), (std::vector<store::Uid>{2, 3, 4, 5}));
  EXPECT_EQ(s.flags(0), (std::vector<std::string>{"\\Seen"}));
  EXPECT_EQ(s.modseq(0), 7u);
  // The same changes again (a later sync reads from an older modseq): nothing moves.
  s.apply(changed, expunged);
  EXPECT_EQ(uids(s), (std::vector<store::Uid>{2, 3, 4, 5}));
  // A change for a UID below the last one that is not present (expunged meanwhile) is not
  // resurrected.
  std::vector<store::MessageMeta> stale{meta(1, 10, {"\\Seen"})};
  s.apply(stale, {});
  EXPECT_EQ(uids(s), (std::vector<store::Uid>{2, 3, 4, 5}));
}

SnapshotCache::Entry entry(std::uint32_t uidvalidity, store::ModSeq modseq, std::size_t messages) {
  SnapshotCache::Entry e;
  e.uidvalidity = uidvalidity;
  e.modseq = modseq;
  for (std::size_t i = 0; i < messages; ++i) {
    e.snapshot.push_back(static_cast<store::Uid>(i + 1), 1, "");
  }
  return e;
}

TEST(Snapshot, CopiesShareUntilOneChanges) {
  Snapshot original;
  original.push_back(1, 5, std::string_view("\\Seen"));
  original.push_back(2, 6, std::string_view(""));
  Snapshot copy = original;
  EXPECT_TRUE(copy.shares_data_with(original));
  EXPECT_TRUE(copy.same_messages(original));

  copy.set(1, 7, {"\\Flagged"});  // the writer gets its own data; the original is untouched
  EXPECT_FALSE(copy.shares_data_with(original));
  EXPECT_FALSE(copy.same_messages(original));
  EXPECT_EQ(original.modseq(1), 6u);
  EXPECT_TRUE(original.flags(1).empty());
  EXPECT_EQ(copy.flags(1), std::vector<std::string>{"\\Flagged"});

  Snapshot other = copy;
  other.erase(0);
  EXPECT_EQ(copy.size(), 2u);
  EXPECT_EQ(other.size(), 1u);
  EXPECT_EQ(other.uid(0), 2u);

  // Re-applying a change already reflected does not unshare.
  Snapshot again = copy;
  store::MessageMeta same;
  same.uid = 2;
  same.modseq = 7;
  same.flags = {"\\Flagged"};
  again.apply(std::span<const store::MessageMeta>(&same, 1), {});
  EXPECT_TRUE(again.shares_data_with(copy));
}

TEST(Snapshot, SameMessagesComparesUidsAndModseqs) {
  Snapshot a;
  Snapshot b;
  EXPECT_TRUE(a.same_messages(b));  // both empty
  a.push_back(1, 5, std::string_view(""));
  b.push_back(1, 5, std::string_view(""));
  EXPECT_TRUE(a.same_messages(b));
  EXPECT_FALSE(a.shares_data_with(b));
  b.push_back(2, 6, std::string_view(""));
  EXPECT_FALSE(a.same_messages(b));
  a.push_back(3, 6, std::string_view(""));
  EXPECT_FALSE(a.same_messages(b));  // same size, another UID
}

TEST(SnapshotCache, KeepsTheNewestPerMailboxAndKeysByAccount) {
  SnapshotCache cache(100);
  EXPECT_EQ(cache.get(1, 10), nullptr);
  cache.put(1, 10, entry(7, 5, 3));
  ASSERT_NE(cache.get(1, 10), nullptr);
  EXPECT_EQ(cache.get(1, 10)->modseq, 5u);
  EXPECT_EQ(cache.get(2, 10), nullptr);  // another account never sees it
  cache.put(1, 10, entry(7, 4, 2));      // older: ignored
  EXPECT_EQ(cache.get(1, 10)->modseq, 5u);
  EXPECT_EQ(cache.get(1, 10)->snapshot.size(), 3u);
  cache.put(1, 10, entry(7, 9, 4));  // newer: replaces
  EXPECT_EQ(cache.get(1, 10)->snapshot.size(), 4u);
  cache.put(1, 10, entry(8, 1, 1));  // new UIDVALIDITY: replaces whatever its modseq
  EXPECT_EQ(cache.get(1, 10)->uidvalidity, 8u);
}

TEST(SnapshotCache, EvictsLeastRecentlyUsedWithinTheBudget) {
  SnapshotCache cache(10);
  cache.put(1, 1, entry(1, 1, 4));
  cache.put(1, 2, entry(1, 1, 4));
  ASSERT_NE(cache.get(1, 1), nullptr);  // 1 is now the most recently used
  cache.put(1, 3, entry(1, 1, 4));      // 12 > 10: the least recently used (2) goes
  EXPECT_NE(cache.get(1, 1), nullptr);
  EXPECT_EQ(cache.get(1, 2), nullptr);
  EXPECT_NE(cache.get(1, 3), nullptr);
  cache.put(1, 4, entry(1, 1, 11));  // larger than the whole budget: not kept
  EXPECT_EQ(cache.get(1, 4), nullptr);
  EXPECT_NE(cache.get(1, 3), nullptr);
}

}  // namespace
}  // namespace postroom::server::imap
