#include "proto/imap/sequence_set.h"

#include <algorithm>

namespace postroom::imap {
namespace {

// seq-number: nz-number (1..4294967295) or "*". Returns false on anything else.
bool parse_seq_number(std::string_view s, std::uint32_t& out) {
  if (s == "*") {
    out = SequenceSet::kStar;
    return true;
  }
  if (s.empty() || s.size() > 10 || s[0] == '0') {
    return false;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xffffffffull) {
    return false;
  }
  out = static_cast<std::uint32_t>(v);
  return true;
}

std::vector<Interval> merge(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.low < b.low; });
  std::vector<Interval> out;
  for (const Interval& iv : v) {
    if (!out.empty() && static_cast<std::uint64_t>(out.back().high) + 1 >= iv.low) {
      out.back().high = std::max(out.back().high, iv.high);
    } else {
      out.push_back(iv);
    }
  }
  return out;
}

void append_interval(std::string& out, const Interval& iv) {
  if (!out.empty()) {
    out += ',';
  }
  out += std::to_string(iv.low);
  if (iv.high != iv.low) {
    out += ':';
    out += std::to_string(iv.high);
  }
}

}  // namespace

SequenceSet SequenceSet::saved() {
  SequenceSet s;
  s.saved_ = true;
  return s;
}

SequenceSet SequenceSet::single(std::uint32_t n) {
  return from_ranges({Range{n, n}});
}

SequenceSet SequenceSet::from_ranges(std::vector<Range> ranges) {
  SequenceSet s;
  s.ranges_ = std::move(ranges);
  return s;
}

bool SequenceSet::uses_star() const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [](const Range& r) { return r.first == kStar || r.last == kStar; });
}

std::vector<Interval> SequenceSet::intervals(std::uint32_t max) const {
  std::vector<Interval> v;
  v.reserve(ranges_.size());
  for (const Range& r : ranges_) {
    const bool star = r.first == kStar || r.last == kStar;
    if (star && max == 0) {
      continue;  // "*" names nothing in an empty mailbox
    }
    const std::uint32_t a = r.first == kStar ? max : r.first;
    const std::uint32_t b = r.last == kStar ? max : r.last;
    v.push_back(Interval{std::min(a, b), std::max(a, b)});
  }
  return merge(std::move(v));
}

std::vector<Interval> SequenceSet::clipped(std::uint32_t max) const {
  std::vector<Interval> out;
  for (Interval iv : intervals(max)) {
    if (iv.low > max) {
      break;
    }
    iv.high = std::min(iv.high, max);
    out.push_back(iv);
  }
  return out;
}

bool SequenceSet::contains(std::uint32_t n, std::uint32_t max) const {
  if (n == 0) {
    return false;
  }
  for (const Range& r : ranges_) {
    const bool star = r.first == kStar || r.last == kStar;
    if (star && max == 0) {
      continue;
    }
    const std::uint32_t a = r.first == kStar ? max : r.first;
    const std::uint32_t b = r.last == kStar ? max : r.last;
    if (n >= std::min(a, b) && n <= std::max(a, b)) {
      return true;
    }
  }
  return false;
}

std::uint64_t SequenceSet::count(std::uint32_t max) const {
  std::uint64_t total = 0;
  for (const Interval& iv : clipped(max)) {
    total += static_cast<std::uint64_t>(iv.high) - iv.low + 1;
  }
  return total;
}

std::optional<std::vector<std::uint32_t>> SequenceSet::expand(std::uint32_t max, std::size_t limit) const {
  if (count(max) > limit) {
    return std::nullopt;
  }
  std::vector<std::uint32_t> out;
  for_each(max, [&](std::uint32_t n) {
    out.push_back(n);
    return true;
  });
  return out;
}

bool SequenceSet::any_above(std::uint32_t max) const {
  for (const Range& r : ranges_) {
    if ((r.first != kStar && r.first > max) || (r.last != kStar && r.last > max)) {
      return true;
    }
  }
  return false;
}

std::string SequenceSet::to_string() const {
  if (saved_) {
    return "$";
  }
  std::string out;
  auto num = [](std::uint32_t n) { return n == kStar ? std::string("*") : std::to_string(n); };
  for (const Range& r : ranges_) {
    if (!out.empty()) {
      out += ',';
    }
    out += num(r.first);
    if (r.first != r.last) {
      out += ':';
      out += num(r.last);
    }
  }
  return out;
}

Result<SequenceSet> parse_sequence_set(std::string_view text, const SequenceLimits& limits, bool allow_saved) {
  if (text == "$") {
    if (!allow_saved) {
      return make_error(ErrorKind::bad_syntax, "$ not allowed here");
    }
    return SequenceSet::saved();
  }
  if (text.empty()) {
    return make_error(ErrorKind::bad_syntax, "empty sequence set");
  }
  std::vector<SequenceSet::Range> ranges;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    const std::string_view element = text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    if (ranges.size() >= limits.max_ranges) {
      return make_error(ErrorKind::limit, "too many ranges in sequence set");
    }
    const std::size_t colon = element.find(':');
    SequenceSet::Range r;
    if (colon == std::string_view::npos) {
      if (!parse_seq_number(element, r.first)) {
        return make_error(ErrorKind::bad_syntax, "invalid sequence number");
      }
      r.last = r.first;
    } else if (!parse_seq_number(element.substr(0, colon), r.first) ||
               !parse_seq_number(element.substr(colon + 1), r.last)) {
      return make_error(ErrorKind::bad_syntax, "invalid sequence range");
    }
    ranges.push_back(r);
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return SequenceSet::from_ranges(std::move(ranges));
}

bool interval_contains(std::span<const Interval> intervals, std::uint32_t n) {
  auto it = std::upper_bound(intervals.begin(), intervals.end(), n,
                             [](std::uint32_t value, const Interval& iv) { return value < iv.low; });
  if (it == intervals.begin()) {
    return false;
  }
  --it;
  return n >= it->low && n <= it->high;
}

std::vector<Interval> to_intervals(std::span<const std::uint32_t> numbers) {
  std::vector<std::uint32_t> sorted(numbers.begin(), numbers.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<Interval> out;
  for (std::uint32_t n : sorted) {
    if (n == 0) {
      continue;
    }
    if (!out.empty() && (out.back().high == n || static_cast<std::uint64_t>(out.back().high) + 1 == n)) {
      out.back().high = n;
    } else {
      out.push_back(Interval{n, n});
    }
  }
  return out;
}

std::string format_intervals(std::span<const Interval> intervals) {
  std::string out;
  for (const Interval& iv : intervals) {
    append_interval(out, iv);
  }
  return out;
}

std::string format_uid_set(std::span<const std::uint32_t> numbers) {
  const std::vector<Interval> iv = to_intervals(numbers);
  return format_intervals(iv);
}

}  // namespace postroom::imap
