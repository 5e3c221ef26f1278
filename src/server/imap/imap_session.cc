#include <atomic>
#include <cstdio>

#include "base/log.h"
#include "io/offload.h"
#include "server/imap/session.h"

namespace postroom::server::imap {
namespace {

std::atomic<std::uint64_t> g_session_counter{0};

std::string new_session_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "i%llx", static_cast<unsigned long long>(g_session_counter.fetch_add(1) + 1));
  return buf;
}

// A client that keeps sending broken commands is cut off: it is broken or probing.
constexpr int kMaxBadCommands = 30;
constexpr std::size_t kKeptOutputCapacity = 64 * 1024;  // output buffer kept between commands

pi::Limits make_limits(const ImapSettings& settings) {
  pi::Limits limits;
  limits.max_append_literal = settings.max_message_bytes;
  limits.literal_mode = pi::LiteralMode::literal_plus;
  return limits;
}

}  // namespace

Session::Session(ImapService& service, std::unique_ptr<io::Stream> stream, ListenerKind kind)
    : service_(service),
      stream_(std::move(stream)),
      kind_(kind),
      parser_(make_limits(service.settings())),
      id_(new_session_id()),
      alive_(std::make_shared<bool>(true)) {}

Session::~Session() {
  *alive_ = false;
}

io::Task<bool> Session::flush() {
  if (out_.empty()) {
    co_return true;
  }
  // One co_await per statement: GCC 12 miscompiles co_await in conditional operands (see
  // idle_wake).
  Status written = ok_status();
  if (deflate_) {
    written = co_await stream_->write_all(deflate_->compress(out_));
  } else {
    written = co_await stream_->write_all(out_);
  }
  out_.clear();
  if (out_.capacity() > kKeptOutputCapacity) {
    std::string().swap(out_);  // a large FETCH's buffer is not kept for the session's life
  }
  co_return written.ok();
}

io::Task<Session::Input> Session::read_input(std::chrono::milliseconds timeout) {
  if (!co_await flush()) {
    co_return Input::closed;
  }
  // Per thread, not per session (see session.h): filled and consumed with no await between.
  thread_local std::array<char, 16384> buffer;
  auto n = co_await stream_->read_some(buffer.data(), buffer.size(), timeout);
  if (!n) {
    const std::string& why = n.error().detail;
    co_return (why == "interrupted" || why == "timeout") ? Input::tick : Input::closed;
  }
  if (*n == 0) {
    co_return Input::closed;
  }
  std::string_view bytes(buffer.data(), *n);
  if (deflate_) {
    std::string plain;
    if (!deflate_->decompress(bytes, plain)) {
      co_return Input::closed;
    }
    parser_.feed(plain);
  } else {
    parser_.feed(bytes);
  }
  co_return Input::data;
}

io::Task<bool> Session::read_more(std::chrono::milliseconds timeout) {
  Input input = co_await read_input(timeout);
  if (input == Input::tick) {
    send(pi::untagged(pi::Condition::bye, "autologout: idle for too long"));
    co_await flush();
    co_return false;
  }
  co_return input == Input::data;
}

void Session::on_change(const push::ChangeEvent& event) {
  // Runs on the publisher's thread: hop to ours.
  std::weak_ptr<bool> alive = alive_;
  io::asio::post(stream_->socket().get_executor(), [this, alive, event] {
    auto flag = alive.lock();
    if (!flag || !*flag) {
      return;
    }
    if (selected_ && event.mailbox == selected_->box.id) {
      changes_pending_ = true;
      if (idling_) {
        stream_->interrupt();
      }
    }
  });
}

