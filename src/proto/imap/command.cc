#include "proto/imap/command.h"

#include <array>

#include "proto/imap/reader.h"

namespace postroom::imap {
namespace {

struct Name {
  std::string_view name;
  CommandKind kind;
};

constexpr std::array<Name, 36> kNames = {{
    {"CAPABILITY", CommandKind::capability},
    {"NOOP", CommandKind::noop},
    {"LOGOUT", CommandKind::logout},
    {"STARTTLS", CommandKind::starttls},
    {"AUTHENTICATE", CommandKind::authenticate},
    {"LOGIN", CommandKind::login},
    {"ENABLE", CommandKind::enable},
    {"SELECT", CommandKind::select},
    {"EXAMINE", CommandKind::examine},
    {"CREATE", CommandKind::create},
    {"DELETE", CommandKind::delete_mailbox},
    {"RENAME", CommandKind::rename},
    {"SUBSCRIBE", CommandKind::subscribe},
    {"UNSUBSCRIBE", CommandKind::unsubscribe},
    {"LIST", CommandKind::list},
    {"LSUB", CommandKind::lsub},
    {"NAMESPACE", CommandKind::namespace_},
    {"STATUS", CommandKind::status},
    {"APPEND", CommandKind::append},
    {"IDLE", CommandKind::idle},
    {"CLOSE", CommandKind::close},
    {"UNSELECT", CommandKind::unselect},
    {"EXPUNGE", CommandKind::expunge},
    {"SEARCH", CommandKind::search},
    {"FETCH", CommandKind::fetch},
    {"STORE", CommandKind::store},
    {"COPY", CommandKind::copy},
    {"MOVE", CommandKind::move},
    {"SORT", CommandKind::sort},
    {"THREAD", CommandKind::thread},
    {"ID", CommandKind::id},
    {"GETQUOTA", CommandKind::getquota},
    {"GETQUOTAROOT", CommandKind::getquotaroot},
    {"SETQUOTA", CommandKind::setquota},
    {"COMPRESS", CommandKind::compress},
    {"CHECK", CommandKind::check},
}};

constexpr std::string_view kSystemFlags[] = {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent"};

}  // namespace

std::string_view command_name(CommandKind kind) {
  for (const Name& n : kNames) {
    if (n.kind == kind) {
      return n.name;
    }
  }
  return "?";
}

std::optional<CommandKind> command_from_keyword(std::string_view keyword) {
  for (const Name& n : kNames) {
    if (detail::iequals(n.name, keyword)) {
      return n.kind;
    }
  }
  return std::nullopt;
}

bool allows_uid_prefix(CommandKind kind) {
  switch (kind) {
    case CommandKind::copy:
    case CommandKind::fetch:
    case CommandKind::move:
    case CommandKind::search:
    case CommandKind::sort:
    case CommandKind::store:
    case CommandKind::thread:
    case CommandKind::expunge: return true;
    default: return false;
  }
}

std::string_view status_item_name(StatusItem item) {
  switch (item) {
    case StatusItem::messages: return "MESSAGES";
    case StatusItem::uidnext: return "UIDNEXT";
    case StatusItem::uidvalidity: return "UIDVALIDITY";
    case StatusItem::unseen: return "UNSEEN";
    case StatusItem::deleted: return "DELETED";
    case StatusItem::size: return "SIZE";
    case StatusItem::recent: return "RECENT";
    case StatusItem::highestmodseq: return "HIGHESTMODSEQ";
    case StatusItem::appendlimit: return "APPENDLIMIT";
    case StatusItem::mailboxid: return "MAILBOXID";
  }
  return "?";
}

std::string canonical_flag(std::string_view flag) {
  for (std::string_view f : kSystemFlags) {
    if (detail::iequals(f, flag)) {
      return std::string(f);
    }
  }
  return std::string(flag);
}

}  // namespace postroom::imap
