// fuzz-lib: postroom_imapproto
// Sequence sets and search programs: arbitrary text through parse_sequence_set and
// parse_search_program, with small limits. A parsed set's evaluators must agree with each
// other (contains / intervals / count / expand / formatted form) for a max taken from the
// input; a parsed search program must print and respect the depth and key limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "proto/imap/search.h"
#include "proto/imap/sequence_set.h"

namespace {

std::size_t depth_of(const postroom::imap::SearchKey& k) {
  std::size_t d = 0;
  for (const auto& c : k.children) {
    d = std::max(d, depth_of(c));
  }
  return d + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::imap;
  if (size < 4) {
    return 0;
  }
  // First four bytes: the value of "*" (small most of the time, so expansion is checked).
  std::uint32_t max = static_cast<std::uint32_t>(data[0]) | (static_cast<std::uint32_t>(data[1]) << 8) |
                      (static_cast<std::uint32_t>(data[2]) << 16) | (static_cast<std::uint32_t>(data[3]) << 24);
  if ((data[3] & 0x80) == 0) {
    max %= 300;
  }
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);

  SequenceLimits seq_limits;
  seq_limits.max_ranges = 64;
  auto set = parse_sequence_set(text, seq_limits);
  if (set) {
    POSTROOM_CHECK(set->is_saved() || !set->ranges().empty(), "empty set parsed");
    POSTROOM_CHECK(set->ranges().size() <= 64, "range limit ignored");
    const auto intervals = set->intervals(max);
    for (std::size_t i = 1; i < intervals.size(); ++i) {
      POSTROOM_CHECK(static_cast<std::uint64_t>(intervals[i - 1].high) + 1 < intervals[i].low, "intervals not merged");
    }
    for (const Interval& iv : intervals) {
      POSTROOM_CHECK(iv.low >= 1 && iv.low <= iv.high, "bad interval");
      POSTROOM_CHECK(set->contains(iv.low, max) && set->contains(iv.high, max), "contains disagrees");
      POSTROOM_CHECK(interval_contains(intervals, iv.low), "interval_contains disagrees");
      if (iv.low > 1) {
        POSTROOM_CHECK(!set->contains(iv.low - 1, max), "contains beyond an interval");
      }
    }
    // The compact form parses back to the same intervals.
    const std::string compact = format_intervals(intervals);
    if (!compact.empty()) {
      auto again = parse_sequence_set(compact, SequenceLimits{});
      POSTROOM_CHECK(again.ok(), "compact form does not parse");
      POSTROOM_CHECK(again->intervals(max) == intervals, "compact form differs");
    }
    // The as-written form parses back to the same set.
    auto written = parse_sequence_set(set->to_string(), seq_limits);
    POSTROOM_CHECK(written.ok() && *written == *set, "to_string does not round-trip");
    const std::uint64_t count = set->count(max);
    if (auto expanded = set->expand(max, 4096)) {
      POSTROOM_CHECK(expanded->size() == count, "expand and count disagree");
      for (std::uint32_t n : *expanded) {
        POSTROOM_CHECK(n >= 1 && n <= max && set->contains(n, max), "expanded number not contained");
      }
    } else {
      POSTROOM_CHECK(count > 4096, "expand refused a small set");
    }
  }

  SearchLimits search_limits;
  search_limits.max_keys = 64;
  search_limits.max_depth = 8;
  search_limits.sequence = seq_limits;
  auto key = parse_search_program(text, search_limits);
  if (key) {
    POSTROOM_CHECK(key->kind == SearchKeyKind::and_ && !key->children.empty(), "top level not AND");
    POSTROOM_CHECK(depth_of(*key) <= search_limits.max_depth + 2, "depth limit ignored");
    (void)to_string(*key);
    (void)uses_modseq(*key);
    (void)uses_saved_result(*key);
  }
  return 0;
}