std::vector<std::string> Session::capabilities() const {
  std::vector<std::string> caps{"IMAP4rev1", "IMAP4rev2"};
  if (kind_ == ListenerKind::starttls && !stream_->is_tls() && service_.tls() != nullptr) {
    caps.push_back("STARTTLS");
  }
  if (state_ == State::not_authenticated) {
    if (plaintext_allowed()) {
      caps.push_back("AUTH=PLAIN");
      caps.push_back("AUTH=LOGIN");
      caps.push_back("SASL-IR");
    } else {
      caps.push_back("LOGINDISABLED");
    }
  }
  for (const char* cap : {"LITERAL+",
                          "ID",
                          "ENABLE",
                          "NAMESPACE",
                          "UNSELECT",
                          "IDLE",
                          "UIDPLUS",
                          "MOVE",
                          "CONDSTORE",
                          "QRESYNC",
                          "SPECIAL-USE",
                          "CREATE-SPECIAL-USE",
                          "LIST-EXTENDED",
                          "LIST-STATUS",
                          "ESEARCH",
                          "SEARCHRES",
                          "SORT",
                          "THREAD=REFERENCES",
                          "THREAD=ORDEREDSUBJECT",
                          "QUOTA",
                          "QUOTA=RES-STORAGE",
                          "QUOTA=RES-MESSAGE",
                          "UTF8=ACCEPT",
                          "STATUS=SIZE",
                          "SAVEDATE",
                          "OBJECTID",
                          "MULTIAPPEND",
                          "BINARY"}) {
    caps.push_back(cap);
  }
  if (!deflate_) {
    caps.push_back("COMPRESS=DEFLATE");
  }
  caps.push_back("APPENDLIMIT=" + std::to_string(service_.settings().max_message_bytes));
  return caps;
}

