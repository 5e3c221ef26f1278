// The searchable text of a message (IMAP SEARCH BODY/TEXT/HEADER/FROM/..., RFC 9051 §6.4.4),
// extracted once per body for the backend's full-text index (after delivery, by the index's
// background worker), and by SEARCH itself for bodies the index has not reached yet.
//
// Contract: pure functions, never fail, output is valid UTF-8.
// - Header values are unfolded and RFC 2047-decoded; `headers` holds every top-level field
//   as "name: value\n" (name as written), so HEADER <name> and TEXT can look inside it.
// - `body` holds the decoded text of every text/* part (base64 / quoted-printable undone,
//   charset converted to UTF-8, unknown charsets sanitised), including parts of attached
//   messages, whose header fields are added too. text/html keeps its markup. Non-text parts
//   (images, application/*) contribute nothing.
// - Both are capped (kMaxSearchHeaderBytes, kMaxSearchBodyBytes): the index costs several
//   times the text it holds (trigrams), so a huge text part must not multiply disk use.
//   Matches beyond the cap are not found; README.md says so.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace postroom::store {

inline constexpr std::size_t kMaxSearchHeaderBytes = 64 * 1024;
inline constexpr std::size_t kMaxSearchBodyBytes = 1024 * 1024;

struct SearchDocument {
  std::string from;  // decoded From values (all From fields, "\n"-joined)
  std::string to;
  std::string cc;
  std::string bcc;
  std::string subject;
  std::string headers;  // every top-level field, "name: decoded value\n"
  std::string body;
};

SearchDocument extract_search_document(std::string_view message);

// Simple Unicode case folding of UTF-8 text for substring matching: ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic upper case map to lower case; everything else
// (including invalid bytes) is copied unchanged.
std::string fold_case(std::string_view utf8);

// Number of code points (for FTS5 trigram's three-character minimum).
std::size_t utf8_length(std::string_view utf8);

// The values of every line "name: value" of `headers` (as SearchDocument builds it) whose
// name equals `name` ASCII-case-insensitively, "\n"-joined; nullopt-like empty + found flag.
struct HeaderLookup {
  bool found = false;
  std::string values;
};
HeaderLookup header_values(std::string_view headers, std::string_view name);

}  // namespace postroom::store
