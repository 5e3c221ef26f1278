// IMAP commands as typed values (RFC 9051, RFC 3501 and the extensions listed per field).
//
// Contract: a Command produced by CommandParser has passed the grammar of its verb and the
// per-argument checks (number ranges, date validity, mailbox-name encoding, option
// combinations), so the server layer decides only whether the verb is allowed in the
// current state and what it does.
// - Mailbox names are UTF-8: decoded from modified UTF-7 unless UTF-8 names are in force
//   (ENABLE UTF8=ACCEPT or IMAP4rev2, see CommandParser::set_utf8_names), validated either
//   way. "INBOX" in any case becomes "INBOX" (RFC 9051 §5.1). LIST patterns are decoded the
//   same way (wildcards are ASCII, so they survive).
// - Keywords and atoms that are case-insensitive by definition (capability names, SASL
//   mechanisms, COMPRESS algorithm, quota resource names, special-use attributes) are
//   upper-cased, except special-use attributes and system flags, which get their
//   canonical spelling ("\Seen", "\Sent"). Other flags keep the client's spelling.
// - Strings (passwords, search strings, ID values) are raw bytes, never NUL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "proto/imap/date_time.h"
#include "proto/imap/fetch.h"
#include "proto/imap/search.h"
#include "proto/imap/sequence_set.h"

