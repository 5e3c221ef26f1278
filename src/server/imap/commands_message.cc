// FETCH, STORE, SEARCH, SORT, THREAD, COPY, MOVE, EXPUNGE — all on the selected mailbox.
#include <algorithm>
#include <set>
#include <span>

#include "base/log.h"
#include "server/imap/fetch_render.h"
#include "server/imap/mailbox_names.h"
#include "server/imap/search_eval.h"
#include "server/imap/session.h"
#include "server/imap/sort_thread.h"

namespace postroom::server::imap {
namespace {

// FETCH renders this many messages per trip to the storage pool, then flushes: responses
// stream and memory stays flat however large the mailbox (a FETCH 1:* FLAGS of 100k
// messages never holds 100k responses).
constexpr std::size_t kFetchBatch = 256;

std::vector<std::uint32_t> uids_of(const SelectedMailbox& sel, const std::vector<std::uint32_t>& seqs) {
  std::vector<std::uint32_t> uids;
  uids.reserve(seqs.size());
  for (std::uint32_t seq : seqs) {
    uids.push_back(sel.messages.uid(seq - 1));
  }
  return uids;
}

// Whether a search key reads more than UID, modseq and flags of a message (dates, size,
// object ids): those come from the store, the snapshot holds only the former.
bool needs_full_meta(const pi::SearchKey& key) {
  using Kind = pi::SearchKeyKind;
  switch (key.kind) {
    case Kind::before:
    case Kind::on:
    case Kind::since:
    case Kind::sentbefore:  // without a Date: field, the internal date stands in
    case Kind::senton:
    case Kind::sentsince:
    case Kind::savedbefore:
    case Kind::savedon:
    case Kind::savedsince:
    case Kind::larger:
    case Kind::smaller:
    case Kind::older:
    case Kind::younger:
    case Kind::emailid:
    case Kind::threadid: return true;
    default: break;
  }
  return std::any_of(key.children.begin(), key.children.end(),
                     [](const pi::SearchKey& child) { return needs_full_meta(child); });
}

// The snapshot's messages at `seqs` (1-based, ascending) as MessageMeta, in that order. With
// `full`, dates, size and ids come from the store in one range read; a message expunged from
// the store meanwhile keeps what the snapshot knows. Runs on the storage pool.
Result<std::vector<store::MessageMeta>> metas_for(store::Store& store, store::AccountId account,
                                                  store::MailboxId mailbox, const Snapshot& snapshot,
                                                  std::span<const std::uint32_t> seqs, bool full) {
  std::vector<store::MessageMeta> metas;
  metas.reserve(seqs.size());
  for (std::uint32_t seq : seqs) {
    metas.push_back(snapshot.partial_meta(seq - 1));
  }
  if (!full || metas.empty()) {
    return metas;
  }
  std::vector<store::Uid> uids;
  uids.reserve(metas.size());
  for (const auto& meta : metas) {
    uids.push_back(meta.uid);
  }
  auto stored = store.get_messages(account, mailbox, uids);
  if (!stored) {
    return stored.error();
  }
  std::size_t k = 0;
  for (auto& row : *stored) {
    while (k < metas.size() && metas[k].uid < row.uid) {
      ++k;
    }
    if (k < metas.size() && metas[k].uid == row.uid) {
      // The session's view of flags and modseq is the snapshot's until it reports a change.
      row.flags = std::move(metas[k].flags);
      row.modseq = metas[k].modseq;
      metas[k] = std::move(row);
    }
  }
  return metas;
}

// Every message of the snapshot, in sequence order (for SEARCH, SORT, THREAD).
Result<std::vector<store::MessageMeta>> all_metas(store::Store& store, store::AccountId account,
                                                  store::MailboxId mailbox, const Snapshot& snapshot, bool full) {
  std::vector<std::uint32_t> seqs(snapshot.size());
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    seqs[i] = static_cast<std::uint32_t>(i + 1);
  }
  return metas_for(store, account, mailbox, snapshot, seqs, full);
}

}  // namespace

