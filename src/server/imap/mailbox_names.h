// LIST/LSUB semantics over the account's mailboxes (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED,
// RFC 6154 SPECIAL-USE) and STATUS values. Pure functions: unit-tested alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/imap/command.h"
#include "proto/imap/response.h"
#include "store/types.h"

namespace postroom::server::imap {

struct ListRequest {
  std::string reference;
  std::vector<std::string> patterns;
  bool lsub = false;
  bool select_subscribed = false;
  bool select_special_use = false;
  bool recursive_match = false;
  bool return_subscribed = false;
  bool return_children = true;
  bool return_special_use = true;
};

struct ListedMailbox {
  postroom::imap::ListEntry entry;
  store::MailboxId mailbox_id = 0;  // 0 for names that are not mailboxes
  bool noselect = false;
};

// Does `name` match the LIST pattern (`*` any characters, `%` any but the delimiter)?
// INBOX matches case-insensitively (RFC 9051 §5.1).
bool list_pattern_matches(const std::string& pattern, const std::string& name);

// The LIST/LSUB answer in name order. Names implied by deeper mailboxes ("a" for "a/b")
// appear as \Noselect (\NonExistent under LIST-EXTENDED selection) when they match.
std::vector<ListedMailbox> list_mailboxes(const std::vector<store::Mailbox>& boxes,
                                          const std::vector<std::string>& subscriptions, const ListRequest& request);

std::uint64_t status_value(const store::MailboxStatus& status, postroom::imap::StatusItem item,
                           std::uint64_t append_limit);

// Whether a client may set `flag`: any keyword, or one of the RFC 9051 system flags
// (\Recent is accepted and ignored by callers). Other backslash flags are reserved
// (flag-extension) and a server must never produce them, so storing them is refused.
bool is_settable_flag(std::string_view flag);

// RFC 8474 MAILBOXID of a mailbox (the stored object id, or one derived from the row id for
// mailboxes made before object ids existed).
std::string mailbox_object_id(const store::Mailbox& box);

}  // namespace postroom::server::imap