namespace postroom::imap {

enum class CommandKind {
  capability,      // CAPABILITY
  noop,            // NOOP
  logout,          // LOGOUT
  starttls,        // STARTTLS
  authenticate,    // AUTHENTICATE mech [initial-response]   (RFC 4959 SASL-IR)
  login,           // LOGIN user password
  enable,          // ENABLE cap...                          (RFC 5161)
  select,          // SELECT mailbox [(CONDSTORE|QRESYNC ...)] (RFC 7162)
  examine,         // EXAMINE, same arguments as SELECT
  create,          // CREATE mailbox [(USE (...))]           (RFC 6154)
  delete_mailbox,  // DELETE mailbox
  rename,          // RENAME from to
  subscribe,       // SUBSCRIBE mailbox
  unsubscribe,     // UNSUBSCRIBE mailbox
  list,            // LIST (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154)
  lsub,            // LSUB reference pattern (IMAP4rev1)
  namespace_,      // NAMESPACE                              (RFC 2342)
  status,          // STATUS mailbox (items)
  append,          // APPEND mailbox message...              (RFC 3502 MULTIAPPEND)
  idle,            // IDLE                                   (RFC 2177)
  close,           // CLOSE
  unselect,        // UNSELECT                               (RFC 3691)
  expunge,         // EXPUNGE; UID EXPUNGE set when uid      (RFC 4315)
  search,          // [UID] SEARCH
  fetch,           // [UID] FETCH
  store,           // [UID] STORE
  copy,            // [UID] COPY
  move,            // [UID] MOVE                             (RFC 6851)
  sort,            // [UID] SORT                             (RFC 5256, RFC 5267 ESORT)
  thread,          // [UID] THREAD                           (RFC 5256)
  id,              // ID                                     (RFC 2971)
  getquota,        // GETQUOTA root                          (RFC 9208)
  getquotaroot,    // GETQUOTAROOT mailbox                   (RFC 9208)
  setquota,        // SETQUOTA root (resource limit ...)     (RFC 9208)
  compress,        // COMPRESS algorithm                     (RFC 4978)
  check,           // CHECK (IMAP4rev1)
};

// Upper-case wire name, e.g. "DELETE".
std::string_view command_name(CommandKind kind);
// Case-insensitive lookup of a command keyword (without "UID").
std::optional<CommandKind> command_from_keyword(std::string_view keyword);
// Whether "UID <keyword>" is a valid form (COPY FETCH MOVE SEARCH SORT STORE THREAD EXPUNGE).
bool allows_uid_prefix(CommandKind kind);

// CAPABILITY NOOP LOGOUT STARTTLS NAMESPACE IDLE CLOSE UNSELECT CHECK, plain EXPUNGE.
struct NoArgs {
  friend bool operator==(const NoArgs&, const NoArgs&) = default;
};

struct AuthenticateArgs {
  std::string mechanism;                        // upper-cased
  std::optional<std::string> initial_response;  // RFC 4959: raw base64, or "=" for empty
  friend bool operator==(const AuthenticateArgs&, const AuthenticateArgs&) = default;
};

struct LoginArgs {
  std::string user;
  std::string password;
  friend bool operator==(const LoginArgs&, const LoginArgs&) = default;
};

struct EnableArgs {
  std::vector<std::string> capabilities;  // upper-cased, e.g. "CONDSTORE", "UTF8=ACCEPT"
  friend bool operator==(const EnableArgs&, const EnableArgs&) = default;
};

// RFC 7162 §3.2.5: QRESYNC (uidvalidity modseq [known-uids [(known-seqs known-seq-uids)]]).
struct QresyncParams {
  std::uint32_t uidvalidity = 1;
  std::uint64_t modseq = 1;
  std::optional<SequenceSet> known_uids;
  std::optional<SequenceSet> known_sequence_set;  // seq-match-data, first half
  std::optional<SequenceSet> known_uid_set;       // seq-match-data, second half
  friend bool operator==(const QresyncParams&, const QresyncParams&) = default;
};

// SELECT and EXAMINE.
struct SelectArgs {
  std::string mailbox;
  bool condstore = false;                // (CONDSTORE)
  std::optional<QresyncParams> qresync;  // (QRESYNC (...))
  friend bool operator==(const SelectArgs&, const SelectArgs&) = default;
};

struct CreateArgs {
  std::string mailbox;
  std::vector<std::string> special_use;  // (USE (\Drafts \Sent)), canonical spelling
  friend bool operator==(const CreateArgs&, const CreateArgs&) = default;
};

// DELETE SUBSCRIBE UNSUBSCRIBE GETQUOTAROOT.
struct MailboxArgs {
  std::string mailbox;
  friend bool operator==(const MailboxArgs&, const MailboxArgs&) = default;
};

struct RenameArgs {
  std::string from;
  std::string to;
  friend bool operator==(const RenameArgs&, const RenameArgs&) = default;
};

enum class StatusItem {
  messages,
  uidnext,
  uidvalidity,
  unseen,
  deleted,
  size,
  recent,
  highestmodseq,
  appendlimit,
  mailboxid,
};
std::string_view status_item_name(StatusItem item);  // "MESSAGES", ...

// LIST and LSUB. For LSUB and basic LIST only reference and one pattern are set.
struct ListArgs {
  bool extended = false;  // selection options, several patterns or RETURN were used
  // Selection options (RFC 5258 §3.1, RFC 6154 §5).
  bool select_subscribed = false;
  bool select_remote = false;
  bool select_recursivematch = false;  // only valid with another selection option (checked)
  bool select_special_use = false;
  std::string reference;              // UTF-8, may be empty
  std::vector<std::string> patterns;  // >= 1, UTF-8, with % and * wildcards
  // Return options (RFC 5258 §3.2, RFC 5819, RFC 6154).
  bool return_children = false;
  bool return_subscribed = false;
  bool return_special_use = false;
  std::optional<std::vector<StatusItem>> return_status;  // RETURN (STATUS (...))
  friend bool operator==(const ListArgs&, const ListArgs&) = default;
};

struct StatusArgs {
  std::string mailbox;
  std::vector<StatusItem> items;  // >= 1, as sent
  friend bool operator==(const StatusArgs&, const StatusArgs&) = default;
};

struct AppendMessage {
  std::vector<std::string> flags;         // (flag-list), system flags canonical
  std::optional<DateTime> internal_date;  // date-time
  std::string data;                       // the message bytes
  bool literal8 = false;                  // sent as ~{n} (RFC 3516 §4.4)
  bool utf8 = false;                      // sent as UTF8 (~{n}) (RFC 6855 §4)
  friend bool operator==(const AppendMessage&, const AppendMessage&) = default;
};

struct AppendArgs {
  std::string mailbox;
  std::vector<AppendMessage> messages;  // >= 1 (RFC 3502 MULTIAPPEND when > 1)
  friend bool operator==(const AppendArgs&, const AppendArgs&) = default;
};

// EXPUNGE (uids empty) and UID EXPUNGE set (RFC 4315 §2.1).
struct ExpungeArgs {
  std::optional<SequenceSet> uids;
  friend bool operator==(const ExpungeArgs&, const ExpungeArgs&) = default;
};

// RETURN (...) of SEARCH (RFC 4731 ESEARCH, RFC 5182 SAVE) and SORT (RFC 5267 ESORT).
struct SearchReturn {
  bool present = false;  // RETURN was given: answer with ESEARCH, not SEARCH/SORT
  bool min = false;
  bool max = false;
  bool all = false;  // RETURN () means ALL (RFC 4731 §3.1): the parser sets all
  bool count = false;
  bool save = false;  // RFC 5182
  friend bool operator==(const SearchReturn&, const SearchReturn&) = default;
};

struct SearchArgs {
  SearchReturn ret;
  std::optional<std::string> charset;  // as sent, upper-cased
  SearchKey key;                       // kind and_ at the top level
  friend bool operator==(const SearchArgs&, const SearchArgs&) = default;
};

enum class StoreMode { replace, add, remove };  // FLAGS, +FLAGS, -FLAGS

struct StoreArgs {
  SequenceSet set;
  std::optional<std::uint64_t> unchangedsince;  // (UNCHANGEDSINCE n), RFC 7162 §3.1.3
  StoreMode mode = StoreMode::replace;
  bool silent = false;             // .SILENT
  std::vector<std::string> flags;  // system flags canonical; may be empty
  friend bool operator==(const StoreArgs&, const StoreArgs&) = default;
};

// COPY and MOVE.
struct CopyArgs {
  SequenceSet set;
  std::string mailbox;
  friend bool operator==(const CopyArgs&, const CopyArgs&) = default;
};

enum class SortKey { arrival, cc, date, from, size, subject, to, displayfrom, displayto };

struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
  friend bool operator==(const SortCriterion&, const SortCriterion&) = default;
};