std::vector<std::uint32_t> Session::resolve(const pi::SequenceSet& set, bool uid) const {
  const SelectedMailbox& sel = *selected_;
  std::vector<std::uint32_t> seqs;
  if (set.is_saved()) {
    for (std::size_t i = 0; i < sel.messages.size(); ++i) {
      if (std::binary_search(sel.saved_search.begin(), sel.saved_search.end(), sel.messages.uid(i))) {
        seqs.push_back(static_cast<std::uint32_t>(i + 1));
      }
    }
    return seqs;
  }
  if (sel.messages.empty()) {
    return seqs;
  }
  if (uid) {
    // "*" is the highest UID in use (RFC 9051 §6.4.8); ranges may name UIDs that do not exist.
    std::uint32_t max_uid = sel.messages.last_uid();
    auto intervals = set.intervals(max_uid);
    for (std::size_t i = 0; i < sel.messages.size(); ++i) {
      if (pi::interval_contains(intervals, sel.messages.uid(i))) {
        seqs.push_back(static_cast<std::uint32_t>(i + 1));
      }
    }
    return seqs;
  }
  set.for_each(static_cast<std::uint32_t>(sel.messages.size()), [&](std::uint32_t n) {
    seqs.push_back(n);
    return true;
  });
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  return seqs;
}

io::Task<bool> Session::cmd_fetch(const pi::Command& command) {
  const auto& args = command.as<pi::FetchArgs>();
  SelectedMailbox& sel = *selected_;
  if (!command.uid && !args.set.is_saved() && args.set.any_above(static_cast<std::uint32_t>(sel.messages.size()))) {
    bad(command.tag, "message sequence number out of range");
    co_return true;
  }
  if (args.vanished && (!command.uid || !args.changedsince || !qresync_)) {
    bad(command.tag, "VANISHED needs UID FETCH, CHANGEDSINCE and ENABLE QRESYNC");
    co_return true;
  }
  if (args.changedsince) {
    condstore_ = true;
  }
  std::vector<pi::FetchItem> items = expand_macro(args);
  FetchOptions options;
  options.uid_always = command.uid;
  options.modseq = condstore_;
  options.rev2 = rev2_;
  options.utf8_accept = utf8_enabled_;
  options.read_only = sel.read_only;
  options.mailbox_id = mailbox_object_id(sel.box);
  std::vector<std::uint32_t> seqs = resolve(args.set, command.uid);
  if (args.changedsince) {
    std::erase_if(seqs, [&](std::uint32_t seq) { return sel.messages.modseq(seq - 1) <= *args.changedsince; });
  }
  if (args.vanished) {
    // RFC 7162 §3.2.6: UIDs in the set that were expunged after CHANGEDSINCE.
    store::AccountId account = account_->id;
    store::MailboxId mailbox = sel.box.id;
    std::uint64_t since = *args.changedsince;
    auto gone = co_await storage([&] { return store().expunged_since(account, mailbox, since); });
    if (gone) {
      std::vector<std::uint32_t> in_set;
      std::uint32_t max_uid = sel.messages.last_uid();
      for (store::Uid uid : *gone) {
        if (args.set.contains(uid, std::max(max_uid, uid))) {
          in_set.push_back(uid);
        }
      }
      if (!in_set.empty()) {
        send(pi::vanished_response(in_set, true));
      }
    }
  }
  store::AccountId account = account_->id;
  store::MailboxId mailbox = sel.box.id;
  bool any_error = false;
  bool unknown_cte = false;
  bool full_meta = fetch_needs_full_meta(items);
  bool needs_derived = fetch_needs_derived(items);
  for (std::size_t start = 0; start < seqs.size(); start += kFetchBatch) {
    std::size_t end = std::min(seqs.size(), start + kFetchBatch);
    // \Seen first, durably, so the FETCH response can show it (RFC 9051 §6.4.5).
    std::vector<store::Uid> to_mark;
    for (std::size_t i = start; i < end; ++i) {
      if (fetch_sets_seen(items, sel.messages.flags(seqs[i] - 1), sel.read_only)) {
        to_mark.push_back(sel.messages.uid(seqs[i] - 1));
      }
    }
    std::span<const std::uint32_t> batch_seqs(seqs.data() + start, end - start);
    struct Rendered {
      std::vector<std::string> lines;
      std::vector<store::MessageMeta> marked;
      bool error = false;
      bool unknown_cte = false;
    };
    Rendered rendered = co_await storage([&] {
      Rendered r;
      auto loaded = metas_for(store(), account, mailbox, sel.messages, batch_seqs, full_meta);
      if (!loaded) {
        r.error = true;
        return r;
      }
      std::vector<store::MessageMeta>& batch = *loaded;
      if (!to_mark.empty()) {
        auto updated = mail().update_flags(account, mailbox, to_mark, store::FlagOp::add, {"\\Seen"});
        if (updated) {
          r.marked = updated->changed;
          for (const auto& meta : updated->changed) {
            for (auto& m : batch) {
              if (m.uid == meta.uid) {
                m = meta;
              }
            }
          }
        }
      }
      // One query for the whole batch's ENVELOPE/BODYSTRUCTURE rather than one per message.
      std::vector<std::pair<store::Uid, store::MessageDerived>> derived;
      if (needs_derived) {
        std::vector<store::Uid> uids;
        for (const auto& meta : batch) {
          uids.push_back(meta.uid);
        }
        if (auto rows = store().derived_many(account, mailbox, uids)) {
          derived = std::move(*rows);
        }  // on failure each message reads its own (and reports its own error)
      }
      std::size_t next_derived = 0;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        MessageData data(store(), account, mailbox, batch[i]);
        while (next_derived < derived.size() && derived[next_derived].first < batch[i].uid) {
          ++next_derived;
        }
        if (next_derived < derived.size() && derived[next_derived].first == batch[i].uid) {
          data.preload_derived(std::move(derived[next_derived].second));
        }
        bool seen_needed = false;
        std::vector<pi::FetchItem> message_items = items;
        bool marked_now = std::any_of(r.marked.begin(), r.marked.end(),
                                      [&](const store::MessageMeta& m) { return m.uid == batch[i].uid; });
        if (marked_now && std::none_of(message_items.begin(), message_items.end(),
                                       [](const pi::FetchItem& item) { return item.attr == pi::FetchAttr::flags; })) {
          pi::FetchItem flags;
          flags.attr = pi::FetchAttr::flags;
          message_items.push_back(flags);
        }
        auto line = render_fetch(seqs[start + i], message_items, data, options, seen_needed);
        if (line) {
          r.lines.push_back(std::move(*line));
        } else {
          r.error = true;
          r.unknown_cte = r.unknown_cte || is_unknown_cte(line.error());
        }
      }
      return r;
    });
    for (const auto& meta : rendered.marked) {
      if (auto i = sel.messages.find(meta.uid)) {
        sel.messages.set(*i, meta.modseq, meta.flags);
      }
    }
    for (auto& line : rendered.lines) {
      send(std::move(line));
    }
    any_error = any_error || rendered.error;
    unknown_cte = unknown_cte || rendered.unknown_cte;
    if (!co_await flush()) {
      co_return false;
    }
  }
  if (unknown_cte) {
    no(command.tag, pi::Code::unknown_cte, "cannot decode a part's content transfer encoding");
  } else if (any_error) {
    // A message expunged by another session meanwhile: RFC 9051 §6.4.5 allows NO.
    no(command.tag, pi::Code::expungeissued, "some messages could not be fetched");
  } else {
    ok(command.tag, "FETCH completed");
  }
  co_return true;
}

