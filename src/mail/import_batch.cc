#include "mail/import_batch.h"

#include <ctime>
#include <utility>

#include "mime/analyze.h"

namespace postroom::mail {
namespace {

// Errors after which every further message would fail the same way.
bool must_stop(const Error& error) {
  return error.kind == ErrorKind::over_quota || error.kind == ErrorKind::temporary;
}

}  // namespace

ImportBatcher::ImportBatcher(store::Store& store, const MailOptions& options, store::AccountId account,
                             FailureSink on_failure, ImportBatchLimits limits)
    : store_(store), options_(options), account_(account), on_failure_(std::move(on_failure)), limits_(limits) {}

void ImportBatcher::fail(const std::string& mailbox, const Error& error) {
  ++failed_;
  if (must_stop(error)) {
    stopped_ = true;
  }
  if (on_failure_) {
    on_failure_(mailbox, error);
  }
}

bool ImportBatcher::add(const std::string& mailbox, ImportedMessage&& imported) {
  if (stopped_) {
    return false;
  }
  auto known = mailbox_ids_.find(mailbox);
  if (known == mailbox_ids_.end()) {
    auto box = store_.find_mailbox(account_, mailbox);
    if (!box) {
      fail(mailbox, box.error());
      return !stopped_;
    }
    known = mailbox_ids_.emplace(mailbox, box->id).first;
  }
  // What MailService::prepare does for every new message (it is private there): the same
  // normalisation, limit and derived data, so an imported message is stored exactly as one
  // appended through MailService.
  if (imported.bytes.empty()) {
    fail(mailbox, make_error(ErrorKind::bad_syntax, "empty message"));
    return !stopped_;
  }
  store::NewMessage message;
  message.bytes = normalize_crlf(imported.bytes);
  imported.bytes = std::string();  // the mbox may be large; do not hold two copies per message
  if (message.bytes.size() > options_.max_message_bytes) {
    fail(mailbox, make_error(ErrorKind::limit, "message of " + std::to_string(message.bytes.size()) +
                                                   " octets exceeds the limit of " +
                                                   std::to_string(options_.max_message_bytes)));
    return !stopped_;
  }
  mime::Analysis analysis = mime::analyze(message.bytes, options_.mime_limits);
  message.derived.envelope = std::move(analysis.envelope);
  message.derived.bodystructure = std::move(analysis.bodystructure);
  message.flags = std::move(imported.flags);
  message.internal_date = imported.internal_date != 0 ? imported.internal_date : std::time(nullptr);

  // The byte bound is checked before queueing, so a batch exceeds it only when one message
  // alone does.
  if (!items_.empty() && queued_bytes_ + message.bytes.size() > limits_.max_bytes) {
    if (!flush()) {
      return false;
    }
  }
  queued_bytes_ += message.bytes.size();
  items_.push_back(store::Store::BatchItem{known->second, std::move(message)});
  names_.push_back(mailbox);
  if (items_.size() >= limits_.max_messages || queued_bytes_ >= limits_.max_bytes) {
    return flush();
  }
  return true;
}

bool ImportBatcher::flush() {
  bool go_on = store_range(0, items_.size());
  items_.clear();
  names_.clear();
  queued_bytes_ = 0;
  return go_on;
}

bool ImportBatcher::store_range(std::size_t begin, std::size_t end) {
  if (stopped_) {
    return false;
  }
  if (begin == end) {
    return true;
  }
  // The whole queue goes as it is; a part (only after a refusal) is copied.
  auto metas = begin == 0 && end == items_.size()
                   ? store_.append_batch(account_, items_)
                   : store_.append_batch(account_, std::vector<store::Store::BatchItem>(
                                                       items_.begin() + static_cast<std::ptrdiff_t>(begin),
                                                       items_.begin() + static_cast<std::ptrdiff_t>(end)));
  if (metas) {
    imported_ += end - begin;
    return true;
  }
  if (end - begin == 1) {
    fail(names_[begin], metas.error());
    return !stopped_;
  }
  // All or nothing refused: find the messages to blame by halves, in order, so the outcome
  // is that of storing one message at a time.
  std::size_t middle = begin + (end - begin) / 2;
  return store_range(begin, middle) && store_range(middle, end);
}

}  // namespace postroom::mail
