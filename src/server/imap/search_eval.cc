#include "server/imap/search_eval.h"

#include <algorithm>
#include <utility>

#include "mime/text.h"
#include "proto/imap/date_time.h"
#include "store/search_document.h"

namespace postroom::server::imap {
namespace {

using Kind = pi::SearchKeyKind;

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return mime::iequals(f, flag); });
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) {
    --q;
  }
  return q;
}

// Day number (days since 1970-01-01) of a SEARCH date.
std::int64_t day_of(const pi::Date& date) {
  pi::DateTime dt;
  dt.date = date;
  return floor_div(pi::to_unix_seconds(dt), 86400);
}

std::int64_t day_of_seconds(std::int64_t seconds) {
  return floor_div(seconds, 86400);
}

// BEFORE/ON/SINCE-style comparison of a message day against a key day.
bool compare_day(Kind kind, std::int64_t message_day, std::int64_t key_day) {
  switch (kind) {
    case Kind::before:
    case Kind::sentbefore:
    case Kind::savedbefore: return message_day < key_day;
    case Kind::on:
    case Kind::senton:
    case Kind::savedon: return message_day == key_day;
    default:  // since
      return message_day >= key_day;
  }
}

bool is_text_key(Kind kind) {
  switch (kind) {
    case Kind::bcc:
    case Kind::body:
    case Kind::cc:
    case Kind::from:
    case Kind::subject:
    case Kind::text:
    case Kind::to:
    case Kind::header: return true;
    default: return false;
  }
}

bool is_sent_key(Kind kind) {
  return kind == Kind::sentbefore || kind == Kind::senton || kind == Kind::sentsince;
}

store::TextField text_field(Kind kind) {
  switch (kind) {
    case Kind::bcc: return store::TextField::bcc;
    case Kind::body: return store::TextField::body;
    case Kind::cc: return store::TextField::cc;
    case Kind::from: return store::TextField::from;
    case Kind::subject: return store::TextField::subject;
    case Kind::to: return store::TextField::to;
    case Kind::header: return store::TextField::header;
    default: return store::TextField::text;
  }
}

bool contains_folded(std::string_view haystack, const std::string& folded_needle) {
  if (folded_needle.empty()) {
    return true;
  }
  return store::fold_case(haystack).find(folded_needle) != std::string::npos;
}

}  // namespace

bool supported_charset(std::string_view charset) {
  return mime::iequals(charset, "UTF-8") || mime::iequals(charset, "US-ASCII");
}

int search_key_cost(const pi::SearchKey& key) {
  switch (key.kind) {
    case Kind::and_:
    case Kind::or_:
    case Kind::not_: {
      int cost = 0;
      for (const auto& child : key.children) {
        cost = std::max(cost, search_key_cost(child));
      }
      return cost;
    }
    default:
      if (is_text_key(key.kind)) {
        return 2;
      }
      return is_sent_key(key.kind) ? 1 : 0;
  }
}

SearchEvaluator::SearchEvaluator(store::Store& store, store::AccountId account, store::MailboxId mailbox,
                                 std::span<const store::MessageMeta> messages, std::vector<store::Uid> saved_result,
                                 std::int64_t now)
    : store_(store),
      account_(account),
      mailbox_(mailbox),
      messages_(messages),
      saved_(std::move(saved_result)),
      now_(now),
      factory_(store_message_factory(store, account, mailbox)) {
  std::sort(saved_.begin(), saved_.end());
}

int SearchEvaluator::blob_reads() const {
  int total = 0;
  for (const auto& [index, message] : loaded_) {
    total += message.blob_reads();
  }
  return total;
}

MessageData& SearchEvaluator::data(std::size_t index) {
  auto it = loaded_.find(index);
  if (it == loaded_.end()) {
    it = loaded_.emplace(index, factory_(messages_[index])).first;
  }
  return it->second;
}

Result<std::vector<std::uint32_t>> SearchEvaluator::evaluate(const pi::SearchKey& key) {
  // The cache is keyed by the key's address, valid only while this program lives.
  fts_cache_.clear();
  Mask all(messages_.size(), 1);
  auto mask = eval(key, all, 0);
  if (!mask.ok()) {
    return mask.error();
  }
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < mask->size(); ++i) {
    if ((*mask)[i] != 0) {
      out.push_back(static_cast<std::uint32_t>(i + 1));
    }
  }
  return out;
}