io::Task<bool> Session::cmd_store(const pi::Command& command) {
  const auto& args = command.as<pi::StoreArgs>();
  SelectedMailbox& sel = *selected_;
  if (!command.uid && !args.set.is_saved() && args.set.any_above(static_cast<std::uint32_t>(sel.messages.size()))) {
    bad(command.tag, "message sequence number out of range");
    co_return true;
  }
  if (sel.read_only) {
    no(command.tag, pi::Code::cannot, "mailbox is read-only (EXAMINE)");
    co_return true;
  }
  if (args.unchangedsince) {
    condstore_ = true;
  }
  std::vector<std::string> flags;
  for (const auto& flag : args.flags) {
    if (!is_settable_flag(flag)) {
      bad(command.tag, "unknown system flag (reserved flag-extension)");
      co_return true;
    }
    if (flag != "\\Recent") {  // \Recent cannot be stored (RFC 3501 §2.3.2)
      flags.push_back(flag);
    }
  }
  std::vector<std::uint32_t> seqs = resolve(args.set, command.uid);
  std::vector<store::Uid> uids = uids_of(sel, seqs);
  store::FlagOp op = args.mode == pi::StoreMode::add      ? store::FlagOp::add
                     : args.mode == pi::StoreMode::remove ? store::FlagOp::remove
                                                          : store::FlagOp::replace;
  store::AccountId account = account_->id;
  store::MailboxId mailbox = sel.box.id;
  auto updated =
      co_await storage([&] { return mail().update_flags(account, mailbox, uids, op, flags, args.unchangedsince); });
  if (!updated) {
    no(command.tag, pi::Code::unavailable, "cannot change flags now");
    co_return true;
  }
  std::set<store::Uid> changed;
  for (const auto& meta : updated->changed) {
    changed.insert(meta.uid);
    auto found = sel.messages.find(meta.uid);
    if (!found) {
      continue;
    }
    sel.messages.set(*found, meta.modseq, meta.flags);
    std::uint32_t seq = static_cast<std::uint32_t>(*found) + 1;
    // .SILENT suppresses the echo, except that CONDSTORE clients still learn new modseqs
    // (RFC 7162 §3.1.3).
    if (!args.silent || condstore_) {
      pi::FetchResponse fetch(seq);
      if (command.uid) {
        fetch.uid(meta.uid);
      }
      if (!args.silent) {
        fetch.flags(meta.flags);
      }
      if (condstore_) {
        fetch.modseq(meta.modseq);
      }
      send(std::move(fetch).finish());
    }
  }
  // Messages the STORE named but left as they were still get their flags shown (RFC 9051
  // §6.4.6 answers with the flags of every message in the set) when not silent.
  if (!args.silent) {
    for (std::size_t k = 0; k < seqs.size(); ++k) {
      std::size_t i = seqs[k] - 1;
      store::Uid uid = sel.messages.uid(i);
      if (changed.count(uid) != 0 ||
          std::find(updated->modified.begin(), updated->modified.end(), uid) != updated->modified.end()) {
        continue;
      }
      pi::FetchResponse fetch(seqs[k]);
      if (command.uid) {
        fetch.uid(uid);
      }
      fetch.flags(sel.messages.flags(i));
      if (condstore_) {
        fetch.modseq(sel.messages.modseq(i));
      }
      send(std::move(fetch).finish());
    }
  }
  if (!updated->modified.empty()) {
    std::vector<std::uint32_t> numbers;
    for (store::Uid uid : updated->modified) {
      if (command.uid) {
        numbers.push_back(uid);
      } else {
        if (auto found = sel.messages.find(uid)) {
          numbers.push_back(static_cast<std::uint32_t>(*found) + 1);
        }
      }
    }
    ok(command.tag, pi::codes::modified(numbers), "conditional STORE failed for some messages");
  } else {
    ok(command.tag, "STORE completed");
  }
  co_return true;
}

