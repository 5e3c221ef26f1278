#include "server/imap/mailbox_names.h"

#include <algorithm>
#include <map>
#include <set>

namespace postroom::server::imap {
namespace {

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Iterative wildcard match with backtracking limited to the last '*' or '%': linear-ish and
// bounded, so hostile patterns ("*%*%*%...") cannot explode.
bool match(std::string_view pattern, std::string_view name) {
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star_p = std::string_view::npos;
  std::size_t star_n = 0;
  bool star_is_percent = false;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '*' || pattern[p] == '%')) {
      star_is_percent = pattern[p] == '%';
      star_p = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star_p != std::string_view::npos && !(star_is_percent && name[star_n] == '/')) {
      p = star_p + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && (pattern[p] == '*' || pattern[p] == '%')) {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace

bool list_pattern_matches(const std::string& pattern, const std::string& name) {
  // INBOX is case-insensitive: compare with the pattern's own spelling of the prefix.
  if (name == "INBOX" || name.rfind("INBOX/", 0) == 0) {
    if (pattern.size() >= 5 && iequals_ascii(std::string_view(pattern).substr(0, 5), "INBOX")) {
      return match("INBOX" + pattern.substr(5), name);
    }
  }
  return match(pattern, name);
}

std::vector<ListedMailbox> list_mailboxes(const std::vector<store::Mailbox>& boxes,
                                          const std::vector<std::string>& subscriptions, const ListRequest& request) {
  std::map<std::string, const store::Mailbox*> real;
  for (const auto& box : boxes) {
    real[box.name] = &box;
  }
  std::set<std::string> subscribed(subscriptions.begin(), subscriptions.end());
  // Every name that exists, is subscribed, or is a superior of one of those.
  std::set<std::string> names;
  auto add_with_parents = [&](const std::string& name) {
    names.insert(name);
    for (std::size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1)) {
      names.insert(name.substr(0, slash));
    }
  };
  for (const auto& [name, box] : real) {
    add_with_parents(name);
  }
  for (const auto& name : subscribed) {
    add_with_parents(name);
  }
  auto has_children = [&](const std::string& name, bool subscribed_only) {
    std::string prefix = name + "/";
    auto it = names.lower_bound(prefix);
    for (; it != names.end() && it->rfind(prefix, 0) == 0; ++it) {
      if (!subscribed_only && real.count(*it) != 0) {
        return true;
      }
      if (subscribed_only && subscribed.count(*it) != 0) {
        return true;
      }
    }
    return false;
  };
  std::vector<ListedMailbox> out;
  for (const auto& name : names) {
    bool matched = false;
    for (const auto& pattern : request.patterns) {
      std::string full = request.reference + pattern;
      if (list_pattern_matches(full, name)) {
        matched = true;
        break;
      }
    }
    if (!matched) {
      continue;
    }
    auto it = real.find(name);
    const store::Mailbox* box = it == real.end() ? nullptr : it->second;
    bool is_subscribed = subscribed.count(name) != 0;
    ListedMailbox item;
    item.entry.delimiter = '/';
    item.entry.mailbox = name;
    if (request.select_subscribed && !is_subscribed) {
      // RECURSIVEMATCH: a non-subscribed parent of subscribed children is listed with
      // CHILDINFO (RFC 5258 §3.5). LSUB lists such parents as \Noselect.
      if ((request.recursive_match || request.lsub) && has_children(name, true)) {
        if (request.lsub) {
          item.entry.attributes.push_back("\\Noselect");
        } else {
          item.entry.childinfo.push_back("SUBSCRIBED");
        }
        item.noselect = true;
        out.push_back(std::move(item));
      }
      continue;
    }
    if (request.select_special_use && (box == nullptr || box->special_use.empty())) {
      continue;
    }
    if (box == nullptr) {
      bool extended_selection = request.select_subscribed || request.select_special_use;
      item.entry.attributes.push_back(extended_selection && !request.lsub ? "\\NonExistent" : "\\Noselect");
      item.noselect = true;
    } else {
      item.mailbox_id = box->id;
    }
    if (!request.lsub && request.return_children &&
        !(box == nullptr && item.entry.attributes.back() == "\\NonExistent")) {
      item.entry.attributes.push_back(has_children(name, false) ? "\\HasChildren" : "\\HasNoChildren");
    }
    if (!request.lsub && request.return_subscribed && is_subscribed) {
      item.entry.attributes.push_back("\\Subscribed");
    }
    if (!request.lsub && request.return_special_use && box != nullptr && !box->special_use.empty()) {
      item.entry.attributes.push_back(box->special_use);
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::uint64_t status_value(const store::MailboxStatus& status, postroom::imap::StatusItem item,
                           std::uint64_t append_limit) {
  using S = postroom::imap::StatusItem;
  switch (item) {
    case S::messages: return status.messages;
    case S::uidnext: return status.uidnext;
    case S::uidvalidity: return status.uidvalidity;
    case S::unseen: return status.unseen;
    case S::deleted: return status.deleted;
    case S::size: return status.bytes;
    case S::recent: return 0;  // \Recent is never set (RFC 9051 removed it)
    case S::highestmodseq: return status.highestmodseq;
    case S::appendlimit: return append_limit;
    case S::mailboxid: return 0;  // not a number; the session writes MAILBOXID itself
  }
  return 0;
}

bool is_settable_flag(std::string_view flag) {
  if (flag.empty() || flag.front() != '\\') {
    return !flag.empty();
  }
  for (std::string_view system : {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent"}) {
    if (iequals_ascii(flag, system)) {
      return true;
    }
  }
  return false;
}

std::string mailbox_object_id(const store::Mailbox& box) {
  return box.object_id.empty() ? "M" + std::to_string(box.id) : box.object_id;
}

}  // namespace postroom::server::imap
