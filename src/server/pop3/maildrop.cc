#include "server/pop3/maildrop.h"

#include <algorithm>

namespace postroom::server::pop3 {

void Maildrop::load(store::AccountId account_id, store::MailboxId mailbox_id, std::uint32_t validity,
                    std::vector<store::MessageMeta> listing) {
  account = account_id;
  mailbox = mailbox_id;
  uidvalidity = validity;
  messages = std::move(listing);
  deleted.assign(messages.size(), false);
  retrieved.assign(messages.size(), false);
  cache_.clear();
}

std::vector<std::size_t> Maildrop::read_plan(std::size_t index) const {
  std::vector<std::size_t> plan{index};
  std::uint64_t bytes = 0;
  for (std::size_t i = index + 1; i < messages.size() && plan.size() < kReadAheadMessages; ++i) {
    if (deleted[i] || retrieved[i]) {
      continue;
    }
    bytes += messages[i].size;
    if (bytes > kReadAheadBytes) {
      break;
    }
    plan.push_back(i);
  }
  return plan;
}

std::optional<std::string> Maildrop::take_cached(std::size_t index) {
  auto it = std::find_if(cache_.begin(), cache_.end(), [index](const auto& entry) { return entry.first == index; });
  if (it == cache_.end()) {
    return std::nullopt;
  }
  std::string body = std::move(it->second);
  cache_.erase(it);
  return body;
}

const std::string* Maildrop::peek_cached(std::size_t index) const {
  auto it = std::find_if(cache_.begin(), cache_.end(), [index](const auto& entry) { return entry.first == index; });
  return it == cache_.end() ? nullptr : &it->second;
}

}  // namespace postroom::server::pop3
