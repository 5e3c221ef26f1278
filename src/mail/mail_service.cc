#include "mail/mail_service.h"

#include <algorithm>
#include <ctime>

namespace postroom::mail {

namespace {

// True when every CR is followed by LF and every LF preceded by CR: what SMTP DATA always
// produces, so delivery can keep the bytes without a copy.
bool is_crlf_only(std::string_view text) {
  std::size_t lines = 0;
  for (std::size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1)) {
    if (at == 0 || text[at - 1] != '\r') {
      return false;
    }
    ++lines;
  }
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\r')) == lines;
}

}  // namespace

std::string normalize_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64 + 2);
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy up to the next line break in one piece; fix up only the break itself.
    std::size_t end = i;
    while (end < text.size() && text[end] != '\r' && text[end] != '\n') {
      ++end;
    }
    if (end == text.size()) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, end - i));
    out += "\r\n";
    i = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  }
  return out;
}

Result<store::NewMessage> MailService::prepare(Delivery delivery) const {
  if (delivery.bytes.empty()) {
    return make_error(ErrorKind::bad_syntax, "empty message");
  }
  store::NewMessage message;
  const bool keep = delivery.binary || is_crlf_only(delivery.bytes);
  message.bytes = keep ? std::move(delivery.bytes) : normalize_crlf(delivery.bytes);
  if (message.bytes.size() > options_.max_message_bytes) {
    return make_error(ErrorKind::limit, "message of " + std::to_string(message.bytes.size()) +
                                            " octets exceeds the limit of " +
                                            std::to_string(options_.max_message_bytes));
  }
  mime::Analysis analysis = mime::analyze(message.bytes, options_.mime_limits);
  message.derived.envelope = std::move(analysis.envelope);
  message.derived.bodystructure = std::move(analysis.bodystructure);
  message.flags = std::move(delivery.flags);
  message.internal_date = delivery.internal_date != 0 ? delivery.internal_date : std::time(nullptr);
  return message;
}

Result<store::MessageMeta> MailService::deliver(std::string_view recipient, Delivery delivery,
                                                std::string_view mailbox) {
  auto account = store_.resolve_recipient(recipient);
  if (!account) {
    return account.error();
  }
  return append(account->id, mailbox, std::move(delivery));
}

Result<store::MessageMeta> MailService::append(store::AccountId account, std::string_view mailbox, Delivery delivery) {
  auto appended = append_to(account, mailbox, std::move(delivery));
  if (!appended) {
    return appended.error();
  }
  return std::move(appended->meta);
}

Result<MailService::Appended> MailService::append_to(store::AccountId account, std::string_view mailbox,
                                                     Delivery delivery) {
  auto box = store_.find_mailbox(account, mailbox);
  if (!box) {
    return box.error();
  }
  auto message = prepare(std::move(delivery));
  if (!message) {
    return message.error();
  }
  auto meta = store_.append(account, box->id, *message);
  if (!meta) {
    return meta.error();
  }
  publish(account, box->id, push::ChangeKind::appended, meta->modseq);
  return Appended{box->id, box->uidvalidity, std::move(*meta)};
}

void MailService::publish(store::AccountId account, store::MailboxId mailbox, push::ChangeKind kind,
                          store::ModSeq modseq) {
  if (bus_ == nullptr) {
    return;
  }
  bus_->publish(push::ChangeEvent{account, mailbox, kind, modseq});
}

Result<store::CopyResult> MailService::copy(store::AccountId account, store::MailboxId from,
                                            const std::vector<store::Uid>& uids, store::MailboxId to) {
  auto result = store_.copy_messages(account, from, uids, to);
  if (result && !result->uids.empty()) {
    publish(account, to, push::ChangeKind::appended, result->highest_modseq);
  }
  return result;
}

