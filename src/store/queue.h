// The outbound mail queue (spool): messages waiting to be relayed to other hosts.
//
// Contracts for every backend (same as store.h):
// - Thread-safe; calls block (disk I/O), so the daemon calls them through io::offload.
// - enqueue() returns an id only once the body and every recipient row are durable (blob file
//   and directory fsynced, metadata committed in a group commit). A queued message survives a
//   crash or restart.
// - Recipients move pending -> delivered | failed -> bounced. `failed` means "failed
//   permanently, the delivery status notification (DSN) is still owed"; `bounced` means the
//   DSN was handed on (or none was wanted). A message row, its recipients and its reference to
//   the body disappear in the same transaction as the update that leaves no recipient pending
//   or failed.
// - The body is a content-addressed blob shared with the mail store: a queued message holds
//   one blob reference, so blob GC never removes a body the queue still needs.
//
// The SQLite backend opens its own writer next to the mail store's (like the CLI does next to
// the daemon): open_sqlite_queue() on the same data_dir as open_sqlite_store().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store.h"

namespace postroom::store {

using QueueId = std::int64_t;

// RFC 3461 NOTIFY, as bits. 0 = not given (the MTA's default: failure and delay).
enum NotifyFlags : unsigned {
  kNotifyDefault = 0,
  kNotifySuccess = 1,
  kNotifyFailure = 2,
  kNotifyDelay = 4,
  kNotifyNever = 8,
};

// RFC 3461 RET.
enum class DsnRet { unspecified = 0, full = 1, headers = 2 };

enum class RecipientState { pending = 0, delivered = 1, failed = 2, bounced = 3 };
const char* to_string(RecipientState state);

struct NewQueueRecipient {
  std::string address;  // forward-path without <>
  std::string orcpt;    // RFC 3461 ORCPT as given ("rfc822;user@example.org"), "" = none
  unsigned notify = kNotifyDefault;
};

struct NewQueueMessage {
  std::string sender;                         // reverse-path without <>; "" = null reverse-path (a bounce)
  std::vector<NewQueueRecipient> recipients;  // at least one; duplicates are merged
  std::string envid;                          // RFC 3461 ENVID (decoded), "" = none
  DsnRet ret = DsnRet::unspecified;
  std::string body_type;  // MAIL BODY= value as received: "", "7BIT", "8BITMIME", "BINARYMIME"
  bool smtputf8 = false;  // MAIL SMTPUTF8 was given
  std::string bytes;      // the message, CRLF line endings
};

struct QueueRecipient {
  std::int64_t id = 0;  // unique across the queue
  std::string address;
  std::string orcpt;
  unsigned notify = kNotifyDefault;
  RecipientState state = RecipientState::pending;
  std::uint32_t attempts = 0;
  std::int64_t next_attempt = 0;  // seconds since the epoch; meaningful while pending
  std::int64_t last_attempt = 0;  // 0 = never tried
  std::string status;             // RFC 3463 code of the last result, e.g. "4.4.1", "" = none yet
  std::string last_error;         // what went wrong, for people and logs
  std::string last_reply;         // the remote server's reply, e.g. "550 5.1.1 no such user"
  std::string remote_mta;         // host that gave last_reply
  bool delay_warned = false;
};

struct QueuedMessage {
  QueueId id = 0;
  std::string sender;
  std::string blob_id;
  std::uint64_t size = 0;
  std::string envid;
  DsnRet ret = DsnRet::unspecified;
  std::string body_type;
  bool smtputf8 = false;
  std::int64_t created = 0;  // arrival, seconds since the epoch
  std::vector<QueueRecipient> recipients;
};

// One recipient's outcome. Fields left at their defaults are kept as they were, except that
// `state` is always written.
struct RecipientUpdate {
  std::int64_t recipient_id = 0;
  RecipientState state = RecipientState::pending;
  std::optional<std::int64_t> next_attempt;  // pending: when to try again
  bool attempted = false;                    // attempts += 1, last_attempt = now
  std::optional<std::string> status;
  std::optional<std::string> last_error;
  std::optional<std::string> last_reply;
  std::optional<std::string> remote_mta;
  std::optional<bool> delay_warned;
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;

  // Queues a message durably. bad_syntax without recipients; temporary on I/O trouble.
  virtual Result<QueueId> enqueue(const NewQueueMessage& message) = 0;

  // Messages that need work at `now`: a pending recipient with next_attempt <= now, or a
  // failed recipient whose DSN is owed. Oldest due first, at most `limit`, with all their
  // recipients.
  virtual Result<std::vector<QueuedMessage>> due(std::int64_t now, std::size_t limit) = 0;
  // The earliest time anything will be due (now-ish when a DSN is owed); nullopt = empty.
  virtual Result<std::optional<std::int64_t>> next_due() = 0;

  // Applies outcomes for recipients of one message in one transaction; removes the message
  // when none is left pending or failed. Recipients not of this message: not_found.
  virtual Status update(QueueId id, const std::vector<RecipientUpdate>& updates) = 0;

  // The message's bytes exactly as queued.
  virtual Result<std::string> read_body(const QueuedMessage& message) = 0;

  // Administration.
  virtual Result<std::vector<QueuedMessage>> list() = 0;  // by id
  virtual Result<QueuedMessage> get(QueueId id) = 0;
  // Makes every pending recipient due now. not_found when absent.
  virtual Status retry_now(QueueId id) = 0;
  // Drops the message without any DSN. not_found when absent.
  virtual Status remove(QueueId id) = 0;

  // Convenience wrappers over update() for one recipient.
  Status mark_delivered(QueueId id, std::int64_t recipient, std::string reply, std::string remote_mta);
  Status mark_deferred(QueueId id, std::int64_t recipient, std::int64_t next_attempt, std::string error);
  Status mark_failed(QueueId id, std::int64_t recipient, std::string status, std::string error);
};

// Opens the queue tables of the embedded SQLite store in options.data_dir (creating and
// migrating if needed). May be open at the same time as open_sqlite_store() on the same
// directory, in this or another process.
Result<std::unique_ptr<QueueStore>> open_sqlite_queue(const SqliteOptions& options);

}  // namespace postroom::store