io::Task<bool> Session::cmd_search(const pi::Command& command) {
  const auto& args = command.as<pi::SearchArgs>();
  if (args.charset && !supported_charset(*args.charset)) {
    std::vector<std::string> charsets{"UTF-8", "US-ASCII"};
    send(pi::tagged(command.tag, pi::Condition::no, pi::codes::badcharset(charsets), "unsupported charset"));
    co_return true;
  }
  SelectedMailbox& sel = *selected_;
  bool modseq_key = pi::uses_modseq(args.key);
  if (modseq_key) {
    condstore_ = true;
  }
  store::AccountId account = account_->id;
  store::MailboxId mailbox = sel.box.id;
  std::vector<store::Uid> saved = sel.saved_search;
  std::sort(saved.begin(), saved.end());
  bool full = needs_full_meta(args.key);
  auto matched = co_await storage([&]() -> Result<std::vector<std::uint32_t>> {
    auto metas = all_metas(store(), account, mailbox, sel.messages, full);
    if (!metas) {
      return metas.error();
    }
    SearchEvaluator evaluator(store(), account, mailbox, *metas, saved);
    return evaluator.evaluate(args.key);
  });
  if (!matched) {
    if (matched.error().kind == ErrorKind::bad_syntax) {
      bad(command.tag, "invalid search criteria");
    } else {
      no(command.tag, pi::Code::unavailable, "search failed, try again");
    }
    co_return true;
  }
  std::vector<std::uint32_t> seqs = std::move(*matched);
  std::vector<std::uint32_t> numbers = command.uid ? uids_of(sel, seqs) : seqs;
  std::optional<std::uint64_t> highest;
  if (modseq_key && !seqs.empty()) {
    std::uint64_t m = 0;
    for (std::uint32_t seq : seqs) {
      m = std::max(m, sel.messages.modseq(seq - 1));
    }
    highest = m;
  }
  if (args.ret.save) {
    sel.saved_search = uids_of(sel, seqs);
    std::sort(sel.saved_search.begin(), sel.saved_search.end());
  }
  bool esearch = args.ret.present || rev2_;
  if (esearch) {
    bool only_save = args.ret.save && !args.ret.min && !args.ret.max && !args.ret.count && !args.ret.all;
    if (!only_save) {
      pi::EsearchResult result;
      result.tag = command.tag;
      result.uid = command.uid;
      bool want_all = args.ret.all || !args.ret.present;
      if (!numbers.empty()) {
        if (args.ret.min) {
          result.min = *std::min_element(numbers.begin(), numbers.end());
        }
        if (args.ret.max) {
          result.max = *std::max_element(numbers.begin(), numbers.end());
        }
        if (want_all) {
          std::vector<pi::Interval> intervals;
          std::vector<std::uint32_t> sorted = numbers;
          std::sort(sorted.begin(), sorted.end());
          for (std::uint32_t n : sorted) {
            if (!intervals.empty() && intervals.back().high + 1 == n) {
              intervals.back().high = n;
            } else {
              intervals.push_back({n, n});
            }
          }
          result.all = std::move(intervals);
        }
      }
      if (args.ret.count) {
        result.count = static_cast<std::uint32_t>(numbers.size());
      }
      result.modseq = highest;
      send(pi::esearch_response(result));
    }
  } else {
    send(pi::search_response(numbers, highest));
  }
  ok(command.tag, "SEARCH completed");
  co_return true;
}

