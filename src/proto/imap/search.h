// SEARCH programs as a typed tree (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5
// MODSEQ, RFC 8514 SAVEDATE, RFC 8474 EMAILID/THREADID, RFC 5032 OLDER/YOUNGER, RFC 5182 $).
//
// Contract:
// - Search strings are kept as raw bytes in the command's CHARSET (SearchArgs::charset);
//   converting them and rejecting unknown charsets ([BADCHARSET]) is the session's job.
// - The top level of a program is an implicit AND: parse results are always a key of kind
//   and_ whose children are the keys as written. A parenthesised group is also and_.
// - Header field names (HEADER) and keywords keep the client's spelling; system flags are
//   separate kinds (answered, seen, ...). KEYWORD/UNKEYWORD text is a flag-keyword atom.
// - Limits: the total number of keys and the nesting depth are bounded (SearchLimits);
//   exceeding them is a parse error (BAD), never deep recursion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/date_time.h"
#include "proto/imap/sequence_set.h"

namespace postroom::imap {

enum class SearchKeyKind {
  and_,  // children: all must match ("(" ... ")" or the whole program)
  or_,   // OR a b (children: 2)
  not_,  // NOT a (children: 1)
  all,
  sequence_set,  // set (message sequence numbers, or "$")
  uid,           // UID set
  // Flags.
  answered,
  deleted,
  draft,
  flagged,
  recent,
  seen,
  new_,
  old,
  unanswered,
  undeleted,
  undraft,
  unflagged,
  unseen,
  keyword,    // text: the keyword
  unkeyword,  // text: the keyword
  // Strings (substring, case-insensitive; text holds the raw bytes).
  bcc,
  body,
  cc,
  from,
  subject,
  text,
  to,
  header,  // field: header field name, text: value ("" matches every message with the field)
  // Dates (date): internal date, Date: header, save date (RFC 8514).
  before,
  on,
  since,
  sentbefore,
  senton,
  sentsince,
  savedbefore,
  savedon,
  savedsince,
  savedatesupported,  // RFC 8514 §4.3
  larger,             // number: octets
  smaller,            // number: octets
  older,              // number: seconds (RFC 5032)
  younger,            // number: seconds (RFC 5032)
  modseq,             // number: mod-sequence (0 allowed); field/entry_type optional (RFC 7162 §3.1.5)
  emailid,            // text: objectid (RFC 8474 §5.1)
  threadid,           // text: objectid (RFC 8474 §5.2)
};

// RFC 7162 entry-type-req for MODSEQ with an entry name.
enum class ModseqEntryType { none, priv, shared, all };

struct SearchKey {
  SearchKeyKind kind = SearchKeyKind::all;
  std::string text;   // strings, keyword, header value, objectid
  std::string field;  // HEADER field name; MODSEQ entry name, e.g. "/flags/\\seen" ("" if none)
  Date date;          // date keys
  std::uint64_t number = 0;
  ModseqEntryType entry_type = ModseqEntryType::none;
  SequenceSet set;                  // sequence_set, uid
  std::vector<SearchKey> children;  // and_, or_, not_

  friend bool operator==(const SearchKey&, const SearchKey&) = default;
};

struct SearchLimits {
  // Keys in one program, groups included. Real clients send a handful; thousands of keys
  // would make every message evaluation slow (CPU exhaustion by one command).
  std::size_t max_keys = 1024;
  // Parenthesis / NOT / OR nesting. Bounds recursion in the parser and in every evaluator.
  std::size_t max_depth = 32;
  SequenceLimits sequence;
};

// Parses a search program (after any CHARSET), e.g. "UNSEEN FROM \"bob\" 1:5". The text may
// contain literals in wire form ("{3}\r\nabc"). For tests, fuzzing and tools; the command
// parser uses the same code. Errors are ErrorKind::bad_syntax or limit.
Result<SearchKey> parse_search_program(std::string_view text, const SearchLimits& limits);

// Canonical text of a key, e.g. "(OR (FROM \"a\") (NOT SEEN))" style used by tests and logs:
// and_ → "(k1 k2)", or_ → "OR k1 k2", strings quoted. Not meant to be sent on the wire.
std::string to_string(const SearchKey& key);

// Whether the key uses MODSEQ anywhere: RFC 7162 §3.1.5 — such a SEARCH enables CONDSTORE
// and its response carries "(MODSEQ n)".
bool uses_modseq(const SearchKey& key);
// Whether the key uses "$" anywhere (RFC 5182: the saved result must exist).
bool uses_saved_result(const SearchKey& key);

}  // namespace postroom::imap
