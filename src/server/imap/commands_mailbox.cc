// SELECT/EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST/LSUB, STATUS, APPEND,
// CLOSE/UNSELECT, GETQUOTA/GETQUOTAROOT.
#include <algorithm>
#include <map>
#include <set>

#include "base/log.h"
#include "proto/imap/mutf7.h"
#include "server/imap/mailbox_names.h"
#include "server/imap/session.h"

namespace postroom::server::imap {
namespace {

const std::vector<std::string> kSystemFlags{"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"};

// Maps store errors to the IMAP response codes of RFC 9051 §7.1.
pi::Code code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return pi::Code::nonexistent;
    case ErrorKind::exists: return pi::Code::alreadyexists;
    case ErrorKind::over_quota: return pi::Code::overquota;
    case ErrorKind::limit: return pi::Code::limit;
    case ErrorKind::bad_syntax: return pi::Code::cannot;
    case ErrorKind::denied: return pi::Code::noperm;
    case ErrorKind::permanent: return pi::Code::cannot;
    case ErrorKind::temporary: return pi::Code::unavailable;
  }
  return pi::Code::serverbug;
}

std::string strip_trailing_delimiter(std::string name) {
  while (name.size() > 1 && name.back() == '/') {
    name.pop_back();
  }
  return name;
}

}  // namespace

std::string Session::mailbox_name_out(const std::string& name) const {
  if (utf8_names()) {
    return name;
  }
  return pi::mutf7_encode(name).value_or(name);
}

Result<SnapshotCache::Entry> Session::load_snapshot(const store::Mailbox& box) {
  store::AccountId account = account_->id;
  SnapshotCache& cache = service_.snapshots();
  SnapshotCache::Entry entry;
  std::shared_ptr<const SnapshotCache::Entry> cached = cache.get(account, box.id);
  if (cached && cached->uidvalidity == box.uidvalidity) {
    entry = *cached;
    if (entry.modseq >= box.highestmodseq) {
      return entry;
    }
    // `box` was read before these lists, so they hold every change up to its HIGHESTMODSEQ
    // (and perhaps later ones, which apply() and later syncs take again harmlessly).
    auto changed = store().list_flags_since(account, box.id, entry.modseq);
    if (!changed) {
      return changed.error();
    }
    auto expunged = store().expunged_since(account, box.id, entry.modseq);
    if (!expunged) {
      return expunged.error();
    }
    entry.snapshot.apply(*changed, *expunged);
    entry.modseq = box.highestmodseq;
  } else {
    entry.uidvalidity = box.uidvalidity;
    auto highest =
        store().scan_message_states(account, box.id, [&](store::Uid uid, store::ModSeq modseq, std::string_view flags) {
          entry.snapshot.push_back(uid, modseq, flags);
        });
    if (!highest) {
      return highest.error();
    }
    entry.modseq = *highest;
  }
  cache.put(account, box.id, entry);
  return entry;
}

void Session::deselect() {
  selected_.reset();
  changes_pending_ = false;
  if (state_ == State::selected) {
    state_ = State::authenticated;
  }
}