io::Task<bool> Session::cmd_sort_thread(const pi::Command& command) {
  bool sort = command.kind == pi::CommandKind::sort;
  const pi::SearchKey& key = sort ? command.as<pi::SortArgs>().key : command.as<pi::ThreadArgs>().key;
  const std::string& charset = sort ? command.as<pi::SortArgs>().charset : command.as<pi::ThreadArgs>().charset;
  if (!supported_charset(charset)) {
    std::vector<std::string> charsets{"UTF-8", "US-ASCII"};
    send(pi::tagged(command.tag, pi::Condition::no, pi::codes::badcharset(charsets), "unsupported charset"));
    co_return true;
  }
  SelectedMailbox& sel = *selected_;
  store::AccountId account = account_->id;
  store::MailboxId mailbox = sel.box.id;
  std::vector<store::Uid> saved = sel.saved_search;
  std::sort(saved.begin(), saved.end());
  struct Outcome {
    Status status = ok_status();
    std::vector<std::uint32_t> sorted;
    std::vector<pi::ThreadNode> threads;
  };
  Outcome outcome = co_await storage([&] {
    Outcome o;
    // Sorting and threading read dates and sizes: the full metadata, always.
    auto metas = all_metas(store(), account, mailbox, sel.messages, true);
    if (!metas) {
      o.status = metas.error();
      return o;
    }
    SearchEvaluator evaluator(store(), account, mailbox, *metas, saved);
    auto matched = evaluator.evaluate(key);
    if (!matched) {
      o.status = matched.error();
      return o;
    }
    MessageDataFactory factory = [&](const store::MessageMeta& meta) {
      return MessageData(store(), account, mailbox, meta);
    };
    if (sort) {
      auto sorted = sort_messages(*metas, *matched, command.as<pi::SortArgs>().criteria, factory, command.uid);
      if (!sorted) {
        o.status = sorted.error();
      } else {
        o.sorted = std::move(*sorted);
      }
    } else {
      auto threads = thread_messages(*metas, *matched, command.as<pi::ThreadArgs>().algorithm, factory, command.uid);
      if (!threads) {
        o.status = threads.error();
      } else {
        o.threads = std::move(*threads);
      }
    }
    return o;
  });
  if (!outcome.status) {
    no(command.tag, pi::Code::unavailable, "search failed, try again");
    co_return true;
  }
  // sort_messages/thread_messages already answer in the command's number space.
  if (sort) {
    send(pi::sort_response(outcome.sorted));
  } else {
    send(pi::thread_response(outcome.threads));
    pi::release_threads(outcome.threads);
  }
  ok(command.tag, sort ? "SORT completed" : "THREAD completed");
  co_return true;
}