struct SortArgs {
  SearchReturn ret;                     // ESORT (RFC 5267)
  std::vector<SortCriterion> criteria;  // >= 1
  std::string charset;                  // mandatory in SORT, upper-cased
  SearchKey key;
  friend bool operator==(const SortArgs&, const SortArgs&) = default;
};

enum class ThreadAlgorithm { orderedsubject, references, refs };

struct ThreadArgs {
  ThreadAlgorithm algorithm = ThreadAlgorithm::references;
  std::string charset;  // upper-cased
  SearchKey key;
  friend bool operator==(const ThreadArgs&, const ThreadArgs&) = default;
};

// ID (RFC 2971): nullopt for NIL, else field/value pairs (value nullopt for NIL).
struct IdArgs {
  std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> params;
  friend bool operator==(const IdArgs&, const IdArgs&) = default;
};

// GETQUOTA root.
struct QuotaRootArgs {
  std::string root;
  friend bool operator==(const QuotaRootArgs&, const QuotaRootArgs&) = default;
};

struct SetQuotaArgs {
  std::string root;
  std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource (upper-cased), limit
  friend bool operator==(const SetQuotaArgs&, const SetQuotaArgs&) = default;
};

struct CompressArgs {
  std::string algorithm;  // upper-cased, e.g. "DEFLATE"
  friend bool operator==(const CompressArgs&, const CompressArgs&) = default;
};

using CommandArgs =
    std::variant<NoArgs, AuthenticateArgs, LoginArgs, EnableArgs, SelectArgs, CreateArgs, MailboxArgs, RenameArgs,
                 ListArgs, StatusArgs, AppendArgs, ExpungeArgs, SearchArgs, FetchArgs, StoreArgs, CopyArgs, SortArgs,
                 ThreadArgs, IdArgs, QuotaRootArgs, SetQuotaArgs, CompressArgs>;

// Which CommandArgs alternative each kind carries:
//   NoArgs: capability noop logout starttls namespace_ idle close unselect check
//   AuthenticateArgs: authenticate      LoginArgs: login          EnableArgs: enable
//   SelectArgs: select examine          CreateArgs: create
//   MailboxArgs: delete_mailbox subscribe unsubscribe getquotaroot
//   RenameArgs: rename                  ListArgs: list lsub       StatusArgs: status
//   AppendArgs: append                  ExpungeArgs: expunge      SearchArgs: search
//   FetchArgs: fetch                    StoreArgs: store          CopyArgs: copy move
//   SortArgs: sort                      ThreadArgs: thread        IdArgs: id
//   QuotaRootArgs: getquota             SetQuotaArgs: setquota    CompressArgs: compress
struct Command {
  std::string tag;
  CommandKind kind = CommandKind::noop;
  bool uid = false;  // "UID" prefix
  CommandArgs args;

  template <typename T>
  const T& as() const {
    return std::get<T>(args);
  }
  template <typename T>
  T& as() {
    return std::get<T>(args);
  }
};

// Canonical spelling of a flag: "\seen" → "\Seen" for the RFC 9051 system flags (and
// \Recent); other flags unchanged.
std::string canonical_flag(std::string_view flag);

}  // namespace postroom::imap
