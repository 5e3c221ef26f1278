// FETCH attributes (RFC 9051 §6.4.5, RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ and
// CHANGEDSINCE/VANISHED, RFC 8514 SAVEDATE, RFC 8474 EMAILID/THREADID).
//
// Contract:
// - Macros are expanded by the parser: ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE,
//   FAST = FLAGS INTERNALDATE RFC822.SIZE, FULL = ALL + BODY. FetchArgs::macro records
//   which one was used. Items keep the client's order; duplicates are kept.
// - UID is NOT added for UID FETCH here: the session adds it (RFC 9051 §6.4.9).
// - Section part numbers are >= 1; MIME is only allowed after a part number; BINARY
//   sections are part numbers only; a partial's length is >= 1 (nz-number).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/imap/sequence_set.h"

namespace postroom::imap {

enum class FetchAttr {
  envelope,
  flags,
  internaldate,
  rfc822,         // = BODY[] (sets \Seen)
  rfc822_header,  // = BODY.PEEK[HEADER]
  rfc822_size,
  rfc822_text,  // = BODY[TEXT] (sets \Seen)
  body,         // BODY without section: non-extensible BODYSTRUCTURE
  bodystructure,
  uid,
  body_section,  // BODY[section]<partial> and BODY.PEEK[...] (peek)
  binary,        // BINARY[part]<partial> and BINARY.PEEK[...] (RFC 3516)
  binary_size,   // BINARY.SIZE[part]
  modseq,        // RFC 7162
  savedate,      // RFC 8514
  emailid,       // RFC 8474
  threadid,      // RFC 8474
};

enum class SectionText {
  none,               // BODY[] or BODY[1.2]
  header,             // HEADER
  header_fields,      // HEADER.FIELDS (fields)
  header_fields_not,  // HEADER.FIELDS.NOT (fields)
  text,               // TEXT
  mime,               // MIME (only after a part number)
};

struct Section {
  std::vector<std::uint32_t> part;  // "1.2.3" → {1,2,3}; empty for the whole message
  SectionText text = SectionText::none;
  std::vector<std::string> fields;  // header field names as sent (compare case-insensitively)
  friend bool operator==(const Section&, const Section&) = default;
};

struct Partial {
  std::uint64_t offset = 0;
  std::uint64_t length = 1;  // >= 1
  friend bool operator==(const Partial&, const Partial&) = default;
};

struct FetchItem {
  FetchAttr attr = FetchAttr::flags;
  bool peek = false;               // BODY.PEEK / BINARY.PEEK
  Section section;                 // body_section, binary, binary_size
  std::optional<Partial> partial;  // body_section, binary
  friend bool operator==(const FetchItem&, const FetchItem&) = default;
};

enum class FetchMacro { none, all, fast, full };

struct FetchArgs {
  SequenceSet set;
  std::vector<FetchItem> items;
  FetchMacro macro = FetchMacro::none;
  std::optional<std::uint64_t> changedsince;  // (CHANGEDSINCE n), RFC 7162 §3.1.4
  bool vanished = false;                      // (VANISHED), UID FETCH only, with CHANGEDSINCE
  friend bool operator==(const FetchArgs&, const FetchArgs&) = default;
};

// "BODY[1.HEADER.FIELDS (From To)]"-style text inside the brackets: "1.HEADER.FIELDS (From To)".
std::string section_spec(const Section& section);

// The name that precedes the value in the FETCH response: "FLAGS", "RFC822.SIZE",
// "BODY[HEADER]", "BODY[]<0>" (a partial shows only its origin; PEEK is dropped),
// "BINARY[1]", "BINARY.SIZE[1]".
std::string fetch_response_name(const FetchItem& item);

// Whether fetching the item sets \Seen in a read-write mailbox (BODY[...], RFC822,
// RFC822.TEXT, BINARY[...] without PEEK).
bool sets_seen(const FetchItem& item);

// Wire name of a plain attribute ("ENVELOPE", "BODY.PEEK", ...), for logs and tests.
std::string to_string(const FetchItem& item);

}  // namespace postroom::imap