Result<store::CopyResult> MailService::move(store::AccountId account, store::MailboxId from,
                                            const std::vector<store::Uid>& uids, store::MailboxId to) {
  auto result = store_.move_messages(account, from, uids, to);
  if (result && !result->uids.empty()) {
    publish(account, to, push::ChangeKind::appended, result->highest_modseq);
    publish(account, from, push::ChangeKind::expunged, result->highest_modseq);
  }
  return result;
}

Result<std::vector<store::Uid>> MailService::expunge(store::AccountId account, store::MailboxId mailbox,
                                                     const std::vector<store::Uid>& uids) {
  auto removed = store_.expunge(account, mailbox, uids);
  if (removed && !removed->empty() && bus_ != nullptr) {
    auto modseq = store_.highest_modseq(account);
    publish(account, mailbox, push::ChangeKind::expunged, modseq ? *modseq : 0);
  }
  return removed;
}

Result<store::FlagUpdate> MailService::update_flags(store::AccountId account, store::MailboxId mailbox,
                                                    const std::vector<store::Uid>& uids, store::FlagOp op,
                                                    const std::vector<std::string>& flags,
                                                    std::optional<store::ModSeq> unchanged_since) {
  auto update = store_.update_flags(account, mailbox, uids, op, flags, unchanged_since);
  if (update && !update->changed.empty()) {
    store::ModSeq highest = 0;
    for (const store::MessageMeta& meta : update->changed) {
      highest = std::max(highest, meta.modseq);
    }
    publish(account, mailbox, push::ChangeKind::flags, highest);
  }
  return update;
}

Result<store::Mailbox> MailService::create_mailbox(store::AccountId account, std::string_view name,
                                                   std::string_view special_use) {
  auto made = store_.create_mailbox(account, name, special_use);
  if (made) {
    publish(account, made->id, push::ChangeKind::mailbox_created, 0);
  }
  return made;
}

Status MailService::delete_mailbox(store::AccountId account, store::MailboxId mailbox) {
  Status deleted = store_.delete_mailbox(account, mailbox);
  if (deleted) {
    publish(account, mailbox, push::ChangeKind::mailbox_deleted, 0);
  }
  return deleted;
}

Result<store::Mailbox> MailService::rename_mailbox(store::AccountId account, store::MailboxId mailbox,
                                                   std::string_view new_name) {
  auto renamed = store_.rename_mailbox(account, mailbox, new_name);
  if (renamed) {
    if (renamed->id == mailbox) {
      publish(account, mailbox, push::ChangeKind::mailbox_renamed, 0);
    } else {
      // INBOX: a new mailbox took its messages.
      publish(account, renamed->id, push::ChangeKind::mailbox_created, renamed->highestmodseq);
      publish(account, mailbox, push::ChangeKind::expunged, renamed->highestmodseq);
    }
  }
  return renamed;
}

Status MailService::set_subscribed(store::AccountId account, std::string_view name, bool subscribed) {
  return store_.set_subscribed(account, name, subscribed);
}

Result<std::vector<store::MessageMeta>> MailService::deliver_many(const std::vector<Target>& targets,
                                                                  Delivery delivery) {
  std::vector<store::Store::Target> resolved;
  resolved.reserve(targets.size());
  for (const Target& target : targets) {
    auto box = store_.find_mailbox(target.account, target.mailbox);
    if (!box && box.error().kind == ErrorKind::not_found && target.mailbox != "INBOX") {
      box = store_.find_mailbox(target.account, "INBOX");
    }
    if (!box) {
      return box.error();
    }
    resolved.push_back(store::Store::Target{target.account, box->id});
  }
  auto message = prepare(std::move(delivery));
  if (!message) {
    return message.error();
  }
  auto metas = store_.append_many(resolved, *message);
  if (metas) {
    for (std::size_t i = 0; i < resolved.size(); ++i) {
      publish(resolved[i].account, resolved[i].mailbox, push::ChangeKind::appended, (*metas)[i].modseq);
    }
  }
  return metas;
}

}  // namespace postroom::mail