io::Task<bool> Session::cmd_copy_move(const pi::Command& command, bool move) {
  const auto& args = command.as<pi::CopyArgs>();
  SelectedMailbox& sel = *selected_;
  if (!command.uid && !args.set.is_saved() && args.set.any_above(static_cast<std::uint32_t>(sel.messages.size()))) {
    bad(command.tag, "message sequence number out of range");
    co_return true;
  }
  if (move && sel.read_only) {
    no(command.tag, pi::Code::cannot, "mailbox is read-only (EXAMINE)");
    co_return true;
  }
  std::vector<store::Uid> uids = uids_of(sel, resolve(args.set, command.uid));
  store::AccountId account = account_->id;
  store::MailboxId from = sel.box.id;
  struct Outcome {
    Result<store::CopyResult> result = make_error(ErrorKind::temporary, "");
    store::MailboxId to = 0;
  };
  Outcome outcome = co_await storage([&] {
    Outcome o;
    auto target = store().find_mailbox(account, args.mailbox);
    if (!target) {
      o.result = target.error();
      return o;
    }
    o.to = target->id;
    o.result = move ? mail().move(account, from, uids, target->id) : mail().copy(account, from, uids, target->id);
    return o;
  });
  if (!outcome.result) {
    const Error& e = outcome.result.error();
    if (e.kind == ErrorKind::not_found) {
      no(command.tag, pi::Code::trycreate, "no such target mailbox");
    } else if (e.kind == ErrorKind::over_quota) {
      no(command.tag, pi::Code::overquota, "quota exceeded");
    } else {
      no(command.tag, pi::Code::unavailable, move ? "cannot move now" : "cannot copy now");
    }
    co_return true;
  }
  std::vector<std::uint32_t> source;
  std::vector<std::uint32_t> destination;
  for (const auto& pair : outcome.result->uids) {
    source.push_back(pair.source);
    destination.push_back(pair.destination);
  }
  pi::ResponseCode copyuid = pi::codes::copyuid(outcome.result->uidvalidity, source, destination);
  if (move) {
    // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunge responses.
    if (!source.empty()) {
      send(pi::untagged(pi::Condition::ok, copyuid, "moved"));
    }
    report_expunged(std::vector<store::Uid>(source.begin(), source.end()));
    if (outcome.to == from) {
      co_await sync_selected(false);
    }
    ok(command.tag, "MOVE completed");
  } else {
    if (outcome.to == from) {
      co_await sync_selected(false);
    }
    if (source.empty()) {
      ok(command.tag, "COPY completed (nothing to copy)");
    } else {
      ok(command.tag, copyuid, "COPY completed");
    }
  }
  co_return true;
}

io::Task<bool> Session::cmd_expunge(const pi::Command& command) {
  const auto& args = command.as<pi::ExpungeArgs>();
  SelectedMailbox& sel = *selected_;
  if (sel.read_only) {
    no(command.tag, pi::Code::cannot, "mailbox is read-only (EXAMINE)");
    co_return true;
  }
  std::vector<store::Uid> doomed;
  std::vector<pi::Interval> limit;
  if (args.uids) {
    limit = args.uids->intervals(sel.messages.empty() ? 1 : sel.messages.last_uid());
  }
  for (std::size_t i = 0; i < sel.messages.size(); ++i) {
    store::Uid uid = sel.messages.uid(i);
    if (sel.messages.has_flag(i, "\\Deleted") && (!args.uids || pi::interval_contains(limit, uid))) {
      doomed.push_back(uid);
    }
  }
  if (!doomed.empty()) {
    store::AccountId account = account_->id;
    store::MailboxId mailbox = sel.box.id;
    auto removed = co_await storage([&] { return mail().expunge(account, mailbox, doomed); });
    if (!removed) {
      no(command.tag, pi::Code::unavailable, "cannot expunge now");
      co_return true;
    }
    report_expunged(*removed);
  }
  co_await sync_selected(true);
  ok(command.tag, "EXPUNGE completed");
  co_return true;
}

}  // namespace postroom::server::imap
