// MessageData: lazy, memoised access to one message for FETCH, SEARCH, SORT and THREAD.
//
// Contract:
// - Runs on the storage thread pool (store calls block); never on an I/O thread.
// - Each source is read at most once per MessageData and only when asked for:
//   derived()   → Store::derived (ENVELOPE/BODYSTRUCTURE strings stored at delivery),
//   bytes()     → Store::read_message (the blob),
//   structure() → mime::parse_structure over bytes(),
//   envelope()  → the ENVELOPE string of derived() parsed back into fields (no blob read).
//   Metadata (FLAGS, UID, RFC822.SIZE, INTERNALDATE, MODSEQ, SAVEDATE, EMAILID) is in meta()
//   and costs nothing. ENVELOPE/BODYSTRUCTURE/BODY never read the blob unless the stored
//   derived strings are missing (rows from before delivery computed them), in which case they
//   are computed once from the bytes with mime::analyze.
// - Failures (I/O, message vanished) return nullptr; error() then holds the typed error and
//   every later call for the same source returns nullptr again without retrying.
// - Not thread-safe: one MessageData belongs to one command on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mime/header.h"
#include "mime/structure.h"
#include "store/store.h"

namespace postroom::server::imap {

// One address of a parsed ENVELOPE: (name adl mailbox host); nullopt members were NIL.
// A group start has host == nullopt and mailbox == group name; a group end has both nullopt.
struct EnvelopeAddress {
  std::optional<std::string> name;
  std::optional<std::string> mailbox;
  std::optional<std::string> host;
};

// The ENVELOPE fields as stored (strings still RFC 2047-encoded, as ENVELOPE carries them).
struct EnvelopeFields {
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::vector<EnvelopeAddress> from, sender, reply_to, to, cc, bcc;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;
};

// Parses an ENVELOPE in IMAP syntax (as mime::format_envelope writes it: quoted strings,
// literals, NIL). nullopt when it is not a 10-element list.
std::optional<EnvelopeFields> parse_envelope(std::string_view imap_envelope);

// BODY (non-extensible, RFC 9051 §7.5.2) from a stored BODYSTRUCTURE string, by dropping the
// extension data of every part. nullopt when the string does not parse.
std::optional<std::string> body_from_bodystructure(std::string_view bodystructure);

// RFC 5322 §3.3 date-time (obsolete forms tolerated: missing weekday or seconds, 2-digit
// years, named zones UT/GMT/EST/.../military as +0000). Returns the instant as UTC seconds
// and, separately, the calendar date as written (for SENTON etc., which disregard the zone).
struct ParsedDate {
  std::int64_t utc_seconds = 0;
  int year = 1970;
  int month = 1;
  int day = 1;
};
std::optional<ParsedDate> parse_rfc5322_date(std::string_view text);

class MessageData {
 public:
  MessageData(store::Store& store, store::AccountId account, store::MailboxId mailbox, const store::MessageMeta& meta);

  MessageData(MessageData&&) = default;
  MessageData& operator=(MessageData&&) = default;

  const store::MessageMeta& meta() const { return meta_; }

  // ENVELOPE and BODYSTRUCTURE strings (computed from the bytes only if the stored ones are empty).
  const store::MessageDerived* derived();
  // Hands over derived data read in bulk (Store::derived_many), so derived() needs no query.
  // Empty strings are ignored: derived() computes those from the bytes as usual.
  void preload_derived(store::MessageDerived value);
  // The message bytes exactly as stored (CRLF). Read once.
  const std::string* bytes();
  // Part tree with exact offsets into *bytes(). Parsed once.
  const mime::PartTree* structure();
  // derived()->envelope parsed; nullptr when unavailable.
  const EnvelopeFields* envelope();
  // Top-level header fields of the message (reads the blob), for References etc.
  const std::vector<mime::HeaderField>* top_header();

  // The error behind the last nullptr.
  const std::optional<Error>& error() const { return error_; }

  // How many times the blob / the derived row were read from the store (tests; at most 1).
  int blob_reads() const { return blob_reads_; }
  int derived_reads() const { return derived_reads_; }

 private:
  store::Store* store_;
  store::AccountId account_;
  store::MailboxId mailbox_;
  store::MessageMeta meta_;

  std::optional<store::MessageDerived> derived_;
  bool derived_failed_ = false;
  std::optional<std::string> bytes_;
  bool bytes_failed_ = false;
  std::optional<mime::PartTree> structure_;
  std::optional<EnvelopeFields> envelope_;
  bool envelope_failed_ = false;
  std::optional<std::vector<mime::HeaderField>> top_header_;
  std::optional<Error> error_;
  int blob_reads_ = 0;
  int derived_reads_ = 0;
};

// Makes the MessageData for one message of the snapshot (SearchEvaluator, sort, thread).
using MessageDataFactory = std::function<MessageData(const store::MessageMeta&)>;

// The usual factory: MessageData(store, account, mailbox, meta).
MessageDataFactory store_message_factory(store::Store& store, store::AccountId account, store::MailboxId mailbox);

}  // namespace postroom::server::imap