io::Task<void> Session::run() {
  io::SessionGuard guard(service_.runtime(), *stream_);
  log::info("imap.connect", {{"session", id_}, {"remote", stream_->remote_address()}});
  if (kind_ == ListenerKind::tls) {
    Status handshake = co_await stream_->start_tls(service_.tls(), service_.settings().tls_handshake_timeout);
    if (!handshake) {
      log::info("imap.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
      stream_->close();
      co_return;
    }
  }
  send(pi::untagged(pi::Condition::ok, pi::codes::capability(capabilities()), "Postroom IMAP ready"));
  bool open = true;
  while (open && state_ != State::logout) {
    if (idle_) {
      // IDLE parks here, in run()'s own frame: while the client and the mailbox are quiet
      // the connection holds this frame, the socket wait and the session, nothing more.
      IdleNext next = idle_next();
      if (next.action != IdleNext::park) {
        open = next.action == IdleNext::ended;
        continue;
      }
      if (!co_await flush()) {
        break;
      }
      bool readable = false;
      if (!changes_pending_) {
        parser_.release_memory();
        std::string().swap(out_);
        idling_ = true;
        Status woke = co_await stream_->wait_readable(next.wait);
        idling_ = false;
        if (!woke && woke.error().detail != "interrupted" && woke.error().detail != "timeout") {
          break;  // cancelled (shutdown) or a socket error
        }
        readable = woke.ok();
      }
      open = co_await idle_wake(readable, next.wait);
      continue;
    }
    pi::ParseResult item = parser_.next();
    if (std::holds_alternative<pi::NeedMore>(item)) {
      if (service_.runtime().stopping()) {
        send(pi::untagged(pi::Condition::bye, "server shutting down"));
        break;
      }
      auto timeout =
          state_ == State::not_authenticated ? service_.settings().preauth_timeout : service_.settings().idle_timeout;
      if (!co_await read_more(std::chrono::duration_cast<std::chrono::milliseconds>(timeout))) {
        break;
      }
      continue;
    }
    if (auto* more = std::get_if<pi::ContinuationNeeded>(&item)) {
      send(pi::continuation(more->text));
      continue;
    }
    if (auto* error = std::get_if<pi::ParseError>(&item)) {
      send(pi::response_for(*error));
      if (error->close_connection || ++bad_commands_ >= kMaxBadCommands) {
        if (!error->close_connection) {
          send(pi::untagged(pi::Condition::bye, "too many bad commands"));
        }
        break;
      }
      continue;
    }
    if (std::holds_alternative<pi::SaslResponse>(item) || std::holds_alternative<pi::IdleDone>(item)) {
      send(pi::untagged(pi::Condition::bad, "unexpected continuation data"));
      continue;
    }
    auto& command = std::get<pi::Command>(item);
    open = co_await dispatch(command);
  }
  co_await flush();
  stream_->close();
  log::info("imap.disconnect", {{"session", id_}, {"user", account_ ? account_->address : ""}});
}

bool Session::allowed_in_state(const pi::Command& command, std::string& why) const {
  using K = pi::CommandKind;
  switch (command.kind) {
    case K::capability:
    case K::noop:
    case K::logout:
    case K::id: return true;
    case K::starttls:
    case K::login:
    case K::authenticate:
      if (state_ != State::not_authenticated) {
        why = "already authenticated";
        return false;
      }
      return true;
    case K::fetch:
    case K::store:
    case K::search:
    case K::copy:
    case K::move:
    case K::expunge:
    case K::close:
    case K::unselect:
    case K::sort:
    case K::thread:
    case K::check:
      if (state_ != State::selected) {
        why = state_ == State::not_authenticated ? "log in first" : "select a mailbox first";
        return false;
      }
      return true;
    default:
      if (state_ == State::not_authenticated) {
        why = "log in first";
        return false;
      }
      return true;
  }
}

io::Task<bool> Session::dispatch(pi::Command& command) {
  using K = pi::CommandKind;
  std::string why;
  if (!allowed_in_state(command, why)) {
    bad(command.tag, why);
    co_return ++bad_commands_ < kMaxBadCommands;
  }
  bad_commands_ = 0;
  // Commands that use sequence numbers must not see the numbering change under them.
  bool sequence_sensitive =
      !command.uid &&
      (command.kind == K::fetch || command.kind == K::store || command.kind == K::search || command.kind == K::copy ||
       command.kind == K::move || command.kind == K::sort || command.kind == K::thread);
  bool result = true;
  switch (command.kind) {
    case K::capability: result = co_await cmd_capability(command); break;
    case K::noop:
    case K::check:
      if (selected_) {
        co_await sync_selected(true);
      }
      ok(command.tag, std::string(pi::command_name(command.kind)) + " completed");
      break;
    case K::logout:
      send(pi::untagged(pi::Condition::bye, "Postroom IMAP server logging out"));
      ok(command.tag, "LOGOUT completed");
      state_ = State::logout;
      break;
    case K::starttls: result = co_await cmd_starttls(command); break;
    case K::login: result = co_await cmd_login(command); break;
    case K::authenticate: result = co_await cmd_authenticate(command); break;
    case K::enable: result = co_await cmd_enable(command); break;
    case K::id: result = co_await cmd_id(command); break;
    case K::namespace_: result = co_await cmd_namespace(command); break;
    case K::compress: result = co_await cmd_compress(command); break;
    case K::select:
    case K::examine: result = co_await cmd_select(command); break;
    case K::create: result = co_await cmd_create(command); break;
    case K::delete_mailbox: result = co_await cmd_delete(command); break;
    case K::rename: result = co_await cmd_rename(command); break;
    case K::subscribe: result = co_await cmd_subscribe(command, true); break;
    case K::unsubscribe: result = co_await cmd_subscribe(command, false); break;
    case K::list:
    case K::lsub: result = co_await cmd_list(command); break;
    case K::status: result = co_await cmd_status(command); break;
    case K::append: result = co_await cmd_append(command); break;
    case K::idle: result = co_await start_idle(command); break;
    case K::close: result = co_await cmd_close(command, true); break;
    case K::unselect: result = co_await cmd_close(command, false); break;
    case K::expunge: result = co_await cmd_expunge(command); break;
    case K::fetch: result = co_await cmd_fetch(command); break;
    case K::store: result = co_await cmd_store(command); break;
    case K::search: result = co_await cmd_search(command); break;
    case K::sort:
    case K::thread: result = co_await cmd_sort_thread(command); break;
    case K::copy: result = co_await cmd_copy_move(command, false); break;
    case K::move: result = co_await cmd_copy_move(command, true); break;
    case K::getquota:
    case K::getquotaroot: result = co_await cmd_getquota(command); break;
    case K::setquota:
      // Quotas are the administrator's (postroom quota set); RFC 9208 §4.1.3 allows NO.
      no(command.tag, pi::Code::noperm, "quotas are set by the administrator");
      break;
  }
  // Other sessions' changes ride along with the next response where the RFC allows.
  if (selected_ && changes_pending_ && state_ == State::selected && command.kind != K::noop &&
      command.kind != K::check && command.kind != K::idle) {
    // The tagged reply is already queued; untagged updates go before it.
    std::string tagged_reply = std::move(out_);
    out_.clear();
    co_await sync_selected(!sequence_sensitive);
    out_ += tagged_reply;
  }
  co_return result;
}

io::Task<void> Session::sync_selected(bool allow_expunge) {
  if (!selected_) {
    co_return;
  }
  changes_pending_ = false;
  store::AccountId account = account_->id;
  store::MailboxId mailbox = selected_->box.id;
  store::ModSeq since = selected_->synced_modseq;
  struct Changes {
    Result<store::Mailbox> box = make_error(ErrorKind::temporary, "");
    Result<std::vector<store::MessageMeta>> changed = make_error(ErrorKind::temporary, "");
    Result<std::vector<store::Uid>> expunged = make_error(ErrorKind::temporary, "");
  };
  Changes changes = co_await storage([&] {
    Changes c;
    c.box = store().get_mailbox(account, mailbox);
    if (c.box && c.box->highestmodseq <= since) {
      // Nothing new: one cheap row read, which is all an IDLE poll tick usually costs.
      c.changed = std::vector<store::MessageMeta>{};
      c.expunged = std::vector<store::Uid>{};
    } else if (c.box) {
      c.changed = store().list_flags_since(account, mailbox, since);
      c.expunged = store().expunged_since(account, mailbox, since);
    }
    return c;
  });
  if (!changes.box) {
    if (changes.box.error().kind == ErrorKind::not_found) {
      // Deleted by another session: RFC 9051 §7.1 — say BYE? We close the mailbox instead.
      send(pi::untagged(pi::Condition::ok, pi::ResponseCode{pi::Code::closed, ""}, "mailbox was deleted"));
      deselect();
    }
    co_return;
  }
  if (!changes.changed || !changes.expunged) {
    co_return;
  }
  // Everything up to the mailbox's highest modseq read first is complete in both lists;
  // later entries wait for the next sync (they might be only half seen).
  store::ModSeq ceiling = changes.box->highestmodseq;
  SelectedMailbox& sel = *selected_;
  bool expunges_left = false;
  if (allow_expunge) {
    std::vector<store::Uid> gone;
    for (store::Uid uid : *changes.expunged) {
      gone.push_back(uid);
    }
    if (!gone.empty()) {
      report_expunged(gone);
    }
  } else {
    expunges_left = !changes.expunged->empty();
  }
  std::uint32_t before = static_cast<std::uint32_t>(sel.messages.size());
  for (const auto& meta : *changes.changed) {
    if (meta.modseq > ceiling) {
      continue;
    }
    if (auto i = sel.messages.find(meta.uid)) {
      if (sel.messages.flags(*i) != meta.flags || sel.messages.modseq(*i) != meta.modseq) {
        bool flags_changed = sel.messages.flags(*i) != meta.flags;
        sel.messages.set(*i, meta.modseq, meta.flags);
        if (flags_changed || condstore_) {
          pi::FetchResponse fetch(static_cast<std::uint32_t>(*i) + 1);
          fetch.uid(meta.uid);
          fetch.flags(meta.flags);
          if (condstore_) {
            fetch.modseq(meta.modseq);
          }
          send(std::move(fetch).finish());
        }
      }
    } else if (meta.uid > sel.messages.last_uid()) {
      sel.messages.push_back(meta.uid, meta.modseq, meta.flags);
    }
  }
  if (sel.messages.size() != before) {
    send(pi::exists_response(static_cast<std::uint32_t>(sel.messages.size())));
  }
  if (!expunges_left) {
    sel.synced_modseq = std::max(sel.synced_modseq, ceiling);
    share_snapshot();
  } else {
    changes_pending_ = true;  // report the expunges at the next allowed point
  }
}

void Session::share_snapshot() {
  // Sessions on one mailbox that have each reported the same changes hold equal snapshots:
  // keep one copy between them (the cache's), not one per connection. Equal messages and
  // modseqs are required, not just the same HIGHESTMODSEQ: a session may have taken a change
  // past its ceiling that another has not reported yet.
  SelectedMailbox& sel = *selected_;
  SnapshotCache& cache = service_.snapshots();
  auto cached = cache.get(account_->id, sel.box.id);
  if (cached && cached->uidvalidity == sel.box.uidvalidity && cached->modseq >= sel.synced_modseq) {
    // As new as ours: share it if it is the same list (the comparison is linear, so it is
    // skipped below, where ours replaces an older entry anyway).
    if (!cached->snapshot.shares_data_with(sel.messages) && cached->snapshot.same_messages(sel.messages)) {
      sel.messages = cached->snapshot;
    }
    return;
  }
  // Ours is newer (or nothing is cached): offer it, so the next sessions to sync share it.
  cache.put(account_->id, sel.box.id, SnapshotCache::Entry{sel.box.uidvalidity, sel.synced_modseq, sel.messages});
}

void Session::report_expunged(const std::vector<store::Uid>& uids) {
  SelectedMailbox& sel = *selected_;
  std::vector<std::uint32_t> vanished;
  // Highest sequence number first, so every EXPUNGE names a number valid at that moment.
  for (auto it = uids.rbegin(); it != uids.rend(); ++it) {
    auto pos = sel.messages.find(*it);
    if (!pos) {
      continue;
    }
    std::uint32_t seq = static_cast<std::uint32_t>(*pos) + 1;
    sel.messages.erase(*pos);
    if (qresync_) {
      vanished.push_back(*it);
    } else {
      send(pi::expunge_response(seq));
    }
    sel.saved_search.erase(std::remove(sel.saved_search.begin(), sel.saved_search.end(), *it), sel.saved_search.end());
  }
  if (!vanished.empty()) {
    std::sort(vanished.begin(), vanished.end());
    send(pi::vanished_response(vanished, false));
  }
}

io::Task<bool> Session::start_idle(const pi::Command& command) {
  send(pi::continuation("idling"));
  if (selected_) {
    co_await sync_selected(true);
  }
  parser_.expect_idle_done();
  idle_ = Idle{command.tag, std::chrono::steady_clock::now() + service_.settings().idle_timeout};
  co_return true;
}

Session::IdleNext Session::idle_next() {
  pi::ParseResult item = parser_.next();
  if (std::holds_alternative<pi::IdleDone>(item)) {
    ok(idle_->tag, "IDLE terminated");
    idle_.reset();
    return {IdleNext::ended};
  }
  if (auto* error = std::get_if<pi::ParseError>(&item)) {
    send(pi::tagged(idle_->tag, pi::Condition::bad, "expected DONE"));
    idle_.reset();
    return {error->close_connection ? IdleNext::close : IdleNext::ended};
  }
  if (!std::holds_alternative<pi::NeedMore>(item)) {
    bad(idle_->tag, "expected DONE");
    idle_.reset();
    return {IdleNext::ended};
  }
  if (service_.runtime().stopping()) {
    send(pi::untagged(pi::Condition::bye, "server shutting down"));
    return {IdleNext::close};
  }
  auto now = std::chrono::steady_clock::now();
  if (now >= idle_->deadline) {
    send(pi::untagged(pi::Condition::bye, "IDLE for too long"));
    return {IdleNext::close};
  }
  // The poll tick picks up changes made by other processes (the CLI's deliver), which do not
  // reach the ChangeBus.
  return {IdleNext::park, std::min<std::chrono::milliseconds>(
                              service_.settings().idle_poll,
                              std::chrono::duration_cast<std::chrono::milliseconds>(idle_->deadline - now))};
}

io::Task<bool> Session::idle_wake(bool readable, std::chrono::milliseconds wait) {
  // (No co_await inside && here: GCC 12 miscompiles a co_await in a short-circuit operand.)
  if (readable) {
    Input input = co_await read_input(wait);
    if (input == Input::closed) {
      co_return false;
    }
  }
  if (selected_) {
    co_await sync_selected(true);
  }
  co_return true;
}

}  // namespace postroom::server::imap

namespace postroom::server::imap {

io::Task<void> ImapService::serve(std::unique_ptr<io::Stream> stream, ListenerKind kind) {
  Session session(*this, std::move(stream), kind);
  co_await session.run();
}

}  // namespace postroom::server::imap
