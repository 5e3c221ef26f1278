// MailService: the one path by which a message enters a mailbox, whoever brings it
// (postroom deliver/import now; SMTP, IMAP APPEND and EAS SendMail later). DESIGN.md §1.
//
// Contract: on success the message is durable (see store/store.h). The bytes are stored as
// given except that line endings are normalised to CRLF (RFC 5322 form), so sizes reported
// by POP3 and IMAP are exact. ENVELOPE and BODYSTRUCTURE are computed here, once.
// Malformed MIME is never a reason to refuse a message.
//
// IMAP-facing operations (copy, move, expunge, update_flags, mailbox create/delete/rename,
// subscriptions) are thin durable wrappers over the store (store/store.h has the detailed
// contracts). Every successful mutation publishes one push::ChangeEvent per affected mailbox
// on the ChangeBus, if one is set, AFTER the store call returned (= durable). Errors are the
// store's typed errors; over_quota maps to IMAP [OVERQUOTA], SMTP 552 / 452.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "mime/analyze.h"
#include "push/change_bus.h"
#include "store/store.h"

namespace postroom::mail {

struct MailOptions {
  std::uint64_t max_message_bytes = 50ull * 1024 * 1024;
  mime::Limits mime_limits;
};

struct Delivery {
  std::string bytes;               // raw message, any line endings
  std::vector<std::string> flags;  // e.g. "\\Seen"
  std::int64_t internal_date = 0;  // 0 = now
  // BODY=BINARYMIME (RFC 3030): the octets are the message; a lone CR or LF inside a binary
  // part is data, so line endings are left exactly as received.
  bool binary = false;
};

// Converts bare LF and bare CR line ends to CRLF; CRLF pairs are kept.
std::string normalize_crlf(std::string_view text);

class MailService {
 public:
  MailService(store::Store& store, MailOptions options) : store_(store), options_(std::move(options)) {}
  // `bus` may be null; it must outlive the service.
  MailService(store::Store& store, MailOptions options, push::ChangeBus* bus)
      : store_(store), options_(std::move(options)), bus_(bus) {}
  // Sets (or clears, with null) the bus events are published on. Call before sharing the
  // service between threads.
  void set_change_bus(push::ChangeBus* bus) { bus_ = bus; }

  // Delivers to the account that `recipient` names (directly or through an alias), into
  // `mailbox` (INBOX by default). Errors: not_found (no such recipient or mailbox),
  // over_quota, limit (message too large), bad_syntax (empty message), temporary.
  Result<store::MessageMeta> deliver(std::string_view recipient, Delivery delivery, std::string_view mailbox = "INBOX");

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

  // IMAP APPEND with what APPENDUID (RFC 4315) needs. Errors as append().
  struct Appended {
    store::MailboxId mailbox = 0;
    std::uint32_t uidvalidity = 0;
    store::MessageMeta meta;
  };
  Result<Appended> append_to(store::AccountId account, std::string_view mailbox, Delivery delivery);

  // --- IMAP-facing mutations; see store.h for each contract ---
  Result<store::CopyResult> copy(store::AccountId account, store::MailboxId from, const std::vector<store::Uid>& uids,
                                 store::MailboxId to);
  Result<store::CopyResult> move(store::AccountId account, store::MailboxId from, const std::vector<store::Uid>& uids,
                                 store::MailboxId to);
  // Returns the UIDs removed (missing ones ignored).
  Result<std::vector<store::Uid>> expunge(store::AccountId account, store::MailboxId mailbox,
                                          const std::vector<store::Uid>& uids);
  Result<store::FlagUpdate> update_flags(store::AccountId account, store::MailboxId mailbox,
                                         const std::vector<store::Uid>& uids, store::FlagOp op,
                                         const std::vector<std::string>& flags,
                                         std::optional<store::ModSeq> unchanged_since = std::nullopt);
  Result<store::Mailbox> create_mailbox(store::AccountId account, std::string_view name,
                                        std::string_view special_use = "");
  Status delete_mailbox(store::AccountId account, store::MailboxId mailbox);
  Result<store::Mailbox> rename_mailbox(store::AccountId account, store::MailboxId mailbox, std::string_view new_name);
  Status set_subscribed(store::AccountId account, std::string_view name, bool subscribed);

  store::Store& store() { return store_; }
  const MailOptions& options() const { return options_; }

 private:
  Result<store::NewMessage> prepare(Delivery delivery) const;
  void publish(store::AccountId account, store::MailboxId mailbox, push::ChangeKind kind, store::ModSeq modseq);

  store::Store& store_;
  MailOptions options_;
  push::ChangeBus* bus_ = nullptr;
};

}  // namespace postroom::mail
