// IMAP server responses (RFC 9051 §7, RFC 3501 §7 and the extensions named per function).
//
// Contract:
// - Every builder returns complete response lines ending in CRLF (a literal inside a
//   response is "{n}\r\n<bytes>" and the line continues after it).
// - Free text (resp-text) is made single-line safe: CR, LF, NUL and other controls become a
//   space, and a leading "[" is escaped by a space so text cannot fake a response code.
// - Client-controlled values (mailbox names, header names, ID values, flags) are written
//   through the string helpers, which pick atom / quoted / literal so the output always
//   parses: a value can never end a line or inject a response.
// - Mailbox names are given in UTF-8 and written as modified UTF-7 unless utf8 is true
//   (UTF8=ACCEPT / IMAP4rev2 in force); "INBOX" is written as is.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/imap/command.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/date_time.h"
#include "proto/imap/sequence_set.h"

namespace postroom::imap {

enum class Condition { ok, no, bad, bye, preauth };

enum class Code {
  alert,
  badcharset,
  capability,
  parse,
  permanentflags,
  read_only,
  read_write,
  trycreate,
  uidnext,
  uidvalidity,
  unseen,
  appenduid,
  copyuid,
  uidnotsticky,
  highestmodseq,
  nomodseq,
  modified,
  closed,
  toobig,
  overquota,
  alreadyexists,
  nonexistent,
  cannot,
  limit,
  inuse,
  noperm,
  serverbug,
  unavailable,
  authenticationfailed,
  authorizationfailed,
  expired,
  privacyrequired,
  contactadmin,
  expungeissued,
  corruption,
  mailboxid,
  notsaved,
  haschildren,
  unknown_cte,
  clientbug,
  useattr,
};

// "ALERT", "READ-ONLY", "UNKNOWN-CTE", ...
std::string_view code_name(Code code);

// A response code with its data, already formatted: "[<name> <data>]" or "[<name>]".
struct ResponseCode {
  Code code = Code::alert;
  std::string data;  // preformatted, e.g. "3857529045 1:3" for APPENDUID; empty for none
};

// Builders for codes that carry data; plain ones are ResponseCode{Code::x}.
namespace codes {
ResponseCode uidnext(std::uint32_t uid);
ResponseCode uidvalidity(std::uint32_t uidvalidity);
ResponseCode unseen(std::uint32_t seq);
ResponseCode highestmodseq(std::uint64_t modseq);
ResponseCode permanentflags(std::span<const std::string> flags);  // include "\\*" yourself
ResponseCode capability(std::span<const std::string> capabilities);
ResponseCode badcharset(std::span<const std::string> charsets);  // "[BADCHARSET (UTF-8)]"
ResponseCode appenduid(std::uint32_t uidvalidity, std::span<const std::uint32_t> uids);
ResponseCode copyuid(std::uint32_t uidvalidity, std::span<const std::uint32_t> source_uids,
                     std::span<const std::uint32_t> dest_uids);  // pairs, in order (not compacted)
ResponseCode modified(std::span<const std::uint32_t> numbers);   // RFC 7162 [MODIFIED 7,9]
ResponseCode mailboxid(std::string_view objectid);               // RFC 8474 [MAILBOXID (id)]
}  // namespace codes

// "tag OK text\r\n", "tag NO [CODE data] text\r\n". tag must be a tag the parser returned
// (Command::tag / ParseError::tag): it is written as is.
std::string tagged(std::string_view tag, Condition condition, std::string_view text);
std::string tagged(std::string_view tag, Condition condition, const ResponseCode& code, std::string_view text);
// "* OK text\r\n", "* BYE [CODE] text\r\n", "* PREAUTH ...".
std::string untagged(Condition condition, std::string_view text);
std::string untagged(Condition condition, const ResponseCode& code, std::string_view text);
// "+ text\r\n" ("+ \r\n" for empty text: RFC 9051 continue-req needs the space).
std::string continuation(std::string_view text);

// The reply for a parse error: "tag BAD [TOOBIG] text", "tag NO [CANNOT] text",
// "* BAD text" (no tag), or "* BYE [TOOBIG] text" when close_connection.
std::string response_for(const ParseError& error);

// Untagged data.
std::string exists_response(std::uint32_t count);  // "* 23 EXISTS"
std::string recent_response(std::uint32_t count);  // "* 0 RECENT" (IMAP4rev1)
std::string expunge_response(std::uint32_t seq);   // "* 5 EXPUNGE"
// "* VANISHED (EARLIER) 1:3,7" (RFC 7162 §3.2.10); uids are compacted. Empty → "".
std::string vanished_response(std::span<const std::uint32_t> uids, bool earlier);
std::string vanished_response(std::span<const Interval> uids, bool earlier);
std::string flags_response(std::span<const std::string> flags);  // "* FLAGS (...)"
std::string capability_response(std::span<const std::string> capabilities);
std::string enabled_response(std::span<const std::string> capabilities);  // RFC 5161

struct ListEntry {
  std::vector<std::string> attributes;  // "\\HasNoChildren", "\\Subscribed", "\\Sent", ...
  std::optional<char> delimiter;        // nullopt → NIL
  std::string mailbox;                  // UTF-8
  std::vector<std::string> childinfo;   // CHILDINFO ("SUBSCRIBED") (RFC 5258 §4)
  std::optional<std::string> oldname;   // OLDNAME (name) (RFC 9051 §6.3.9.7), UTF-8
};
// "* LIST (\\HasNoChildren) \"/\" INBOX" (+ extended data); lsub → "* LSUB ...".
std::string list_response(const ListEntry& entry, bool utf8, bool lsub = false);

// "* STATUS mailbox (MESSAGES 3 UIDNEXT 9)".
std::string status_response(std::string_view mailbox, std::span<const std::pair<StatusItem, std::uint64_t>> items,
                            bool utf8);
// Same, with RFC 8474 "MAILBOXID (objectid)" appended (items with StatusItem::mailboxid are
// skipped: an objectid is a string, the numeric form above writes "(n)").
std::string status_response(std::string_view mailbox, std::span<const std::pair<StatusItem, std::uint64_t>> items,
                            bool utf8, std::string_view mailboxid);

struct EsearchResult {
  std::string tag;  // the command's tag ("" → no correlator)
  bool uid = false;
  std::optional<std::uint32_t> min;
  std::optional<std::uint32_t> max;
  std::optional<std::uint32_t> count;
  std::optional<std::vector<Interval>> all;  // empty vector → ALL omitted (RFC 4731 §3.1)
  std::optional<std::uint64_t> modseq;       // RFC 7162 §3.1.5
};
// "* ESEARCH (TAG \"a1\") UID MIN 1 MAX 9 COUNT 3 ALL 1,5,9 MODSEQ 7".
std::string esearch_response(const EsearchResult& result);
// "* SEARCH 2 3 5 (MODSEQ 917162500)" (RFC 7162 §3.1.5); "* SEARCH" when empty.
std::string search_response(std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq = {});
// "* SORT 5 3 4" (RFC 5256), order kept.
std::string sort_response(std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq = {});

// A THREAD tree: each root is a thread; a node with number 0 is a dummy parent (RFC 5256 §4).
struct ThreadNode {
  std::uint32_t number = 0;
  std::vector<ThreadNode> children;
};
// Empties a THREAD forest without recursion. A reply chain is as deep as the mailbox is long,
// and the default (recursive) destruction of a 100k-deep tree would overflow the stack, so
// owners of a forest call this before it goes out of scope. Never copy deep forests either.
void release_threads(std::vector<ThreadNode>& roots);
// "* THREAD (2)(3 6 (4 23)(44 7 96))". Nesting is written iteratively (no recursion limit).
std::string thread_response(std::span<const ThreadNode> roots);

// "* ID NIL" or "* ID (\"name\" \"Postroom\" ...)" (RFC 2971).
std::string id_response(const std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>>& params);

struct NamespaceEntry {
  std::string prefix;             // UTF-8, e.g. "" or "Other Users/"
  std::optional<char> delimiter;  // nullopt → NIL
};
// "* NAMESPACE ((\"\" \"/\")) NIL NIL"; an empty list is NIL (RFC 2342 §5).
std::string namespace_response(std::span<const NamespaceEntry> personal, std::span<const NamespaceEntry> other,
                               std::span<const NamespaceEntry> shared, bool utf8);

struct QuotaResource {
  std::string name;  // "STORAGE" (KiB), "MESSAGE", ...
  std::uint64_t usage = 0;
  std::uint64_t limit = 0;
};
// "* QUOTA \"\" (STORAGE 10 512)" and "* QUOTAROOT INBOX \"\"" (RFC 9208).
std::string quota_response(std::string_view root, std::span<const QuotaResource> resources);
std::string quotaroot_response(std::string_view mailbox, std::span<const std::string> roots, bool utf8);

// One "* n FETCH (...)" response built attribute by attribute.
//   FetchResponse f(12); f.uid(50); f.flags(flags); f.body("BODY[]", bytes); send(f.finish());
class FetchResponse {
 public:
  explicit FetchResponse(std::uint32_t seq);

