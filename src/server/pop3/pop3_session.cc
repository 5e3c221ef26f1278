#include "server/pop3/pop3_session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/offload.h"
#include "proto/pop3/command_parser.h"
#include "proto/pop3/response.h"
#include "proto/sasl/base64.h"
#include "proto/sasl/mechanism.h"
#include "server/pop3/dot_stuffer.h"
#include "server/pop3/maildrop.h"

namespace postroom::server::pop3 {
namespace {

namespace p3 = postroom::pop3;
using p3::RespCode;

// Replies are flushed once this much is pending, so a large RETR streams instead of
// accumulating in memory behind a pipelining client.
constexpr std::size_t kFlushThreshold = 64 * 1024;
// A RETR body is encoded this much at a time, so the output buffer stays near
// kFlushThreshold + kBodySlice however large the message.
constexpr std::size_t kBodySlice = 64 * 1024;
// A client that keeps sending bad commands is cut off: it is broken or probing.
constexpr int kMaxConsecutiveErrors = 20;
// Failed logins in one connection before we hang up (the limiter counts across connections).
constexpr int kMaxLoginFailuresPerSession = 5;
// SASL responses: the longest our mechanisms accept, plus CRLF (see proto/sasl/mechanism.h).
constexpr std::size_t kMaxSaslLine = sasl::kMaxEncodedResponse + 2;

std::atomic<std::uint64_t> g_session_counter{0};

std::string new_session_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "p%llx", static_cast<unsigned long long>(g_session_counter.fetch_add(1) + 1));
  return buf;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class Session {
 public:
  Session(Pop3Service& service, std::unique_ptr<io::Stream> stream, ListenerKind kind)
      : service_(service),
        settings_(service.settings()),
        stream_(std::move(stream)),
        kind_(kind),
        parser_(p3::Limits{}),
        id_(new_session_id()) {}

  io::Task<void> run();

 private:
  enum class State { authorization, transaction };

  io::Task<bool> handle(p3::Command& command);
  io::Task<bool> handle_authorization(p3::Command& command);
  io::Task<bool> handle_transaction(p3::Command& command);
  io::Task<bool> do_stls();
  io::Task<bool> do_pass(std::string password);
  io::Task<bool> do_auth(p3::Command& command);
  io::Task<bool> finish_login(const std::string& user, std::string_view password);
  io::Task<bool> do_quit_update();
  io::Task<bool> do_retr_or_top(const p3::Command& command);
  // The stored bytes of message `index`: from the read-ahead cache, else from the store (a
  // RETR also reads ahead, see maildrop.h).
  io::Task<Result<std::string>> read_body(std::size_t index, bool retr);
  // Queues `body` dot-stuffed and terminated, flushing as the buffer fills. False when the
  // connection failed.
  io::Task<bool> send_body(std::string_view body);
  io::Task<std::optional<std::string>> read_sasl_line();
  io::Task<bool> flush();

  void reply(std::string line) { out_ += line; }
  void send_capa();
  bool plaintext_allowed() const { return stream_->is_tls() || settings_.allow_plaintext_auth; }
  // Looks up a message number; replies -ERR and returns nullopt when it is invalid.
  std::optional<std::size_t> message_index(std::uint32_t number);
  std::string uidl_of(const store::MessageMeta& meta) const;

  Pop3Service& service_;
  const Pop3Settings& settings_;
  std::unique_ptr<io::Stream> stream_;
  ListenerKind kind_;
  p3::CommandParser parser_;
  std::string id_;
  std::string out_;
  State state_ = State::authorization;
  std::optional<std::string> pending_user_;
  bool utf8_ = false;
  int consecutive_errors_ = 0;
  int login_failures_ = 0;
  std::string user_;
  std::optional<MaildropLock> lock_;
  Maildrop drop_;
};

io::Task<bool> Session::flush() {
  if (out_.empty()) {
    co_return true;
  }
  Status written = co_await stream_->write_all(out_);
  out_.clear();
  if (!written) {
    log::debug("pop3.write_failed", {{"session", id_}, {"error", written.error().detail}});
  }
  co_return written.ok();
}

void Session::send_capa() {
  std::string capa = p3::ok("Capability list follows");
  capa += "TOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\n";
  if (state_ == State::authorization && plaintext_allowed()) {
    capa += "USER\r\nSASL PLAIN LOGIN\r\n";
  }
  if (state_ == State::authorization && kind_ == ListenerKind::starttls && !stream_->is_tls() &&
      service_.tls() != nullptr) {
    capa += "STLS\r\n";
  }
  capa += "EXPIRE " + settings_.expire + "\r\n";
  if (settings_.login_delay_seconds > 0) {
    capa += "LOGIN-DELAY " + std::to_string(settings_.login_delay_seconds) + "\r\n";
  }
  capa += "UTF8\r\nIMPLEMENTATION Postroom\r\n";
  capa += p3::kMultiLineEnd;
  reply(std::move(capa));
}

std::string Session::uidl_of(const store::MessageMeta& meta) const {
  // Stable across sessions: UIDs never change while UIDVALIDITY stays; the pair is unique for
  // the life of the mailbox (RFC 1939 §7 allows 1-70 characters 0x21-0x7E).
  return std::to_string(drop_.uidvalidity) + "." + std::to_string(meta.uid);
}

std::optional<std::size_t> Session::message_index(std::uint32_t number) {
  if (number == 0 || number > drop_.messages.size()) {
    reply(p3::err("no such message"));
    return std::nullopt;
  }
  std::size_t index = number - 1;
  if (drop_.deleted[index]) {
    reply(p3::err("message " + std::to_string(number) + " already deleted"));
    return std::nullopt;
  }
  return index;
}

io::Task<void> Session::run() {
  io::SessionGuard guard(service_.runtime(), *stream_);
  log::info("pop3.connect", {{"session", id_}, {"remote", stream_->remote_address()}});
  if (kind_ == ListenerKind::tls) {
    Status handshake = co_await stream_->start_tls(service_.tls(), settings_.tls_handshake_timeout);
    if (!handshake) {
      log::info("pop3.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
      stream_->close();
      co_return;
    }
  }
  reply(p3::ok("Postroom POP3 server ready"));
  std::array<char, 4096> buffer;
  bool open = true;
  while (open) {
    p3::ParseResult item = parser_.next();
    if (std::holds_alternative<p3::NeedMore>(item)) {
      if (service_.runtime().stopping()) {
        // Graceful shutdown between commands: nothing is deleted (no QUIT was given).
        reply(p3::err_code(RespCode::sys_temp, "server shutting down, try again shortly"));
        co_await flush();
        break;
      }
      if (!co_await flush()) {
        break;
      }
      auto n = co_await stream_->read_some(buffer.data(), buffer.size(), settings_.idle_timeout);
      if (!n || *n == 0) {
        // RFC 1939 §3: on autologout timeout or a dropped connection the server closes
        // without entering UPDATE: no message is removed.
        if (!n && !service_.runtime().stopping() && n.error().detail == "timeout") {
          log::info("pop3.timeout", {{"session", id_}});
        }
        break;
      }
      parser_.feed(std::string_view(buffer.data(), *n));
      continue;
    }
    if (auto* error = std::get_if<p3::ParseError>(&item)) {
      reply(p3::err(error->text));
      open = ++consecutive_errors_ < kMaxConsecutiveErrors;
      continue;
    }
    if (std::holds_alternative<p3::SaslResponse>(item)) {
      reply(p3::err("unexpected SASL response"));
      continue;
    }
    auto& command = std::get<p3::Command>(item);
    open = co_await handle(command);
    if (out_.size() >= kFlushThreshold && open) {
      open = co_await flush();
    }
  }
  if (open == false && consecutive_errors_ >= kMaxConsecutiveErrors) {
    reply(p3::err("too many errors, closing connection"));
  }
  co_await flush();
  stream_->close();
  log::info("pop3.disconnect", {{"session", id_}, {"user", user_}});
}

io::Task<bool> Session::handle(p3::Command& command) {
  consecutive_errors_ = 0;
  if (command.verb == p3::Verb::capa) {
    send_capa();
    co_return true;
  }
  if (state_ == State::authorization) {
    co_return co_await handle_authorization(command);
  }
  co_return co_await handle_transaction(command);
}

io::Task<bool> Session::handle_authorization(p3::Command& command) {
  using p3::Verb;
  switch (command.verb) {
    case Verb::quit: reply(p3::ok("Postroom POP3 server signing off")); co_return false;
    case Verb::stls: co_return co_await do_stls();
    case Verb::utf8:
      utf8_ = true;
      reply(p3::ok("UTF8 enabled"));
      co_return true;
    case Verb::user:
      if (!plaintext_allowed()) {
        reply(p3::err_code(RespCode::auth,
                           "plaintext authentication is disabled on an unencrypted "
                           "connection: use STLS first, or port 995"));
        co_return true;
      }
      if (!utf8_ && !is_ascii(command.user)) {
        reply(p3::err_code(RespCode::utf8, "send UTF8 before a non-ASCII user name"));
        co_return true;
      }
      pending_user_ = command.user;
      reply(p3::ok("send PASS"));
      co_return true;
    case Verb::pass: {
      if (!pending_user_) {
        reply(p3::err("send USER first"));
        co_return true;
      }
      co_return co_await do_pass(std::move(command.password));
    }
    case Verb::auth: co_return co_await do_auth(command);
    case Verb::apop:
      // APOP needs the plaintext password on the server; we keep only argon2id hashes.
      reply(p3::err("APOP is not supported: use USER/PASS or AUTH over TLS"));
      co_return true;
    default: reply(p3::err(std::string(p3::verb_name(command.verb)) + " is not valid before login")); co_return true;
  }
}

io::Task<bool> Session::do_stls() {
  if (kind_ != ListenerKind::starttls || stream_->is_tls() || service_.tls() == nullptr) {
    reply(p3::err(stream_->is_tls() ? "TLS is already active" : "STLS is not available on this port"));
    co_return true;
  }
  reply(p3::ok("begin TLS negotiation"));
  if (!co_await flush()) {
    co_return false;
  }
  // RFC 2595 §4 / CVE-2011-0411: anything the client pipelined after STLS was sent in
  // plaintext and must not be executed as if it came over TLS.
  parser_.clear();
  pending_user_.reset();
  Status handshake = co_await stream_->start_tls(service_.tls(), settings_.tls_handshake_timeout);
  if (!handshake) {
    log::info("pop3.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
    co_return false;
  }
  log::info("pop3.starttls", {{"session", id_}, {"tls", stream_->tls_description()}});
  co_return true;
}

io::Task<bool> Session::do_pass(std::string password) {
  std::string user = std::move(*pending_user_);
  pending_user_.reset();
  co_return co_await finish_login(user, password);
}

io::Task<bool> Session::finish_login(const std::string& user, std::string_view password) {
  std::string remote = stream_->remote_address();
  std::string pw(password);
  LoginOutcome outcome = co_await io::offload(service_.runtime().auth_pool(),
                                              [&] { return service_.authenticator().login(user, pw, remote); });
  if (outcome.delay.count() > 0) {
    io::asio::steady_timer timer(stream_->socket().get_executor(), outcome.delay);
    boost::system::error_code ignored;
    co_await timer.async_wait(io::asio::redirect_error(io::asio::use_awaitable, ignored));
  }
  switch (outcome.kind) {
    case LoginOutcome::Kind::success: break;
    case LoginOutcome::Kind::throttled:
      log::warn("pop3.login_throttled", {{"session", id_}, {"user", user}, {"remote", remote}});
      reply(p3::err_code(RespCode::auth, "too many failed logins, try again later"));
      co_return ++login_failures_ < kMaxLoginFailuresPerSession;
    case LoginOutcome::Kind::unavailable:
      log::error("pop3.login_unavailable", {{"session", id_}, {"detail", outcome.detail}});
      reply(p3::err_code(RespCode::sys_temp, "authentication temporarily unavailable"));
      co_return true;
    case LoginOutcome::Kind::bad_credentials:
      log::info("pop3.login_failed", {{"session", id_}, {"user", user}, {"remote", remote}});
      reply(p3::err_code(RespCode::auth, "invalid user name or password"));
      co_return ++login_failures_ < kMaxLoginFailuresPerSession;
  }
  store::Account account = std::move(outcome.account);
  if (!service_.admit_login(account.id)) {
    reply(p3::err_code(RespCode::login_delay,
                       "logging in too often, wait " + std::to_string(settings_.login_delay_seconds) + " seconds"));
    co_return true;
  }
  auto lock = service_.locks().try_lock(account.id);
  if (!lock) {
    reply(p3::err_code(RespCode::in_use, "maildrop is already locked by another session"));
    co_return true;
  }
  struct Loaded {
    Result<store::Mailbox> box;
    Result<std::vector<store::MessageMeta>> messages;
  };
  store::Store& store = service_.mail().store();
  Loaded loaded = co_await io::offload(service_.runtime().storage_pool(), [&] {
    auto box = store.find_mailbox(account.id, "INBOX");
    Result<std::vector<store::MessageMeta>> messages =
        box ? store.list_messages(account.id, box->id) : Result<std::vector<store::MessageMeta>>(box.error());
    return Loaded{std::move(box), std::move(messages)};
  });
  if (!loaded.box || !loaded.messages) {
    log::error("pop3.maildrop_failed", {{"session", id_}, {"user", account.address}});
    reply(p3::err_code(RespCode::sys_temp, "cannot open the maildrop, try again later"));
    co_return true;
  }
  drop_.load(account.id, loaded.box->id, loaded.box->uidvalidity, std::move(*loaded.messages));
  lock_.emplace(std::move(*lock));
  user_ = account.address;
  state_ = State::transaction;
  std::uint64_t octets = 0;
  for (const auto& m : drop_.messages) {
    octets += m.size;
  }
  log::info("pop3.login", {{"session", id_}, {"user", user_}, {"messages", drop_.messages.size()}});
  reply(p3::ok("maildrop has " + std::to_string(drop_.messages.size()) + " messages (" + std::to_string(octets) +
               " octets)"));
  co_return true;
}

io::Task<std::optional<std::string>> Session::read_sasl_line() {
  parser_.expect_sasl_response(kMaxSaslLine);
  std::array<char, 1024> buffer;
  for (;;) {
    p3::ParseResult item = parser_.next();
    if (auto* response = std::get_if<p3::SaslResponse>(&item)) {
      if (response->cancelled) {
        co_return std::nullopt;
      }
      co_return std::move(response->line);
    }
    if (std::holds_alternative<p3::ParseError>(item)) {
      co_return std::nullopt;
    }
    if (!std::holds_alternative<p3::NeedMore>(item)) {
      co_return std::nullopt;
    }
    if (!co_await flush()) {
      co_return std::nullopt;
    }
    auto n = co_await stream_->read_some(buffer.data(), buffer.size(), settings_.idle_timeout);
    if (!n || *n == 0) {
      co_return std::nullopt;
    }
    parser_.feed(std::string_view(buffer.data(), *n));
  }
}

io::Task<bool> Session::do_auth(p3::Command& command) {
  if (command.mechanism.empty()) {
    // Pre-RFC 5034 clients send a bare AUTH to list mechanisms.
    std::string list = p3::ok("SASL mechanisms follow");
    if (plaintext_allowed()) {
      list += "PLAIN\r\nLOGIN\r\n";
    }
    list += p3::kMultiLineEnd;
    reply(std::move(list));
    co_return true;
  }
  if (!plaintext_allowed()) {
    reply(p3::err_code(RespCode::auth,
                       "plaintext authentication is disabled on an unencrypted "
                       "connection: use STLS first, or port 995"));
    co_return true;
  }
  auto mechanism = sasl::make_mechanism(command.mechanism);
  if (!mechanism) {
    reply(p3::err("unsupported SASL mechanism"));
    co_return true;
  }
  sasl::Step step;
  if (command.initial_response) {
    auto decoded = sasl::decode_initial_response(*command.initial_response);
    if (!decoded) {
      reply(p3::err("malformed initial response"));
      co_return true;
    }
    step = mechanism->start(*decoded);
  } else {
    step = mechanism->start(std::nullopt);
  }
  while (auto* challenge = std::get_if<sasl::Challenge>(&step)) {
    reply("+ " + sasl::base64_encode(challenge->data) + "\r\n");
    auto line = co_await read_sasl_line();
    if (!line) {
      reply(p3::err("authentication cancelled"));
      co_return true;
    }
    auto decoded = sasl::decode_client_response(*line);
    if (!decoded) {
      reply(p3::err("malformed SASL response"));
      co_return true;
    }
    step = mechanism->step(*decoded);
  }
  if (auto* failed = std::get_if<sasl::Failed>(&step)) {
    log::info("pop3.sasl_failed", {{"session", id_}, {"detail", failed->error.detail}});
    reply(p3::err_code(RespCode::auth, "authentication failed"));
    co_return ++login_failures_ < kMaxLoginFailuresPerSession;
  }
  auto& done = std::get<sasl::Done>(step);
  if (!done.authzid.empty() && done.authzid != done.authcid) {
    // Acting as another user (proxy authorisation) is not offered.
    reply(p3::err_code(RespCode::auth, "authorization identity differs from authentication identity"));
    co_return true;
  }
  co_return co_await finish_login(done.authcid, done.password);
}

io::Task<bool> Session::handle_transaction(p3::Command& command) {
  using p3::Verb;
  switch (command.verb) {
    case Verb::stat: {
      std::uint64_t count = 0;
      std::uint64_t octets = 0;
      for (std::size_t i = 0; i < drop_.messages.size(); ++i) {
        if (!drop_.deleted[i]) {
          ++count;
          octets += drop_.messages[i].size;
        }
      }
      reply(p3::ok(std::to_string(count) + " " + std::to_string(octets)));
      co_return true;
    }
    case Verb::list:
    case Verb::uidl: {
      bool is_list = command.verb == Verb::list;
      auto line_of = [&](std::size_t i) {
        return std::to_string(i + 1) + " " +
               (is_list ? std::to_string(drop_.messages[i].size) : uidl_of(drop_.messages[i]));
      };
      if (command.message) {
        if (auto index = message_index(*command.message)) {
          reply(p3::ok(line_of(*index)));
        }
        co_return true;
      }
      std::string listing = p3::ok(is_list ? "scan listing follows" : "unique-id listing follows");
      for (std::size_t i = 0; i < drop_.messages.size(); ++i) {
        if (!drop_.deleted[i]) {
          listing += line_of(i);
          listing += "\r\n";
        }
      }
      listing += p3::kMultiLineEnd;
      reply(std::move(listing));
      co_return true;
    }
    case Verb::retr:
    case Verb::top: co_return co_await do_retr_or_top(command);
    case Verb::dele: {
      if (auto index = message_index(*command.message)) {
        drop_.deleted[*index] = true;
        reply(p3::ok("message " + std::to_string(*command.message) + " deleted"));
      }
      co_return true;
    }
    case Verb::rset: {
      std::fill(drop_.deleted.begin(), drop_.deleted.end(), false);
      reply(p3::ok("maildrop has " + std::to_string(drop_.messages.size()) + " messages"));
      co_return true;
    }
    case Verb::noop: reply(p3::ok("")); co_return true;
    case Verb::quit: co_return co_await do_quit_update();
    default: reply(p3::err(std::string(p3::verb_name(command.verb)) + " is not valid after login")); co_return true;
  }
}

io::Task<bool> Session::do_retr_or_top(const p3::Command& command) {
  auto index = message_index(*command.message);
  if (!index) {
    co_return true;
  }
  const bool retr = command.verb == p3::Verb::retr;
  const store::MessageMeta& meta = drop_.messages[*index];
  Result<std::string> bytes = co_await read_body(*index, retr);
  if (!bytes) {
    log::error("pop3.read_failed", {{"session", id_}, {"uid", meta.uid}, {"error", bytes.error().detail}});
    reply(p3::err_code(bytes.error().kind == ErrorKind::not_found ? RespCode::sys_perm : RespCode::sys_temp,
                       "cannot read the message"));
    co_return true;
  }
  if (!retr) {
    reply(p3::ok("top of message follows"));
    p3::append_top(out_, *bytes, command.line_count);
    out_ += p3::kMultiLineEnd;
    co_return true;
  }
  drop_.retrieved[*index] = true;
  reply(p3::ok(std::to_string(meta.size) + " octets"));
  co_return co_await send_body(*bytes);
}

io::Task<Result<std::string>> Session::read_body(std::size_t index, bool retr) {
  if (retr) {
    if (auto cached = drop_.take_cached(index)) {
      co_return std::move(*cached);
    }
  } else if (const std::string* cached = drop_.peek_cached(index)) {
    co_return *cached;
  }
  // TOP reads only its message: clients TOP to peek at headers, not to download.
  std::vector<std::size_t> plan = retr ? drop_.read_plan(index) : std::vector<std::size_t>{index};
  std::vector<store::Uid> uids;
  uids.reserve(plan.size());
  for (std::size_t i : plan) {
    uids.push_back(drop_.messages[i].uid);
  }
  // One storage trip, one read transaction for the whole plan (Store::read_messages).
  store::Store& store = service_.mail().store();
  std::vector<Result<std::string>> reads = co_await io::offload(
      service_.runtime().storage_pool(), [&] { return store.read_messages(drop_.account, drop_.mailbox, uids); });
  if (retr) {
    // A read-ahead message that failed is simply not cached: its own RETR reads it again
    // and reports the error then.
    std::vector<std::pair<std::size_t, std::string>> ahead;
    ahead.reserve(plan.size() - 1);
    for (std::size_t k = 1; k < plan.size(); ++k) {
      if (reads[k]) {
        ahead.emplace_back(plan[k], std::move(*reads[k]));
      }
    }
    drop_.set_cache(std::move(ahead));
  }
  co_return std::move(reads.front());
}

io::Task<bool> Session::send_body(std::string_view body) {
  DotStuffer stuffer;
  while (!body.empty()) {
    std::string_view slice = body.substr(0, kBodySlice);
    body.remove_prefix(slice.size());
    stuffer.feed(slice, out_);
    if (out_.size() >= kFlushThreshold && !co_await flush()) {
      co_return false;
    }
  }
  stuffer.finish(out_);
  out_ += p3::kMultiLineEnd;
  co_return true;
}

io::Task<bool> Session::do_quit_update() {
  // UPDATE state (RFC 1939 §6): remove what was marked, durably, then answer.
  // RFC 2449 §6.7 EXPIRE is the *minimum* retention: "0" removes retrieved messages at
  // QUIT; N days removes messages that have been retrieved (now or in an earlier session,
  // i.e. \Seen) and arrived more than N days ago. NEVER removes nothing on its own.
  drop_.clear_cache();
  std::optional<std::int64_t> retention_seconds;
  if (settings_.expire != "NEVER") {
    retention_seconds = std::stoll(settings_.expire) * 86400;
  }
  std::int64_t now = std::time(nullptr);
  auto has_seen = [](const store::MessageMeta& meta) {
    return std::find(meta.flags.begin(), meta.flags.end(), "\\Seen") != meta.flags.end();
  };
  auto expired = [&](std::size_t i) {
    if (!retention_seconds) {
      return false;
    }
    const auto& meta = drop_.messages[i];
    return (drop_.retrieved[i] || (has_seen(meta) && *retention_seconds > 0)) &&
           now - meta.save_date >= *retention_seconds;
  };
  std::vector<store::Uid> doomed;
  std::vector<store::Uid> seen;
  for (std::size_t i = 0; i < drop_.messages.size(); ++i) {
    if (drop_.deleted[i] || expired(i)) {
      doomed.push_back(drop_.messages[i].uid);
    } else if (drop_.retrieved[i] && !has_seen(drop_.messages[i])) {
      seen.push_back(drop_.messages[i].uid);
    }
  }
  // One store call removes every marked message (one transaction, one group commit), through
  // MailService so that IMAP and ActiveSync sessions hear of the expunge. Retrieved messages
  // then count as read for IMAP and ActiveSync too (one update_flags; best effort: a failure
  // loses no mail). Both happen before the +OK and before the maildrop is unlocked, so a
  // client that reconnects the moment it reads the +OK finds the maildrop free and current.
  mail::MailService& mail = service_.mail();
  struct Update {
    Status removed = ok_status();
    Status flagged = ok_status();
  };
  Update update = co_await io::offload(service_.runtime().storage_pool(), [&] {
    Update u;
    if (!doomed.empty()) {
      auto result = mail.expunge(drop_.account, drop_.mailbox, doomed);
      u.removed = result ? ok_status() : Status(result.error());
    }
    if (u.removed && !seen.empty()) {
      auto result = mail.update_flags(drop_.account, drop_.mailbox, seen, store::FlagOp::add, {"\\Seen"});
      u.flagged = result ? ok_status() : Status(result.error());
    }
    return u;
  });
  if (!update.removed) {
    log::error("pop3.update_failed", {{"session", id_}, {"error", update.removed.error().detail}});
    reply(p3::err_code(RespCode::sys_temp, "some deleted messages were not removed"));
    co_return false;
  }
  if (!update.flagged) {
    log::warn("pop3.seen_failed", {{"session", id_}, {"error", update.flagged.error().detail}});
  }
  log::info("pop3.update", {{"session", id_}, {"user", user_}, {"deleted", doomed.size()}});
  lock_.reset();
  reply(p3::ok("Postroom POP3 server signing off (" + std::to_string(drop_.messages.size() - doomed.size()) +
               " messages left)"));
  co_return false;
}

}  // namespace

io::Task<void> run_session(Pop3Service& service, std::unique_ptr<io::Stream> stream, ListenerKind kind) {
  Session session(service, std::move(stream), kind);
  co_await session.run();
}

}  // namespace postroom::server::pop3
