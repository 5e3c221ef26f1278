// Plain data types of the mail store. Every key starts with the account id (DESIGN.md §3),
// so data can be sharded by account later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace postroom::store {

using AccountId = std::int64_t;
using MailboxId = std::int64_t;
using Uid = std::uint32_t;
using ModSeq = std::uint64_t;

struct Domain {
  std::int64_t id = 0;
  std::string name;  // lower-case
};

struct Account {
  AccountId id = 0;
  std::string address;               // local@domain, lower-case
  std::string password_hash;         // PHC string ($argon2id$...)
  std::uint64_t quota_bytes = 0;     // 0 = unlimited
  std::uint64_t quota_messages = 0;  // 0 = unlimited
};

struct Alias {
  std::string source;  // alias address, lower-case
  std::string target;  // account address it delivers to
};

struct Usage {
  std::uint64_t bytes = 0;
  std::uint64_t messages = 0;
};

struct Mailbox {
  MailboxId id = 0;
  AccountId account = 0;
  std::string name;         // hierarchy separator '/', "INBOX" for the inbox
  std::string special_use;  // "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive" or ""
  std::uint32_t uidvalidity = 0;
  Uid uidnext = 1;
  ModSeq highestmodseq = 0;
  std::uint32_t messages = 0;
  std::uint64_t bytes = 0;
  // Counters kept in the same transaction as the messages they count (schema step 5).
  std::uint32_t unseen = 0;   // messages without \Seen
  std::uint32_t deleted = 0;  // messages with \Deleted
  // RFC 8474 MAILBOXID: "M" + 24 hex digits, random, stored at creation; unchanged by
  // RENAME (except renaming INBOX, which creates a new mailbox). Never reused.
  std::string object_id;
};

// Cheap per-mailbox summary for IMAP STATUS/SELECT (no message rows are read).
struct MailboxStatus {
  std::uint32_t messages = 0;
  std::uint32_t unseen = 0;
  std::uint32_t deleted = 0;
  std::uint64_t bytes = 0;
  Uid uidnext = 1;
  std::uint32_t uidvalidity = 0;
  ModSeq highestmodseq = 0;
};

// One message as a mailbox holds it. Bodies live in the blob store, named by blob_id.
struct MessageMeta {
  Uid uid = 0;
  ModSeq modseq = 0;
  std::int64_t internal_date = 0;  // seconds since the epoch, UTC
  std::int64_t save_date = 0;      // when it entered this mailbox (RFC 8514)
  std::uint64_t size = 0;          // exact octets of the stored message (RFC 5322 form, CRLF)
  std::string blob_id;             // lower-case hex SHA-256 of the bytes
  std::vector<std::string> flags;  // system flags with backslash, keywords as given
  // RFC 8474 EMAILID: "E" + the first 24 hex digits of blob_id. It names the content, so
  // every copy of the same bytes (COPY, MOVE, the same message delivered twice) shares it.
  std::string email_id;
  // RFC 8474 THREADID: not computed yet; empty means NIL (the IMAP layer sends NIL).
  std::string thread_id;
};

// Derived data computed once at delivery (see mime/), stored next to the message.
struct MessageDerived {
  std::string envelope;       // IMAP ENVELOPE, in IMAP syntax
  std::string bodystructure;  // IMAP BODYSTRUCTURE, in IMAP syntax
};

// Everything needed to put a new message into a mailbox.
struct NewMessage {
  std::string bytes;  // the message, CRLF line endings
  std::vector<std::string> flags;
  std::int64_t internal_date = 0;  // 0 = now
  MessageDerived derived;
};

// How update_flags changes a message's flags (IMAP STORE FLAGS / +FLAGS / -FLAGS).
enum class FlagOp { add, remove, replace };

struct FlagUpdate {
  // Messages whose flags really changed, in UID order, with their new flags and modseq.
  // Messages whose flags already were as asked keep their modseq and are not listed.
  std::vector<MessageMeta> changed;
  // UIDs skipped because their modseq was above UNCHANGEDSINCE (RFC 7162 §3.1.3 MODIFIED),
  // in UID order. Not-existing UIDs are ignored silently (they appear in neither list).
  std::vector<Uid> modified;
};

// One message copied: its UID in the source and in the destination mailbox.
struct UidPair {
  Uid source = 0;
  Uid destination = 0;
};

// Result of copy_messages / move_messages (IMAP COPYUID / RFC 4315).
struct CopyResult {
  std::uint32_t uidvalidity = 0;  // of the destination
  std::vector<UidPair> uids;      // in source UID order; missing source UIDs are skipped
  ModSeq highest_modseq = 0;      // the account's modseq after the operation
};

// Full-text search fields (IMAP SEARCH BODY/TEXT/HEADER/FROM/TO/CC/BCC/SUBJECT).
enum class TextField { body, text, header, from, to, cc, bcc, subject };

struct TextCriterion {
  TextField field = TextField::text;
  std::string header_name;  // for TextField::header only; case-insensitive
  std::string value;        // UTF-8; matched as a case-insensitive substring
};

enum class ChangeKind { added, flags, expunged };

// One entry in an account's change log. Expunges leave tombstones here.
struct Change {
  ModSeq modseq = 0;
  MailboxId mailbox = 0;
  Uid uid = 0;
  ChangeKind kind = ChangeKind::added;
};

}  // namespace postroom::store
