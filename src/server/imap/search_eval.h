// SEARCH evaluation (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 MODSEQ, RFC 5182 "$",
// RFC 5032 OLDER/YOUNGER, RFC 8514 SAVED*, RFC 8474 EMAILID/THREADID) over a mailbox
// snapshot. Runs on the storage pool; blocking store calls are expected. No Asio.
//
// Contract:
// - evaluate() returns the matching message sequence numbers (1-based positions in the
//   snapshot), ascending. The session maps them to UIDs for UID SEARCH.
// - Cheap keys first: inside every AND, metadata keys (flags, sets, dates, sizes, modseq,
//   ids) run before keys that need the ENVELOPE (SENT*), which run before full-text keys.
//   Each key only looks at the messages still candidates, and a full-text key is asked of
//   the store at most once per evaluator (its UID list is cached), so "UNSEEN BODY x" costs
//   one index query and no blob reads.
// - Full-text keys (BCC BODY CC FROM HEADER SUBJECT TEXT TO) use Store::search_text (the
//   FTS index: decoded headers and text parts, case-insensitive substring with simple Unicode
//   folding). With set_use_fts(false) they scan instead: each candidate's bytes are read and
//   store::extract_search_document / fold_case give the same semantics without the index.
// - Search strings must already be UTF-8 (supported_charset() tells which CHARSET values
//   the session may accept; otherwise NO [BADCHARSET (UTF-8 US-ASCII)]).
// - Dates: the server's time zone is UTC. BEFORE/ON/SINCE use INTERNALDATE's UTC date;
//   SENT* use the Date: header's own calendar date (its zone disregarded, RFC 9051), falling
//   back to INTERNALDATE when the header is missing or unparsable; SAVED* use the save date
//   (SAVEDATESUPPORTED matches every message: every message has one).
// - No \Recent (see fetch_render.h): RECENT and NEW match nothing, OLD matches everything.
// - MODSEQ compares the message's modseq; the optional entry name / type are accepted and
//   ignored (per-flag modseqs are not kept, RFC 7162 §3.1.5 allows this).
// - THREADID matches nothing while the store computes no thread ids (NIL in FETCH).
// - "$" (sequence set or UID set) is the saved result given at construction (UIDs).
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/search.h"
#include "server/imap/message_data.h"
#include "store/store.h"

namespace postroom::server::imap {

namespace pi = postroom::imap;

// CHARSET values SEARCH/SORT/THREAD accept: UTF-8 and US-ASCII (case-insensitive).
bool supported_charset(std::string_view charset);

class SearchEvaluator {
 public:
  // `messages` is the snapshot in sequence order; it must outlive the evaluator.
  // `saved_result` holds the UIDs of "$". `now` is Unix seconds (OLDER/YOUNGER).
  SearchEvaluator(store::Store& store, store::AccountId account, store::MailboxId mailbox,
                  std::span<const store::MessageMeta> messages, std::vector<store::Uid> saved_result,
                  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr)));

  // Replaces how MessageData objects are made (tests count reads with it).
  void set_message_data_factory(MessageDataFactory factory) { factory_ = std::move(factory); }
  // false: scan decoded text instead of asking the FTS index.
  void set_use_fts(bool use) { use_fts_ = use; }

  // Matching sequence numbers, ascending. Errors: store errors (temporary), bad_syntax for a
  // HEADER key without a field name.
  Result<std::vector<std::uint32_t>> evaluate(const pi::SearchKey& key);

  // How many full-text queries went to the store, and how many messages were loaded (tests).
  int fts_queries() const { return fts_queries_; }
  int messages_loaded() const { return static_cast<int>(loaded_.size()); }
  int blob_reads() const;

 private:
  using Mask = std::vector<char>;
  Result<Mask> eval(const pi::SearchKey& key, const Mask& candidates, std::size_t depth);
  Result<Mask> eval_text(const pi::SearchKey& key, const Mask& candidates);
  bool matches_meta(const pi::SearchKey& key, std::size_t index);
  MessageData& data(std::size_t index);

  store::Store& store_;
  store::AccountId account_;
  store::MailboxId mailbox_;
  std::span<const store::MessageMeta> messages_;
  std::vector<store::Uid> saved_;  // sorted
  std::int64_t now_;
  MessageDataFactory factory_;
  bool use_fts_ = true;
  int fts_queries_ = 0;
  std::map<const pi::SearchKey*, std::vector<store::Uid>> fts_cache_;
  std::map<std::size_t, MessageData> loaded_;
};

// Cost class of a key (0 metadata, 1 envelope, 2 full text); groups take their children's max.
int search_key_cost(const pi::SearchKey& key);

}  // namespace postroom::server::imap
