// Plain data types of the mail store. Every key starts with the account id (DESIGN.md §3),
// so data can be sharded by account later.
#pragma once

#include <cstdint>
#include <string>
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
  std::string address;        // local@domain, lower-case
  std::string password_hash;  // PHC string ($argon2id$...)
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

enum class ChangeKind { added, flags, expunged };

// One entry in an account's change log. Expunges leave tombstones here.
struct Change {
  ModSeq modseq = 0;
  MailboxId mailbox = 0;
  Uid uid = 0;
  ChangeKind kind = ChangeKind::added;
};

}  // namespace postroom::store
