// MailService: the one path by which a message enters a mailbox, whoever brings it
// (postroom deliver/import now; SMTP, IMAP APPEND and EAS SendMail later). DESIGN.md §1.
//
// Contract: on success the message is durable (see store/store.h). The bytes are stored as
// given except that line endings are normalised to CRLF (RFC 5322 form), so sizes reported
// by POP3 and IMAP are exact. ENVELOPE and BODYSTRUCTURE are computed here, once.
// Malformed MIME is never a reason to refuse a message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mime/analyze.h"
#include "store/store.h"

namespace postroom::mail {

struct MailOptions {
  std::uint64_t max_message_bytes = 50ull * 1024 * 1024;
  mime::Limits mime_limits;
};

struct Delivery {
  std::string bytes;                   // raw message, any line endings
  std::vector<std::string> flags;      // e.g. "\\Seen"
  std::int64_t internal_date = 0;      // 0 = now
};

// Converts bare LF and bare CR line ends to CRLF; CRLF pairs are kept.
std::string normalize_crlf(std::string_view text);

class MailService {
 public:
  MailService(store::Store& store, MailOptions options) : store_(store), options_(std::move(options)) {}

  // Delivers to the account that `recipient` names (directly or through an alias), into
  // `mailbox` (INBOX by default). Errors: not_found (no such recipient or mailbox),
  // over_quota, limit (message too large), bad_syntax (empty message), temporary.
  Result<store::MessageMeta> deliver(std::string_view recipient, Delivery delivery,
                                     std::string_view mailbox = "INBOX");

  // One message to several accounts in one group commit: all stored or none (SMTP, where a
  // single 250 after DATA covers every recipient). A target whose mailbox is missing falls
  // back to its INBOX, so a deleted Junk folder never loses mail.
  struct Target {
    store::AccountId account;
    std::string mailbox;
  };
  Result<std::vector<store::MessageMeta>> deliver_many(const std::vector<Target>& targets, Delivery delivery);

  // Appends to a mailbox of a known account (IMAP APPEND, import).
  Result<store::MessageMeta> append(store::AccountId account, std::string_view mailbox, Delivery delivery);

  store::Store& store() { return store_; }
  const MailOptions& options() const { return options_; }

 private:
  Result<store::NewMessage> prepare(Delivery delivery) const;

  store::Store& store_;
  MailOptions options_;
};

}  // namespace postroom::mail
