// IMAP sequence sets (RFC 9051 §9 `sequence-set`, RFC 5182 `$` for SEARCHRES).
//
// Grammar accepted: `seq-number / seq-range` separated by ",", where seq-number is an
// nz-number (1..4294967295) or "*", and a range "a:b" may be written in either order
// ("4:2" == "2:4", "*:4" == "4:*"). "$" (the saved search result) is only valid alone.
//
// Contract:
// - Parsing is strict: 0, leading '+'/'-', empty elements, trailing commas and numbers above
//   4294967295 are rejected. The number of ranges is bounded by SequenceLimits.
// - The set keeps what the client wrote (ranges(), to_string()). Evaluation takes `max`, the
//   value of "*" (the highest sequence number, or the highest UID in use): evaluation never
//   allocates per number, only per range, so "1:*" costs one Interval.
// - When max == 0 (empty mailbox), ranges that involve "*" are empty.
// - "$" cannot be evaluated here: is_saved() tells the session to substitute the saved
//   result (RFC 5182 §2.1); every evaluator treats it as the empty set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::imap {

struct SequenceLimits {
  // Ranges in one set. A "1,3,5,...,99999" set from a client that lost track of ranges is
  // legitimate but rare; each range costs 8 bytes and evaluation is O(ranges log ranges).
  // Stops a 64 KiB line from becoming an O(n^2) evaluation.
  std::size_t max_ranges = 16384;
};

// One inclusive interval after evaluation: 1 <= low <= high.
struct Interval {
  std::uint32_t low = 1;
  std::uint32_t high = 1;
  friend bool operator==(const Interval&, const Interval&) = default;
};

class SequenceSet {
 public:
  // The value that stands for "*" in SeqRange.
  static constexpr std::uint32_t kStar = 0;

  // As written: first may be greater than last; kStar for "*". A single number n is {n, n}.
  struct Range {
    std::uint32_t first = 1;
    std::uint32_t last = 1;
    friend bool operator==(const Range&, const Range&) = default;
  };

  SequenceSet() = default;     // the empty set (never produced by the parser)
  static SequenceSet saved();  // "$"
  static SequenceSet single(std::uint32_t n);
  static SequenceSet from_ranges(std::vector<Range> ranges);

  bool is_saved() const { return saved_; }
  bool empty() const { return !saved_ && ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  bool uses_star() const;

  // Ascending, non-overlapping, non-adjacent intervals with "*" replaced by max.
  // Numbers above max are kept (UID sets may name UIDs beyond the highest one in use).
  std::vector<Interval> intervals(std::uint32_t max) const;
  // Same, clipped to [1, max]: what exists in a mailbox whose highest number is max.
  std::vector<Interval> clipped(std::uint32_t max) const;

  // Whether n is in the set. O(ranges); for many lookups use intervals() + interval_contains.
  bool contains(std::uint32_t n, std::uint32_t max) const;
  // Distinct numbers in clipped(max).
  std::uint64_t count(std::uint32_t max) const;
  // The numbers of clipped(max) in ascending order; nullopt when there are more than limit
  // (so "1:*" on a huge mailbox never becomes a huge vector by accident).
  std::optional<std::vector<std::uint32_t>> expand(std::uint32_t max, std::size_t limit) const;
  // Whether some explicit number (not "*") exceeds max: for message sequence numbers RFC 9051
  // §6.4 asks for BAD ("invalid message sequence number").
  bool any_above(std::uint32_t max) const;

  // Calls f(n) for each number of clipped(max), ascending; stops when f returns false.
  template <typename F>
  void for_each(std::uint32_t max, F&& f) const {
    for (const Interval& iv : clipped(max)) {
      for (std::uint64_t n = iv.low; n <= iv.high; ++n) {
        if (!f(static_cast<std::uint32_t>(n))) {
          return;
        }
      }
    }
  }

  // Wire form as written ("1:5,7,*", "$").
  std::string to_string() const;

  friend bool operator==(const SequenceSet&, const SequenceSet&) = default;

 private:
  std::vector<Range> ranges_;
  bool saved_ = false;
};

// Parses a whole sequence-set. allow_saved: accept "$" (SEARCHRES; RFC 5182 §2.1).
// Errors are ErrorKind::bad_syntax (or limit for too many ranges) with a fixed text that
// never echoes client bytes.
Result<SequenceSet> parse_sequence_set(std::string_view text, const SequenceLimits& limits, bool allow_saved = true);

// Binary search in a result of intervals()/clipped().
bool interval_contains(std::span<const Interval> intervals, std::uint32_t n);

// Compact form "1:5,7,9:10" of any list of numbers (sorted and de-duplicated first; 0s are
// ignored). Empty input gives "".
std::string format_uid_set(std::span<const std::uint32_t> numbers);
// Compact form of ascending intervals ("3" for {3,3}, "1:5" otherwise).
std::string format_intervals(std::span<const Interval> intervals);
// Ascending merged intervals of any list of numbers (0s are ignored).
std::vector<Interval> to_intervals(std::span<const std::uint32_t> numbers);

}  // namespace postroom::imap