io::Task<bool> Session::cmd_select(const pi::Command& command) {
  const auto& args = command.as<pi::SelectArgs>();
  bool read_only = command.kind == pi::CommandKind::examine;
  if (selected_) {
    // RFC 9051 §6.3.2 / RFC 7162 §3.2.11: the old mailbox is closed before the new opens.
    deselect();
    send(pi::untagged(pi::Condition::ok, pi::ResponseCode{pi::Code::closed, ""}, "previous mailbox closed"));
  }
  if (args.qresync && !qresync_) {
    bad(command.tag, "QRESYNC must be enabled first (ENABLE QRESYNC)");
    co_return true;
  }
  if (args.condstore) {
    condstore_ = true;
  }
  store::AccountId account = account_->id;
  std::string name = args.mailbox;
  struct Loaded {
    Result<store::Mailbox> box = make_error(ErrorKind::temporary, "");
    Result<SnapshotCache::Entry> state = make_error(ErrorKind::temporary, "");
    Result<std::vector<std::string>> keywords = make_error(ErrorKind::temporary, "");
    Result<std::vector<store::Uid>> vanished = std::vector<store::Uid>{};
    bool has_children = false;
  };
  std::optional<pi::QresyncParams> qresync = args.qresync;
  Loaded loaded = co_await storage([&] {
    Loaded l;
    l.box = store().find_mailbox(account, name);
    if (!l.box) {
      return l;
    }
    l.state = load_snapshot(*l.box);
    l.keywords = store().mailbox_keywords(account, l.box->id);
    if (auto boxes = store().list_mailboxes(account)) {
      std::string prefix = l.box->name + "/";
      for (const auto& other : *boxes) {
        l.has_children = l.has_children || other.name.rfind(prefix, 0) == 0;
      }
    }
    if (qresync && qresync->uidvalidity == l.box->uidvalidity) {
      l.vanished = store().expunged_since(account, l.box->id, qresync->modseq);
    }
    return l;
  });
  if (!loaded.box) {
    no(command.tag, code_for(loaded.box.error()), "no such mailbox");
    co_return true;
  }
  if (!loaded.state || !loaded.keywords || !loaded.vanished) {
    no(command.tag, pi::Code::unavailable, "cannot open the mailbox now");
    co_return true;
  }
  SelectedMailbox sel;
  sel.box = *loaded.box;
  sel.read_only = read_only;
  sel.messages = std::move(loaded.state->snapshot);
  sel.keywords = std::move(*loaded.keywords);
  sel.synced_modseq = std::max(loaded.state->modseq, sel.box.highestmodseq);
  // The states may have been read a moment after the mailbox row: never announce a UIDNEXT
  // at or below a UID the client is about to see.
  sel.box.uidnext = std::max<store::Uid>(sel.box.uidnext, sel.messages.last_uid() + 1);

  std::vector<std::string> flags = kSystemFlags;
  flags.insert(flags.end(), sel.keywords.begin(), sel.keywords.end());
  send(pi::flags_response(flags));
  std::vector<std::string> permanent = read_only ? std::vector<std::string>{} : flags;
  if (!read_only) {
    permanent.push_back("\\*");
  }
  send(pi::untagged(pi::Condition::ok, pi::codes::permanentflags(permanent), "flags permitted"));
  send(pi::exists_response(static_cast<std::uint32_t>(sel.messages.size())));
  if (!rev2_) {
    // IMAP4rev1 requires RECENT; we never set \Recent (RFC 9051 removed it).
    send(pi::recent_response(0));
    for (std::size_t i = 0; i < sel.messages.size(); ++i) {
      if (!sel.messages.has_flag(i, "\\Seen")) {
        send(pi::untagged(pi::Condition::ok, pi::codes::unseen(static_cast<std::uint32_t>(i + 1)), "first unseen"));
        break;
      }
    }
  }
  send(pi::untagged(pi::Condition::ok, pi::codes::uidvalidity(sel.box.uidvalidity), "UIDs valid"));
  send(pi::untagged(pi::Condition::ok, pi::codes::uidnext(sel.box.uidnext), "predicted next UID"));
  // RFC 7162 §7: never 0 here; accounts start at modseq 1, so 1 misses no change.
  send(pi::untagged(pi::Condition::ok, pi::codes::highestmodseq(std::max<store::ModSeq>(sel.synced_modseq, 1)),
                    "highest modseq"));
  send(pi::untagged(pi::Condition::ok, pi::codes::mailboxid(mailbox_object_id(sel.box)), "mailbox id"));
  if (rev2_) {
    // RFC 9051 §6.3.2: an IMAP4rev2 SELECT answers with the mailbox's LIST response too.
    pi::ListEntry entry;
    entry.delimiter = '/';
    entry.mailbox = sel.box.name;
    entry.attributes.push_back(loaded.has_children ? "\\HasChildren" : "\\HasNoChildren");
    if (!sel.box.special_use.empty()) {
      entry.attributes.push_back(sel.box.special_use);
    }
    send(pi::list_response(entry, utf8_names()));
  }

  if (qresync && qresync->uidvalidity == sel.box.uidvalidity) {
    // RFC 7162 §3.2.5.1: what vanished and what changed since the client's modseq.
    std::vector<std::uint32_t> vanished;
    for (store::Uid uid : *loaded.vanished) {
      if (!qresync->known_uids || qresync->known_uids->contains(uid, sel.box.uidnext)) {
        vanished.push_back(uid);
      }
    }
    if (!vanished.empty()) {
      send(pi::vanished_response(vanished, true));
    }
    for (std::size_t i = 0; i < sel.messages.size(); ++i) {
      if (sel.messages.modseq(i) <= qresync->modseq) {
        continue;
      }
      store::Uid uid = sel.messages.uid(i);
      if (qresync->known_uids && !qresync->known_uids->contains(uid, sel.box.uidnext)) {
        continue;
      }
      pi::FetchResponse fetch(static_cast<std::uint32_t>(i + 1));
      fetch.uid(uid);
      fetch.flags(sel.messages.flags(i));
      fetch.modseq(sel.messages.modseq(i));
      send(std::move(fetch).finish());
    }
  }
  selected_ = std::move(sel);
  state_ = State::selected;
  changes_pending_ = false;
  ok(command.tag, pi::ResponseCode{read_only ? pi::Code::read_only : pi::Code::read_write, ""},
     read_only ? "EXAMINE completed" : "SELECT completed");
  co_return true;
}

