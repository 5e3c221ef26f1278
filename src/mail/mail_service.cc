#include "mail/mail_service.h"

#include <ctime>

namespace postroom::mail {

std::string normalize_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 64 + 2);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

Result<store::NewMessage> MailService::prepare(Delivery delivery) const {
  if (delivery.bytes.empty()) {
    return make_error(ErrorKind::bad_syntax, "empty message");
  }
  store::NewMessage message;
  message.bytes = normalize_crlf(delivery.bytes);
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

Result<store::MessageMeta> MailService::append(store::AccountId account, std::string_view mailbox,
                                               Delivery delivery) {
  auto box = store_.find_mailbox(account, mailbox);
  if (!box) {
    return box.error();
  }
  auto message = prepare(std::move(delivery));
  if (!message) {
    return message.error();
  }
  return store_.append(account, box->id, *message);
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
  return store_.append_many(resolved, *message);
}

}  // namespace postroom::mail