  void uid(std::uint32_t uid);
  void flags(std::span<const std::string> flags);
  void internaldate(const DateTime& dt);
  void rfc822_size(std::uint64_t size);
  void modseq(std::uint64_t modseq);                        // "MODSEQ (n)"
  void emailid(std::string_view objectid);                  // "EMAILID (id)"
  void threadid(std::optional<std::string_view> objectid);  // "THREADID (id)" or NIL
  void savedate(const std::optional<DateTime>& dt);         // "SAVEDATE \"...\"" or NIL
  // name + nstring value: quoted when short and safe, literal otherwise, NIL for nullopt.
  void string(std::string_view name, std::optional<std::string_view> value);
  // name + literal always ({n} or ~{n} when binary), e.g. body("BODY[]<0>", bytes, false).
  // Without binary, NUL octets are sent as 0x80 (see append_literal).
  void body(std::string_view name, std::string_view bytes, bool binary = false);
  // name + a number.
  void number(std::string_view name, std::uint64_t value);
  // name + a preformatted value (ENVELOPE / BODYSTRUCTURE computed at delivery). The caller
  // guarantees it is valid IMAP syntax.
  void raw(std::string_view name, std::string_view value);

  std::string finish() &&;  // "* 12 FETCH (UID 50 FLAGS (\\Seen))\r\n"

 private:
  void begin_item(std::string_view name);
  std::string out_;
  bool first_ = true;
};

// Value writers (append to out).
// astring: atom when possible, else string.
void append_astring(std::string& out, std::string_view value);
// string: quoted when every byte is allowed in a quoted string (no CR/LF/NUL, ASCII — or
// UTF-8 when allow_utf8 — and at most 1024 octets), a literal otherwise.
void append_string(std::string& out, std::string_view value, bool allow_utf8 = false);
// nstring: NIL for nullopt.
void append_nstring(std::string& out, std::optional<std::string_view> value, bool allow_utf8 = false);
// Literal "{n}\r\n<bytes>", or literal8 "~{n}\r\n<bytes>" (RFC 3516) when binary. A plain
// literal cannot carry NUL (CHAR8): NUL octets are sent as 0x80, the size unchanged.
void append_literal(std::string& out, std::string_view bytes, bool binary = false);
// Mailbox name from UTF-8: modified UTF-7 unless utf8, then astring rules.
void append_mailbox(std::string& out, std::string_view name, bool utf8);

}  // namespace postroom::imap