Result<SearchEvaluator::Mask> SearchEvaluator::eval(const pi::SearchKey& key, const Mask& candidates,
                                                    std::size_t depth) {
  // The parser bounds depth (SearchLimits::max_depth); this guards programs built elsewhere.
  if (depth > 64) {
    return make_error(ErrorKind::limit, "search program nested too deeply");
  }
  const bool any = std::any_of(candidates.begin(), candidates.end(), [](char c) { return c != 0; });
  if (!any) {
    return candidates;
  }
  switch (key.kind) {
    case Kind::and_: {
      std::vector<const pi::SearchKey*> order;
      for (const auto& child : key.children) {
        order.push_back(&child);
      }
      std::stable_sort(order.begin(), order.end(), [](const pi::SearchKey* a, const pi::SearchKey* b) {
        return search_key_cost(*a) < search_key_cost(*b);
      });
      Mask current = candidates;
      for (const pi::SearchKey* child : order) {
        auto next = eval(*child, current, depth + 1);
        if (!next.ok()) {
          return next.error();
        }
        current = std::move(*next);
      }
      return current;
    }
    case Kind::or_: {
      if (key.children.size() != 2) {
        return make_error(ErrorKind::bad_syntax, "OR needs two keys");
      }
      // Evaluate the cheaper side first; the other only looks at what it did not match.
      const bool swap = search_key_cost(key.children[0]) > search_key_cost(key.children[1]);
      const pi::SearchKey& first = key.children[swap ? 1 : 0];
      const pi::SearchKey& second = key.children[swap ? 0 : 1];
      auto a = eval(first, candidates, depth + 1);
      if (!a.ok()) {
        return a.error();
      }
      Mask rest(candidates.size(), 0);
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        rest[i] = static_cast<char>(candidates[i] != 0 && (*a)[i] == 0);
      }
      auto b = eval(second, rest, depth + 1);
      if (!b.ok()) {
        return b.error();
      }
      Mask out(candidates.size(), 0);
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        out[i] = static_cast<char>((*a)[i] != 0 || (*b)[i] != 0);
      }
      return out;
    }
    case Kind::not_: {
      if (key.children.size() != 1) {
        return make_error(ErrorKind::bad_syntax, "NOT needs one key");
      }
      auto inner = eval(key.children.front(), candidates, depth + 1);
      if (!inner.ok()) {
        return inner.error();
      }
      Mask out(candidates.size(), 0);
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        out[i] = static_cast<char>(candidates[i] != 0 && (*inner)[i] == 0);
      }
      return out;
    }
    default: break;
  }
  if (is_text_key(key.kind)) {
    return eval_text(key, candidates);
  }
  Mask out(candidates.size(), 0);
  if (key.kind == Kind::sequence_set || key.kind == Kind::uid) {
    const bool by_uid = key.kind == Kind::uid;
    if (key.set.is_saved()) {
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        out[i] =
            static_cast<char>(candidates[i] != 0 && std::binary_search(saved_.begin(), saved_.end(), messages_[i].uid));
      }
      return out;
    }
    const std::uint32_t max =
        messages_.empty() ? 0 : (by_uid ? messages_.back().uid : static_cast<std::uint32_t>(messages_.size()));
    const std::vector<pi::Interval> intervals = key.set.intervals(max);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::uint32_t n = by_uid ? messages_[i].uid : static_cast<std::uint32_t>(i + 1);
      out[i] = static_cast<char>(candidates[i] != 0 && pi::interval_contains(intervals, n));
    }
    return out;
  }
  if (is_sent_key(key.kind)) {
    const std::int64_t key_day = day_of(key.date);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == 0) {
        continue;
      }
      std::int64_t message_day = day_of_seconds(messages_[i].internal_date);
      const EnvelopeFields* envelope = data(i).envelope();
      if (envelope == nullptr) {
        return *data(i).error();
      }
      if (envelope->date) {
        if (auto parsed = parse_rfc5322_date(*envelope->date)) {
          pi::Date written;
          written.year = static_cast<std::uint16_t>(parsed->year);
          written.month = static_cast<std::uint8_t>(parsed->month);
          written.day = static_cast<std::uint8_t>(parsed->day);
          message_day = day_of(written);
        }
      }
      out[i] = static_cast<char>(compare_day(key.kind, message_day, key_day));
    }
    return out;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    out[i] = static_cast<char>(candidates[i] != 0 && matches_meta(key, i));
  }
  return out;
}

