// ImportBatcher: stores imported messages (mail/import.h) in batches, for `postroom import`.
//
// Why: one commit per message costs a WAL fsync plus a body fsync and a directory fsync each,
// which caps an import near the disk's fsync rate (tens of messages per second here).
// Store::append_batch stores a whole batch with one commit and phased blob fsyncs.
//
// Contract:
// - Messages are prepared as MailService does for every new message (CRLF normalised,
//   max_message_bytes enforced, ENVELOPE and BODYSTRUCTURE computed once) and queued; the
//   queue is stored when it reaches `max_messages` or `max_bytes`, and by flush().
// - Semantics are those of appending one message at a time, in order, and stopping at the
//   first over_quota or temporary failure: a batch the store refuses is split in halves and
//   retried (first half first), down to single messages, so exactly the messages before the
//   first one that does not fit are stored, and a single bad message fails alone.
// - A message refused on its own (empty, too large, or by the store) is counted in failed()
//   and reported through `on_failure`; the import goes on unless the error was over_quota or
//   temporary, after which add() and flush() return false and store nothing more.
// - No ChangeBus events: the CLI runs without a daemon's bus (IMAP sessions see the new
//   messages through the change log, as for any other process's writes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "mail/import.h"
#include "mail/mail_service.h"
#include "store/store.h"

namespace postroom::mail {

struct ImportBatchLimits {
  // Rows per transaction: large enough to amortise the commit's fsyncs, small enough that the
  // write lock is not held for long (a daemon sharing the data dir waits for it).
  std::size_t max_messages = 256;
  // Bodies held in memory at once (and written per phased fsync round).
  std::size_t max_bytes = 32u * 1024 * 1024;
};

class ImportBatcher {
 public:
  // Called for each message that is not stored: its mailbox name and the error.
  using FailureSink = std::function<void(const std::string& mailbox, const Error& error)>;

  ImportBatcher(store::Store& store, const MailOptions& options, store::AccountId account, FailureSink on_failure,
                ImportBatchLimits limits = {});
  ImportBatcher(const ImportBatcher&) = delete;
  ImportBatcher& operator=(const ImportBatcher&) = delete;

  // Queues `message` for the existing mailbox `mailbox` and stores the queue if it is full.
  // Returns false once the import must stop (see the contract above).
  bool add(const std::string& mailbox, ImportedMessage&& message);
  // Stores everything queued. Returns false if the import must stop.
  bool flush();

  std::size_t imported() const { return imported_; }
  std::size_t failed() const { return failed_; }

 private:
  // Stores items_[begin, end), splitting on failure. Returns false to stop.
  bool store_range(std::size_t begin, std::size_t end);
  void fail(const std::string& mailbox, const Error& error);

  store::Store& store_;
  const MailOptions& options_;
  const store::AccountId account_;
  FailureSink on_failure_;
  const ImportBatchLimits limits_;

  std::map<std::string, store::MailboxId> mailbox_ids_;  // resolved once per name
  // The queue: items_ is passed to the store as it is; names_[i] is items_[i]'s mailbox name.
  std::vector<store::Store::BatchItem> items_;
  std::vector<std::string> names_;
  std::size_t queued_bytes_ = 0;
  std::size_t imported_ = 0;
  std::size_t failed_ = 0;
  bool stopped_ = false;
};

}  // namespace postroom::mail