io::Task<bool> Session::cmd_create(const pi::Command& command) {
  const auto& args = command.as<pi::CreateArgs>();
  std::string name = strip_trailing_delimiter(args.mailbox);
  if (args.special_use.size() > 1) {
    no(command.tag, pi::Code::useattr, "only one special-use attribute per mailbox");
    co_return true;
  }
  std::string use = args.special_use.empty() ? "" : args.special_use.front();
  static const std::set<std::string> kKnownUses{"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                                "\\Junk", "\\Sent",    "\\Trash"};
  if (!use.empty() && (kKnownUses.count(use) == 0 || use == "\\All" || use == "\\Flagged")) {
    // \All and \Flagged are virtual mailboxes we do not offer.
    no(command.tag, pi::Code::useattr, "unsupported special-use attribute");
    co_return true;
  }
  store::AccountId account = account_->id;
  auto created = co_await storage([&] { return mail().create_mailbox(account, name, use); });
  if (!created) {
    no(command.tag, code_for(created.error()),
       created.error().kind == ErrorKind::exists ? "mailbox already exists" : "cannot create the mailbox");
    co_return true;
  }
  ok(command.tag, "CREATE completed");
  co_return true;
}

io::Task<bool> Session::cmd_delete(const pi::Command& command) {
  std::string name = command.as<pi::MailboxArgs>().mailbox;
  if (name == "INBOX") {
    no(command.tag, pi::Code::cannot, "INBOX cannot be deleted");
    co_return true;
  }
  store::AccountId account = account_->id;
  struct Outcome {
    Status status = ok_status();
    store::MailboxId id = 0;
  };
  Outcome outcome = co_await storage([&] {
    Outcome o;
    auto box = store().find_mailbox(account, name);
    if (!box) {
      o.status = box.error();
      return o;
    }
    o.id = box->id;
    o.status = mail().delete_mailbox(account, box->id);
    return o;
  });
  if (!outcome.status) {
    no(command.tag, code_for(outcome.status.error()), "cannot delete the mailbox");
    co_return true;
  }
  if (selected_ && selected_->box.id == outcome.id) {
    deselect();
    send(pi::untagged(pi::Condition::ok, pi::ResponseCode{pi::Code::closed, ""}, "selected mailbox deleted"));
  }
  ok(command.tag, "DELETE completed");
  co_return true;
}

io::Task<bool> Session::cmd_rename(const pi::Command& command) {
  const auto& args = command.as<pi::RenameArgs>();
  std::string to = strip_trailing_delimiter(args.to);
  store::AccountId account = account_->id;
  auto renamed = co_await storage([&]() -> Result<store::Mailbox> {
    auto box = store().find_mailbox(account, args.from);
    if (!box) {
      return box.error();
    }
    return mail().rename_mailbox(account, box->id, to);
  });
  if (!renamed) {
    no(command.tag, code_for(renamed.error()),
       renamed.error().kind == ErrorKind::exists ? "target name already exists" : "cannot rename the mailbox");
    co_return true;
  }
  if (selected_ && selected_->box.id == renamed->id) {
    selected_->box.name = renamed->name;
  }
  ok(command.tag, "RENAME completed");
  co_return true;
}

io::Task<bool> Session::cmd_subscribe(const pi::Command& command, bool subscribe) {
  std::string name = command.as<pi::MailboxArgs>().mailbox;
  store::AccountId account = account_->id;
  Status done = co_await storage([&] {
    if (subscribe) {
      // RFC 9051 §6.3.7 lets a server refuse names that do not exist; we do, so clients see
      // typos at once. Unsubscribing never needs the mailbox.
      auto box = store().find_mailbox(account, name);
      if (!box) {
        return Status(box.error());
      }
    }
    return mail().set_subscribed(account, name, subscribe);
  });
  if (!done) {
    no(command.tag, code_for(done.error()), "cannot change the subscription");
    co_return true;
  }
  ok(command.tag, subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
  co_return true;
}

io::Task<bool> Session::cmd_list(const pi::Command& command) {
  const auto& args = command.as<pi::ListArgs>();
  bool lsub = command.kind == pi::CommandKind::lsub;
  if (!lsub && !args.extended && args.patterns.size() == 1 && args.patterns.front().empty()) {
    // RFC 9051 §6.3.9: LIST "" "" asks for the hierarchy delimiter.
    pi::ListEntry entry;
    entry.attributes = {"\\Noselect"};
    entry.delimiter = '/';
    entry.mailbox = "";
    send(pi::list_response(entry, utf8_names()));
    ok(command.tag, "LIST completed");
    co_return true;
  }
  store::AccountId account = account_->id;
  struct Data {
    Result<std::vector<store::Mailbox>> boxes = make_error(ErrorKind::temporary, "");
    Result<std::vector<std::string>> subscriptions = make_error(ErrorKind::temporary, "");
  };
  Data data = co_await storage([&] {
    Data d;
    d.boxes = store().list_mailboxes(account);
    d.subscriptions = store().list_subscriptions(account);
    return d;
  });
  if (!data.boxes || !data.subscriptions) {
    no(command.tag, pi::Code::unavailable, "cannot list mailboxes now");
    co_return true;
  }
  ListRequest request;
  request.reference = args.reference;
  request.patterns = args.patterns;
  request.lsub = lsub;
  request.select_subscribed = args.select_subscribed || lsub;
  request.select_special_use = args.select_special_use;
  request.recursive_match = args.select_recursivematch;
  request.return_subscribed = args.return_subscribed || args.select_subscribed;
  request.return_children = true;  // \HasChildren/\HasNoChildren always (RFC 9051 §7.3.1)
  request.return_special_use = true;
  std::vector<ListedMailbox> listed = list_mailboxes(*data.boxes, *data.subscriptions, request);
  std::vector<std::pair<std::string, store::MailboxId>> status_targets;
  for (const auto& item : listed) {
    send(pi::list_response(item.entry, utf8_names(), lsub));
    if (args.return_status && item.mailbox_id != 0 && !item.noselect) {
      store::MailboxId id = item.mailbox_id;
      auto status = co_await storage([&] { return store().mailbox_status(account, id); });
      if (status) {
        std::vector<std::pair<pi::StatusItem, std::uint64_t>> values;
        for (pi::StatusItem what : *args.return_status) {
          values.emplace_back(what, status_value(*status, what, service_.settings().max_message_bytes));
        }
        send(pi::status_response(item.entry.mailbox, values, utf8_names()));
      }
    }
  }
  ok(command.tag, lsub ? "LSUB completed" : "LIST completed");
  co_return true;
}

io::Task<bool> Session::cmd_status(const pi::Command& command) {
  const auto& args = command.as<pi::StatusArgs>();
  store::AccountId account = account_->id;
  struct Data {
    Result<store::Mailbox> box = make_error(ErrorKind::temporary, "");
    Result<store::MailboxStatus> status = make_error(ErrorKind::temporary, "");
  };
  Data data = co_await storage([&] {
    Data d;
    d.box = store().find_mailbox(account, args.mailbox);
    if (d.box) {
      d.status = store().mailbox_status(account, d.box->id);
    }
    return d;
  });
  if (!data.box) {
    no(command.tag, code_for(data.box.error()), "no such mailbox");
    co_return true;
  }
  if (!data.status) {
    no(command.tag, pi::Code::unavailable, "cannot read the mailbox now");
    co_return true;
  }
  std::vector<std::pair<pi::StatusItem, std::uint64_t>> values;
  std::string mailboxid;
  for (pi::StatusItem item : args.items) {
    if (item == pi::StatusItem::mailboxid) {
      mailboxid = mailbox_object_id(*data.box);
      continue;
    }
    values.emplace_back(item, status_value(*data.status, item, service_.settings().max_message_bytes));
    if (item == pi::StatusItem::highestmodseq) {
      condstore_ = true;  // RFC 7162 §3.1: STATUS HIGHESTMODSEQ is a CONDSTORE-enabling command
    }
  }
  std::string line = pi::status_response(data.box->name, values, utf8_names());
  if (!mailboxid.empty()) {
    // RFC 8474 §4: MAILBOXID (id) inside the STATUS list.
    std::size_t close = line.rfind(')');
    if (close != std::string::npos) {
      std::string insert = std::string(values.empty() ? "" : " ") + "MAILBOXID (" + mailboxid + ")";
      line.insert(close, insert);
    }
  }
  send(line);
  ok(command.tag, "STATUS completed");
  co_return true;
}

io::Task<bool> Session::cmd_append(const pi::Command& command) {
  const auto& args = command.as<pi::AppendArgs>();
  for (const auto& message : args.messages) {
    for (const auto& flag : message.flags) {
      if (!is_settable_flag(flag)) {
        bad(command.tag, "unknown system flag (reserved flag-extension)");
        co_return true;
      }
    }
  }
  store::AccountId account = account_->id;
  struct Outcome {
    Status status = ok_status();
    std::uint32_t uidvalidity = 0;
    std::vector<std::uint32_t> uids;
    store::MailboxId mailbox = 0;
  };
  Outcome outcome = co_await storage([&] {
    Outcome o;
    for (const auto& message : args.messages) {
      mail::Delivery delivery;
      delivery.bytes = message.data;
      for (const auto& flag : message.flags) {
        if (flag != "\\Recent") {
          delivery.flags.push_back(flag);
        }
      }
      delivery.internal_date = message.internal_date ? pi::to_unix_seconds(*message.internal_date) : 0;
      auto appended = mail().append_to(account, args.mailbox, std::move(delivery));
      if (!appended) {
        o.status = appended.error();
        // RFC 3502 §6: MULTIAPPEND is all or nothing; take back what went in already.
        if (!o.uids.empty()) {
          std::vector<store::Uid> undo(o.uids.begin(), o.uids.end());
          (void)mail().expunge(account, o.mailbox, undo);
        }
        o.uids.clear();
        return o;
      }
      o.mailbox = appended->mailbox;
      o.uidvalidity = appended->uidvalidity;
      o.uids.push_back(appended->meta.uid);
    }
    return o;
  });
  if (!outcome.status) {
    const Error& e = outcome.status.error();
    if (e.kind == ErrorKind::not_found) {
      no(command.tag, pi::Code::trycreate, "no such mailbox");
    } else if (e.kind == ErrorKind::limit) {
      no(command.tag, pi::Code::toobig, "message too large");
    } else if (e.kind == ErrorKind::bad_syntax) {
      no(command.tag, pi::Code::cannot, "message refused: " + e.detail);
    } else {
      no(command.tag, code_for(e), e.kind == ErrorKind::over_quota ? "quota exceeded" : "cannot append now");
    }
    co_return true;
  }
  if (selected_ && selected_->box.id == outcome.mailbox) {
    co_await sync_selected(false);
  }
  ok(command.tag, pi::codes::appenduid(outcome.uidvalidity, outcome.uids), "APPEND completed");
  co_return true;
}

io::Task<bool> Session::cmd_close(const pi::Command& command, bool expunge) {
  if (expunge && !selected_->read_only) {
    // RFC 9051 §6.4.1: CLOSE removes \Deleted messages silently.
    std::vector<store::Uid> doomed;
    const Snapshot& messages = selected_->messages;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (messages.has_flag(i, "\\Deleted")) {
        doomed.push_back(messages.uid(i));
      }
    }
    if (!doomed.empty()) {
      store::AccountId account = account_->id;
      store::MailboxId mailbox = selected_->box.id;
      auto removed = co_await storage([&] { return mail().expunge(account, mailbox, doomed); });
      if (!removed) {
        no(command.tag, pi::Code::unavailable, "cannot expunge now; mailbox stays selected");
        co_return true;
      }
    }
  }
  deselect();
  ok(command.tag, expunge ? "CLOSE completed" : "UNSELECT completed");
  co_return true;
}

io::Task<bool> Session::cmd_getquota(const pi::Command& command) {
  store::AccountId account = account_->id;
  struct Data {
    Result<store::Account> account = make_error(ErrorKind::temporary, "");
    Result<store::Usage> usage = make_error(ErrorKind::temporary, "");
    Result<store::Mailbox> box = make_error(ErrorKind::temporary, "");
  };
  std::string mailbox = command.kind == pi::CommandKind::getquotaroot ? command.as<pi::MailboxArgs>().mailbox : "";
  bool root_query = command.kind == pi::CommandKind::getquota;
  std::string root = root_query ? command.as<pi::QuotaRootArgs>().root : "";
  Data data = co_await storage([&] {
    Data d;
    d.account = store().get_account(account);
    d.usage = store().usage(account);
    if (!root_query) {
      d.box = store().find_mailbox(account, mailbox);
    }
    return d;
  });
  if (!data.account || !data.usage) {
    no(command.tag, pi::Code::unavailable, "cannot read the quota now");
    co_return true;
  }
  if (root_query && !root.empty()) {
    no(command.tag, pi::Code::nonexistent, "the only quota root is \"\"");
    co_return true;
  }
  if (!root_query && !data.box) {
    no(command.tag, code_for(data.box.error()), "no such mailbox");
    co_return true;
  }
  // One quota root "" per account, covering every mailbox (RFC 9208 §3).
  std::vector<pi::QuotaResource> resources;
  if (data.account->quota_bytes != 0) {
    resources.push_back({"STORAGE", (data.usage->bytes + 1023) / 1024, data.account->quota_bytes / 1024});
  }
  if (data.account->quota_messages != 0) {
    resources.push_back({"MESSAGE", data.usage->messages, data.account->quota_messages});
  }
  if (!root_query) {
    std::vector<std::string> roots;
    if (!resources.empty()) {
      roots.push_back("");
    }
    send(pi::quotaroot_response(data.box->name, roots, utf8_names()));
  }
  if (root_query && resources.empty()) {
    // RFC 9208 §7: a QUOTA response names at least one resource; with no limits set the
    // account has no quota root at all.
    no(command.tag, pi::Code::nonexistent, "no quota is set for this account");
    co_return true;
  }
  if (!resources.empty()) {
    send(pi::quota_response("", resources));
  }
  ok(command.tag, root_query ? "GETQUOTA completed" : "GETQUOTAROOT completed");
  co_return true;
}

}  // namespace postroom::server::imap