bool SearchEvaluator::matches_meta(const pi::SearchKey& key, std::size_t index) {
  const store::MessageMeta& m = messages_[index];
  switch (key.kind) {
    case Kind::all: return true;
    case Kind::answered: return has_flag(m.flags, "\\Answered");
    case Kind::deleted: return has_flag(m.flags, "\\Deleted");
    case Kind::draft: return has_flag(m.flags, "\\Draft");
    case Kind::flagged: return has_flag(m.flags, "\\Flagged");
    case Kind::seen: return has_flag(m.flags, "\\Seen");
    case Kind::unanswered: return !has_flag(m.flags, "\\Answered");
    case Kind::undeleted: return !has_flag(m.flags, "\\Deleted");
    case Kind::undraft: return !has_flag(m.flags, "\\Draft");
    case Kind::unflagged: return !has_flag(m.flags, "\\Flagged");
    case Kind::unseen: return !has_flag(m.flags, "\\Seen");
    // No message is ever \Recent (see the header): NEW = RECENT UNSEEN is empty, OLD is all.
    case Kind::recent: return false;
    case Kind::new_: return false;
    case Kind::old: return true;
    case Kind::keyword: return has_flag(m.flags, key.text);
    case Kind::unkeyword: return !has_flag(m.flags, key.text);
    case Kind::before:
    case Kind::on:
    case Kind::since: return compare_day(key.kind, day_of_seconds(m.internal_date), day_of(key.date));
    case Kind::savedbefore:
    case Kind::savedon:
    case Kind::savedsince:
      return m.save_date > 0 && compare_day(key.kind, day_of_seconds(m.save_date), day_of(key.date));
    case Kind::savedatesupported: return true;
    case Kind::larger: return m.size > key.number;
    case Kind::smaller: return m.size < key.number;
    // RFC 5032: OLDER n = internal date at least n seconds ago; YOUNGER n = less than n ago.
    case Kind::older: return m.internal_date <= now_ - static_cast<std::int64_t>(key.number);
    case Kind::younger: return m.internal_date > now_ - static_cast<std::int64_t>(key.number);
    case Kind::modseq: return m.modseq >= key.number;
    case Kind::emailid: return !m.email_id.empty() && m.email_id == key.text;
    case Kind::threadid: return !m.thread_id.empty() && m.thread_id == key.text;
    default: return false;
  }
}

Result<SearchEvaluator::Mask> SearchEvaluator::eval_text(const pi::SearchKey& key, const Mask& candidates) {
  Mask out(candidates.size(), 0);
  if (key.kind == Kind::header && key.field.empty()) {
    return make_error(ErrorKind::bad_syntax, "HEADER search without a field name");
  }
  if (use_fts_) {
    auto cached = fts_cache_.find(&key);
    if (cached == fts_cache_.end()) {
      store::TextCriterion criterion;
      criterion.field = text_field(key.kind);
      criterion.header_name = key.field;
      criterion.value = key.text;
      ++fts_queries_;
      auto uids = store_.search_text(account_, mailbox_, criterion);
      if (!uids.ok()) {
        return uids.error();
      }
      std::sort(uids->begin(), uids->end());
      cached = fts_cache_.emplace(&key, std::move(*uids)).first;
    }
    const std::vector<store::Uid>& uids = cached->second;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      out[i] = static_cast<char>(candidates[i] != 0 && std::binary_search(uids.begin(), uids.end(), messages_[i].uid));
    }
    return out;
  }
  // Scan: the same document the index is built from, compared here.
  const std::string needle = store::fold_case(key.text);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (candidates[i] == 0) {
      continue;
    }
    MessageData& message = data(i);
    const std::string* bytes = message.bytes();
    if (bytes == nullptr) {
      return *message.error();
    }
    const store::SearchDocument doc = store::extract_search_document(*bytes);
    bool match = false;
    switch (key.kind) {
      case Kind::bcc: match = contains_folded(doc.bcc, needle); break;
      case Kind::cc: match = contains_folded(doc.cc, needle); break;
      case Kind::from: match = contains_folded(doc.from, needle); break;
      case Kind::to: match = contains_folded(doc.to, needle); break;
      case Kind::subject: match = contains_folded(doc.subject, needle); break;
      case Kind::body: match = contains_folded(doc.body, needle); break;
      case Kind::text: match = contains_folded(doc.headers, needle) || contains_folded(doc.body, needle); break;
      case Kind::header: {
        store::HeaderLookup lookup = store::header_values(doc.headers, key.field);
        match = lookup.found && contains_folded(lookup.values, needle);
        break;
      }
      default: break;
    }
    out[i] = static_cast<char>(match);
  }
  return out;
}

}  // namespace postroom::server::imap
