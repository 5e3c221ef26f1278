#include "server/smtp/smtp_session.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "io/offload.h"
#include "mime/address.h"
#include "mime/header.h"
#include "proto/sasl/base64.h"
#include "proto/sasl/mechanism.h"
#include "proto/smtp/command_parser.h"
#include "proto/smtp/data_reader.h"
#include "proto/smtp/reply.h"
#include "server/smtp/recipients.h"
#include "server/smtp/trace_headers.h"

namespace postroom::server::smtp {
namespace {

namespace ps = postroom::smtp;
using ps::EnhancedStatus;

// RFC 4954 §4: a SASL response line may be up to 12288 octets.
constexpr std::size_t kMaxSaslLine = 12288;
// Failed AUTH attempts in one connection before we hang up (the limiter counts across).
constexpr int kMaxAuthFailures = 3;

std::atomic<std::uint64_t> g_session_counter{0};

std::string new_session_id() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "s%llx", static_cast<unsigned long long>(g_session_counter.fetch_add(1) + 1));
  return buf;
}

std::string r(int code, int klass, int subject, int detail, std::string_view text) {
  return ps::reply(code, EnhancedStatus{klass, subject, detail}, text);
}

struct AcceptedRecipient {
  RecipientDecision decision;
  ps::RcptParams params;
};

// The header block of a CRLF message (without the blank line).
std::string_view header_block(const std::string& message) {
  std::size_t end = message.find("\r\n\r\n");
  return end == std::string::npos ? std::string_view(message) : std::string_view(message).substr(0, end + 2);
}

class Session {
 public:
  Session(SmtpService& service, std::unique_ptr<io::Stream> stream, Role role, ListenerKind kind)
      : service_(service),
        settings_(service.settings()),
        stream_(std::move(stream)),
        role_(role),
        kind_(kind),
        parser_(make_limits(service.settings())),
        data_limits_(make_data_limits(service.settings())),
        id_(new_session_id()),
        deadline_(std::chrono::steady_clock::now() + settings_.max_session) {}

  io::Task<void> run();

 private:
  static ps::Limits make_limits(const SmtpSettings& settings) {
    ps::Limits limits;
    limits.max_command_line = std::max<std::size_t>(settings.max_line_bytes, 512);
    limits.bare_newline = settings.bare_newline;
    return limits;
  }
  static ps::DataLimits make_data_limits(const SmtpSettings& settings) {
    ps::DataLimits limits;
    limits.max_message_size = settings.max_message_bytes;
    limits.bare_newline = settings.bare_newline;
    return limits;
  }

  // Returns false when the session must end.
  io::Task<bool> handle(ps::Command& command);
  io::Task<bool> do_hello(ps::Command& command);
  io::Task<bool> do_starttls();
  io::Task<bool> do_auth(ps::Command& command);
  io::Task<bool> do_mail(ps::Command& command);
  io::Task<bool> do_rcpt(ps::Command& command);
  io::Task<bool> do_data();
  io::Task<bool> do_bdat(ps::Command& command);
  io::Task<bool> finish_message(const ps::DataOutcome& outcome);
  io::Task<void> deliver_mx_or_submission();
  io::Task<void> deliver_lmtp();
  io::Task<std::optional<std::string>> read_line_for_sasl();
  io::Task<bool> read_more();
  io::Task<bool> flush();

  void reply(std::string text) { out_ += text; }
  void reset_transaction();
  std::string capabilities_reply() const;
  bool tls_required_for_auth() const { return !stream_->is_tls() && !settings_.allow_plaintext_auth; }
  std::string transaction_id() const { return id_ + "." + std::to_string(transactions_); }
  std::string add_trace_headers(const std::string& authentication_results);

  SmtpService& service_;
  const SmtpSettings& settings_;
  std::unique_ptr<io::Stream> stream_;
  Role role_;
  ListenerKind kind_;
  ps::CommandParser parser_;
  ps::DataLimits data_limits_;
  std::string id_;
  std::chrono::steady_clock::time_point deadline_;  // end of the whole session (max_session)
  std::string out_;
  std::array<char, 8192> buffer_{};
  std::size_t stream_bytes_ = 0;  // valid bytes in buffer_ after read_more()

  std::string helo_;
  bool greeted_ = false;
  bool esmtp_ = false;
  int errors_ = 0;
  int auth_failures_ = 0;
  std::optional<store::Account> account_;
  std::vector<std::string> sendable_;
  unsigned transactions_ = 0;

  // Transaction state.
  std::optional<ps::Path> mail_from_;
  ps::MailParams mail_params_;
  std::vector<AcceptedRecipient> recipients_;
  std::string message_;
  std::optional<ps::BdatReader> bdat_;
  bool bdat_refused_ = false;
};

void Session::reset_transaction() {
  mail_from_.reset();
  mail_params_ = ps::MailParams{};
  recipients_.clear();
  message_.clear();
  message_.shrink_to_fit();
  bdat_.reset();
  bdat_refused_ = false;
}

io::Task<bool> Session::flush() {
  if (out_.empty()) {
    co_return true;
  }
  Status written = co_await stream_->write_all(out_);
  out_.clear();
  co_return written.ok();
}

io::Task<bool> Session::read_more() {
  if (!co_await flush()) {
    co_return false;
  }
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  if (remaining.count() <= 0) {
    reply(ps::reply(421, EnhancedStatus{4, 4, 2}, settings_.hostname + " session time limit reached, closing"));
    co_await flush();
    co_return false;
  }
  auto timeout = std::min<std::chrono::milliseconds>(settings_.command_timeout, remaining);
  auto n = co_await stream_->read_some(buffer_.data(), buffer_.size(), timeout);
  if (!n) {
    if (n.error().detail == "timeout") {
      reply(ps::reply(421, EnhancedStatus{4, 4, 2}, settings_.hostname + " timeout, closing connection"));
      co_await flush();
    }
    co_return false;
  }
  if (*n == 0) {
    co_return false;
  }
  stream_bytes_ = *n;
  co_return true;
}

std::string Session::capabilities_reply() const {
  std::vector<std::string> caps;
  caps.push_back("PIPELINING");
  caps.push_back("SIZE " + std::to_string(settings_.max_message_bytes));
  caps.push_back("8BITMIME");
  caps.push_back("SMTPUTF8");
  caps.push_back("ENHANCEDSTATUSCODES");
  caps.push_back("CHUNKING");
  caps.push_back("BINARYMIME");
  if (service_.hooks().delivered && (role_ != Role::submission || service_.hooks().enqueue)) {
    // RFC 3461: we honour NOTIFY (success reports for local delivery, failure and delay
    // reports from the queue), RET, ENVID and ORCPT.
    caps.push_back("DSN");
  }
  if (kind_ == ListenerKind::starttls && !stream_->is_tls() && service_.tls() != nullptr) {
    caps.push_back("STARTTLS");
  }
  if (role_ == Role::submission && !account_ && !tls_required_for_auth()) {
    caps.push_back("AUTH PLAIN LOGIN");
  }
  return ps::ehlo_reply(settings_.hostname + " Postroom", caps);
}

io::Task<void> Session::run() {
  io::SessionGuard guard(service_.runtime(), *stream_);
  log::info("smtp.connect", {{"session", id_},
                             {"remote", stream_->remote_address()},
                             {"role", role_ == Role::mx     ? "mx"
                                      : role_ == Role::lmtp ? "lmtp"
                                                            : "submission"}});
  if (kind_ == ListenerKind::tls) {
    Status handshake = co_await stream_->start_tls(service_.tls(), settings_.tls_handshake_timeout);
    if (!handshake) {
      log::info("smtp.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
      stream_->close();
      co_return;
    }
  }
  reply(ps::reply(220, settings_.hostname + (role_ == Role::lmtp ? " LMTP" : " ESMTP") + " Postroom ready"));
  bool open = true;
  while (open) {
    ps::ParseResult item = parser_.next();
    if (std::holds_alternative<ps::NeedMore>(item)) {
      if (service_.runtime().stopping()) {
        reply(r(421, 4, 3, 2, settings_.hostname + " shutting down, try again later"));
        break;
      }
      if (!co_await read_more()) {
        break;
      }
      parser_.feed(std::string_view(buffer_.data(), stream_bytes_));
      continue;
    }
    if (auto* error = std::get_if<ps::ParseError>(&item)) {
      reply(ps::reply_for(*error));
      if (error->close_connection || ++errors_ >= static_cast<int>(settings_.max_errors)) {
        if (!error->close_connection) {
          reply(r(421, 4, 7, 0, "too many errors, closing connection"));
        }
        break;
      }
      continue;
    }
    if (std::holds_alternative<ps::SaslResponse>(item)) {
      reply(r(500, 5, 5, 2, "unexpected SASL response"));
      continue;
    }
    open = co_await handle(std::get<ps::Command>(item));
  }
  co_await flush();
  stream_->close();
  log::info("smtp.disconnect", {{"session", id_}});
}

io::Task<bool> Session::handle(ps::Command& command) {
  using ps::Verb;
  switch (command.verb) {
    case Verb::helo:
    case Verb::ehlo:
    case Verb::lhlo: co_return co_await do_hello(command);
    case Verb::starttls: co_return co_await do_starttls();
    case Verb::auth: co_return co_await do_auth(command);
    case Verb::mail: co_return co_await do_mail(command);
    case Verb::rcpt: co_return co_await do_rcpt(command);
    case Verb::data: co_return co_await do_data();
    case Verb::bdat: co_return co_await do_bdat(command);
    case Verb::rset:
      reset_transaction();
      reply(r(250, 2, 0, 0, "OK"));
      co_return true;
    case Verb::noop: reply(r(250, 2, 0, 0, "OK")); co_return true;
    case Verb::quit: reply(r(221, 2, 0, 0, settings_.hostname + " closing connection")); co_return false;
    case Verb::vrfy:
      // RFC 5321 §3.5.3: 252 when we will not confirm addresses (harvesting defence).
      reply(r(252, 2, 5, 2, "cannot VRFY user, but will accept message and attempt delivery"));
      co_return true;
    case Verb::expn: reply(r(502, 5, 5, 1, "EXPN is not available")); co_return true;
    case Verb::help:
      reply(r(214, 2, 0, 0, "see RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT STARTTLS AUTH"));
      co_return true;
  }
  co_return true;
}

io::Task<bool> Session::do_hello(ps::Command& command) {
  bool lhlo = command.verb == ps::Verb::lhlo;
  if (lhlo != (role_ == Role::lmtp)) {
    reply(r(500, 5, 5, 1, lhlo ? "LHLO is for LMTP; use EHLO" : "this is an LMTP server; use LHLO"));
    co_return ++errors_ < static_cast<int>(settings_.max_errors);
  }
  if (command.domain.empty()) {
    reply(r(501, 5, 5, 4, "a domain or address literal is required"));
    co_return true;
  }
  reset_transaction();
  helo_ = command.domain;
  greeted_ = true;
  esmtp_ = command.verb != ps::Verb::helo;
  if (!esmtp_) {
    reply(ps::reply(250, settings_.hostname + " Postroom"));
  } else {
    reply(capabilities_reply());
  }
  co_return true;
}

io::Task<bool> Session::do_starttls() {
  if (kind_ != ListenerKind::starttls || service_.tls() == nullptr) {
    reply(r(502, 5, 5, 1, "STARTTLS is not available on this port"));
    co_return true;
  }
  if (stream_->is_tls()) {
    reply(r(503, 5, 5, 1, "TLS is already active"));
    co_return true;
  }
  reply(r(220, 2, 0, 0, "ready to start TLS"));
  if (!co_await flush()) {
    co_return false;
  }
  parser_.clear();  // RFC 3207 §4.2: nothing pipelined in plaintext survives into TLS
  Status handshake = co_await stream_->start_tls(service_.tls(), settings_.tls_handshake_timeout);
  if (!handshake) {
    log::info("smtp.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
    co_return false;
  }
  // RFC 3207 §4.2: the client must start over with EHLO; forget what it said before.
  reset_transaction();
  greeted_ = false;
  esmtp_ = false;
  helo_.clear();
  log::info("smtp.starttls", {{"session", id_}, {"tls", stream_->tls_description()}});
  co_return true;
}

io::Task<std::optional<std::string>> Session::read_line_for_sasl() {
  parser_.expect_sasl_response(kMaxSaslLine);
  for (;;) {
    ps::ParseResult item = parser_.next();
    if (auto* response = std::get_if<ps::SaslResponse>(&item)) {
      if (response->cancelled) {
        co_return std::nullopt;
      }
      co_return std::move(response->line);
    }
    if (!std::holds_alternative<ps::NeedMore>(item)) {
      co_return std::nullopt;
    }
    if (!co_await read_more()) {
      co_return std::nullopt;
    }
    parser_.feed(std::string_view(buffer_.data(), stream_bytes_));
  }
}

io::Task<bool> Session::do_auth(ps::Command& command) {
  if (role_ != Role::submission) {
    reply(r(502, 5, 5, 1, "AUTH is not available on this port; use submission (587 or 465)"));
    co_return true;
  }
  if (!greeted_ || !esmtp_) {
    reply(r(503, 5, 5, 1, "send EHLO first"));
    co_return true;
  }
  if (account_) {
    reply(r(503, 5, 5, 1, "already authenticated"));
    co_return true;
  }
  if (mail_from_) {
    reply(r(503, 5, 5, 1, "AUTH is not allowed during a mail transaction"));
    co_return true;
  }
  if (tls_required_for_auth()) {
    reply(r(538, 5, 7, 11, "encryption required: use STARTTLS first, or port 465"));
    co_return true;
  }
  auto mechanism = sasl::make_mechanism(command.mechanism);
  if (!mechanism) {
    reply(r(504, 5, 5, 4, "unsupported authentication mechanism"));
    co_return true;
  }
  sasl::Step step;
  if (command.initial_response) {
    auto decoded = sasl::decode_initial_response(*command.initial_response);
    if (!decoded) {
      reply(r(501, 5, 5, 2, "malformed initial response"));
      co_return true;
    }
    step = mechanism->start(*decoded);
  } else {
    step = mechanism->start(std::nullopt);
  }
  while (auto* challenge = std::get_if<sasl::Challenge>(&step)) {
    reply("334 " + sasl::base64_encode(challenge->data) + "\r\n");
    auto line = co_await read_line_for_sasl();
    if (!line) {
      reply(r(501, 5, 7, 0, "authentication cancelled"));
      co_return true;
    }
    auto decoded = sasl::decode_client_response(*line);
    if (!decoded) {
      reply(r(501, 5, 5, 2, "malformed SASL response"));
      co_return true;
    }
    step = mechanism->step(*decoded);
  }
  if (auto* failed = std::get_if<sasl::Failed>(&step)) {
    log::info("smtp.sasl_failed", {{"session", id_}, {"detail", failed->error.detail}});
    reply(r(535, 5, 7, 8, "authentication credentials invalid"));
    co_return ++auth_failures_ < kMaxAuthFailures;
  }
  auto& done = std::get<sasl::Done>(step);
  if (!done.authzid.empty() && lower_ascii(done.authzid) != lower_ascii(done.authcid)) {
    reply(r(535, 5, 7, 8, "authorization identity differs from authentication identity"));
    co_return true;
  }
  std::string remote = stream_->remote_address();
  LoginOutcome outcome = co_await io::offload(service_.runtime().auth_pool(), [&] {
    return service_.authenticator().login(done.authcid, done.password, remote);
  });
  if (outcome.delay.count() > 0) {
    io::asio::steady_timer timer(stream_->socket().get_executor(), outcome.delay);
    boost::system::error_code ignored;
    co_await timer.async_wait(io::asio::redirect_error(io::asio::use_awaitable, ignored));
  }
  switch (outcome.kind) {
    case LoginOutcome::Kind::success: break;
    case LoginOutcome::Kind::throttled:
      log::warn("smtp.login_throttled", {{"session", id_}, {"user", done.authcid}, {"remote", remote}});
      reply(r(454, 4, 7, 0, "too many failed logins, try again later"));
      co_return ++auth_failures_ < kMaxAuthFailures;
    case LoginOutcome::Kind::unavailable: reply(r(454, 4, 7, 0, "temporary authentication failure")); co_return true;
    case LoginOutcome::Kind::bad_credentials:
      log::info("smtp.login_failed", {{"session", id_}, {"user", done.authcid}, {"remote", remote}});
      reply(r(535, 5, 7, 8, "authentication credentials invalid"));
      co_return ++auth_failures_ < kMaxAuthFailures;
  }
  store::Store& store = service_.mail().store();
  store::Account account = outcome.account;
  sendable_ =
      co_await io::offload(service_.runtime().storage_pool(), [&] { return sendable_addresses(store, account); });
  account_ = std::move(outcome.account);
  log::info("smtp.login", {{"session", id_}, {"user", account_->address}});
  reply(r(235, 2, 7, 0, "authentication successful"));
  co_return true;
}

io::Task<bool> Session::do_mail(ps::Command& command) {
  if (!greeted_) {
    reply(r(503, 5, 5, 1, role_ == Role::lmtp ? "send LHLO first" : "send EHLO or HELO first"));
    co_return true;
  }
  if (mail_from_) {
    reply(r(503, 5, 5, 1, "nested MAIL command"));
    co_return true;
  }
  if (role_ == Role::submission && !account_) {
    reply(r(530, 5, 7, 0, "authentication required"));
    co_return true;
  }
  const ps::MailParams& params = command.mail;
  if (params.size && *params.size > settings_.max_message_bytes) {
    reply(r(552, 5, 3, 4,
            "message size exceeds the limit of " + std::to_string(settings_.max_message_bytes) + " octets"));
    co_return true;
  }
  if (command.path.contains_utf8 && !params.smtputf8) {
    reply(r(553, 5, 6, 7, "non-ASCII address needs the SMTPUTF8 parameter"));
    co_return true;
  }
  if (role_ == Role::submission) {
    // RFC 6409 §8.1 lets the MSA check the sender; we allow only the user's own addresses.
    // The null reverse-path stays allowed: read receipts (RFC 8098) and auto-replies
    // (RFC 3834) are sent with it, and it can never be bounced back to anyone.
    bool null_path = command.path.kind == ps::Path::Kind::null;
    std::string sender =
        null_path ? "" : lower_ascii(command.path.mailbox.local_part + "@" + command.path.mailbox.domain);
    if (!null_path && std::find(sendable_.begin(), sendable_.end(), sender) == sendable_.end()) {
      reply(r(550, 5, 7, 1, "sender address not owned by the authenticated user"));
      co_return true;
    }
  }
  mail_from_ = command.path;
  mail_params_ = params;
  ++transactions_;
  reply(r(250, 2, 1, 0, "sender OK"));
  co_return true;
}

io::Task<bool> Session::do_rcpt(ps::Command& command) {
  if (!mail_from_) {
    reply(r(503, 5, 5, 1, "send MAIL first"));
    co_return true;
  }
  if (recipients_.size() >= settings_.max_recipients) {
    reply(r(452, 4, 5, 3, "too many recipients"));
    co_return true;
  }
  if (command.path.contains_utf8 && !mail_params_.smtputf8) {
    reply(r(553, 5, 6, 7, "non-ASCII address needs SMTPUTF8 in MAIL FROM"));
    co_return true;
  }
  store::Store& store = service_.mail().store();
  std::uint64_t size_hint = mail_params_.size.value_or(0);
  bool may_relay = role_ == Role::submission && account_.has_value();
  RecipientDecision decision = co_await io::offload(service_.runtime().storage_pool(), [&] {
    return decide_recipient(store, command.path, size_hint, may_relay, settings_.hostname);
  });
  using K = RecipientDecision::Kind;
  switch (decision.kind) {
    case K::local:
    case K::remote:
      recipients_.push_back(AcceptedRecipient{std::move(decision), command.rcpt});
      reply(r(250, 2, 1, 5, "recipient OK"));
      break;
    case K::unknown_user: reply(r(550, 5, 1, 1, "no such user here")); break;
    case K::relay_denied:
      log::info("smtp.relay_denied", {{"session", id_}, {"remote", stream_->remote_address()}});
      reply(r(550, 5, 7, 1, "relaying denied: authenticate on the submission port"));
      break;
    case K::over_quota: reply(r(452, 4, 2, 2, "mailbox full, try again later")); break;
    case K::too_big_ever: reply(r(552, 5, 2, 2, "message exceeds the recipient's quota")); break;
    case K::temporary: reply(r(451, 4, 3, 0, "temporary failure, try again later")); break;
  }
  co_return true;
}

io::Task<bool> Session::do_data() {
  if (!mail_from_) {
    reply(r(503, 5, 5, 1, "send MAIL first"));
    co_return true;
  }
  if (bdat_) {
    reply(r(503, 5, 5, 1, "DATA is not allowed after BDAT"));
    co_return true;
  }
  if (mail_params_.body == ps::Body::binary_mime) {
    reply(r(503, 5, 5, 1, "BODY=BINARYMIME requires BDAT"));
    co_return true;
  }
  if (recipients_.empty()) {
    reply(r(554, 5, 5, 1, "no valid recipients"));
    co_return true;
  }
  reply(ps::reply(354, "end data with <CR><LF>.<CR><LF>"));
  ps::DataReader reader(data_limits_);
  std::string pending(parser_.pending());
  std::size_t used = reader.feed(pending, message_);
  parser_.consume_pending(used);
  while (!reader.done()) {
    if (!co_await read_more()) {
      co_return false;
    }
    std::string_view bytes(buffer_.data(), stream_bytes_);
    std::size_t consumed = reader.feed(bytes, message_);
    if (reader.done()) {
      parser_.feed(bytes.substr(consumed));
    }
  }
  co_return co_await finish_message(reader.outcome());
}

io::Task<bool> Session::do_bdat(ps::Command& command) {
  bool refuse = false;
  std::string refusal;
  if (!mail_from_) {
    refusal = r(503, 5, 5, 1, "send MAIL first");
    refuse = true;
  } else if (recipients_.empty()) {
    refusal = r(554, 5, 5, 1, "no valid recipients");
    refuse = true;
  } else if (bdat_refused_) {
    refusal = r(503, 5, 5, 1, "an earlier chunk was refused; send RSET");
    refuse = true;
  }
  if (!bdat_) {
    bdat_.emplace(data_limits_);
  }
  if (refuse) {
    // RFC 3030 §2: the chunk's octets follow the command whatever we answer; consume them.
    bdat_->skip_chunk(command.chunk_size);
  } else {
    bdat_->start_chunk(command.chunk_size, command.last);
  }
  std::string pending(parser_.pending());
  std::size_t used = bdat_->feed(pending, message_);
  parser_.consume_pending(used);
  while (!bdat_->chunk_done()) {
    if (!co_await read_more()) {
      co_return false;
    }
    std::string_view bytes(buffer_.data(), stream_bytes_);
    std::size_t consumed = bdat_->feed(bytes, message_);
    if (bdat_->chunk_done()) {
      parser_.feed(bytes.substr(consumed));
    }
  }
  if (refuse) {
    if (mail_from_) {
      bdat_refused_ = true;
    }
    reply(refusal);
    co_return true;
  }
  if (!command.last) {
    reply(r(250, 2, 0, 0, std::to_string(command.chunk_size) + " octets received"));
    co_return true;
  }
  ps::DataOutcome outcome = bdat_->outcome();
  co_return co_await finish_message(outcome);
}

std::string Session::add_trace_headers(const std::string& authentication_results) {
  ReceivedInfo info;
  info.helo = helo_;
  info.client_ip = stream_->remote_address();
  info.by_host = settings_.hostname;
  info.protocol =
      with_protocol(esmtp_, stream_->is_tls(), account_.has_value(), role_ == Role::lmtp, mail_params_.smtputf8);
  info.id = transaction_id();
  info.tls = stream_->tls_description();
  if (recipients_.size() == 1) {
    info.for_address = recipients_.front().decision.address;
  }
  return received_header(info) + authentication_results;
}

io::Task<bool> Session::finish_message(const ps::DataOutcome& outcome) {
  if (auto error_reply = ps::reply_for(outcome)) {
    log::info("smtp.message_refused", {{"session", id_}, {"octets", outcome.octets}});
    if (role_ == Role::lmtp) {
      for (std::size_t i = 0; i < recipients_.size(); ++i) {
        reply(*error_reply);
      }
    } else {
      reply(*error_reply);
    }
    reset_transaction();
    co_return true;
  }
  if (role_ == Role::lmtp) {
    co_await deliver_lmtp();
  } else {
    co_await deliver_mx_or_submission();
  }
  reset_transaction();
  co_return true;
}

io::Task<void> Session::deliver_lmtp() {
  // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order, each for its own
  // delivery; one recipient's full mailbox does not fail the others.
  std::string headers = add_trace_headers("");
  std::string message = headers + message_;
  struct Outcome {
    std::vector<std::string> replies;
  };
  mail::MailService& mail = service_.mail();
  Outcome outcome = co_await io::offload(service_.runtime().storage_pool(), [&] {
    Outcome result;
    for (const auto& recipient : recipients_) {
      auto stored = mail.deliver_many({mail::MailService::Target{recipient.decision.account.id, "INBOX"}},
                                      mail::Delivery{message, {}, 0, mail_params_.body == ps::Body::binary_mime});
      if (stored) {
        result.replies.push_back(r(250, 2, 0, 0, "<" + recipient.decision.address + "> delivered"));
      } else if (stored.error().kind == ErrorKind::over_quota) {
        std::uint64_t quota = recipient.decision.account.quota_bytes;
        result.replies.push_back(quota != 0 && message.size() > quota
                                     ? r(552, 5, 2, 2, "<" + recipient.decision.address + "> message exceeds the quota")
                                     : r(452, 4, 2, 2, "<" + recipient.decision.address + "> mailbox full"));
      } else if (stored.error().kind == ErrorKind::limit) {
        result.replies.push_back(r(552, 5, 3, 4, "message too large"));
      } else {
        result.replies.push_back(r(451, 4, 3, 0, "<" + recipient.decision.address + "> temporary failure"));
      }
    }
    return result;
  });
  const SmtpHooks& hooks = service_.hooks();
  if (hooks.delivered && mail_from_->kind == ps::Path::Kind::mailbox) {
    DeliveredReport report;
    report.sender = mail_from_->mailbox.local_part + "@" + mail_from_->mailbox.domain;
    report.params = mail_params_;
    report.message = &message;
    for (std::size_t i = 0; i < recipients_.size(); ++i) {
      const auto& recipient = recipients_[i];
      bool delivered = outcome.replies[i].compare(0, 3, "250") == 0;
      if (delivered && recipient.params.notify && recipient.params.notify->success) {
        report.recipients.push_back(OutboundRecipient{recipient.decision.address, recipient.params});
      }
    }
    if (!report.recipients.empty()) {
      co_await io::offload(service_.runtime().storage_pool(), [&] {
        hooks.delivered(report);
        return 0;
      });
    }
  }
  for (auto& line : outcome.replies) {
    reply(std::move(line));
  }
  log::info("lmtp.delivered", {{"session", id_}, {"id", transaction_id()}, {"recipients", recipients_.size()}});
}

io::Task<void> Session::deliver_mx_or_submission() {
  // Submission: the From: header must name the user too (RFC 6409 §8.1).
  if (role_ == Role::submission) {
    auto fields = mime::parse_header_fields(header_block(message_));
    auto from = mime::field_value(fields, "From");
    bool owned = from.has_value();
    if (from) {
      for (const auto& address : mime::parse_address_list(*from)) {
        if (address.kind != mime::Address::Kind::mailbox) {
          continue;
        }
        std::string addr = lower_ascii(address.mailbox + "@" + address.host);
        if (std::find(sendable_.begin(), sendable_.end(), addr) == sendable_.end()) {
          owned = false;
        }
      }
    }
    if (!owned) {
      reply(r(550, 5, 7, 1, "From: header must be an address of the authenticated user"));
      co_return;
    }
  }
  InboundVerdict verdict;
  const SmtpHooks& hooks = service_.hooks();
  if (role_ == Role::mx && settings_.check_inbound && hooks.check_inbound) {
    InboundContext context;
    context.client_ip = stream_->remote_address();
    context.helo = helo_;
    if (mail_from_->kind == ps::Path::Kind::mailbox) {
      context.mail_from = mail_from_->mailbox.local_part + "@" + mail_from_->mailbox.domain;
    }
    context.message = &message_;
    verdict = co_await io::offload(service_.runtime().storage_pool(), [&] { return hooks.check_inbound(context); });
    if (verdict.disposition == InboundVerdict::Disposition::reject) {
      log::info("smtp.policy_reject", {{"session", id_}, {"id", transaction_id()}});
      reply(verdict.reject_reply.empty() ? r(550, 5, 7, 1, "message refused by policy") : verdict.reject_reply);
      co_return;
    }
  }
  std::string message = add_trace_headers(verdict.authentication_results) + message_;
  if (role_ == Role::submission && hooks.sign) {
    std::string sender_domain = lower_ascii(mail_from_->mailbox.domain);
    std::string signature =
        co_await io::offload(service_.runtime().storage_pool(), [&] { return hooks.sign(sender_domain, message); });
    message = signature + message;
  }
  std::vector<mail::MailService::Target> local;
  std::vector<const AcceptedRecipient*> never_fit;
  OutboundMessage outbound;
  std::string mailbox = verdict.disposition == InboundVerdict::Disposition::junk ? "Junk" : "INBOX";
  for (const auto& recipient : recipients_) {
    if (recipient.decision.kind == RecipientDecision::Kind::local) {
      std::uint64_t quota = recipient.decision.account.quota_bytes;
      if (quota != 0 && message.size() > quota) {
        never_fit.push_back(&recipient);
        continue;
      }
      local.push_back(mail::MailService::Target{recipient.decision.account.id, mailbox});
    } else {
      outbound.recipients.push_back(OutboundRecipient{recipient.decision.address, recipient.params});
    }
  }
  if (!never_fit.empty() && local.empty() && outbound.recipients.empty()) {
    reply(r(552, 5, 2, 2, "message exceeds the recipient's quota"));
    co_return;
  }
  if (!outbound.recipients.empty() && !hooks.enqueue) {
    reply(r(451, 4, 3, 0, "outbound delivery is not available"));
    co_return;
  }
  if (mail_from_->kind == ps::Path::Kind::mailbox) {
    outbound.sender = mail_from_->mailbox.local_part + "@" + mail_from_->mailbox.domain;
  }
  outbound.params = mail_params_;
  mail::MailService& mail = service_.mail();
  struct Stored {
    Status status = ok_status();
    std::string queue_id;
  };
  Stored stored = co_await io::offload(service_.runtime().storage_pool(), [&] {
    Stored result;
    // The queue first: if it fails nothing was delivered and the client retries cleanly. If
    // local delivery then fails, the client's retry may duplicate the remote copy, which
    // loses nothing (RFC 5321 §6.1 prefers duplicates to loss).
    if (!outbound.recipients.empty()) {
      outbound.bytes = message;
      auto queued = hooks.enqueue(outbound);
      if (!queued) {
        result.status = queued.error();
        return result;
      }
      result.queue_id = *queued;
    }
    if (!local.empty()) {
      auto delivered =
          mail.deliver_many(local, mail::Delivery{message, {}, 0, mail_params_.body == ps::Body::binary_mime});
      if (!delivered) {
        result.status = delivered.error();
      }
    }
    return result;
  });
  if (!stored.status) {
    const Error& e = stored.status.error();
    log::warn("smtp.store_failed", {{"session", id_}, {"error", e.detail}});
    switch (e.kind) {
      case ErrorKind::over_quota: reply(r(452, 4, 2, 2, "mailbox full, try again later")); break;
      case ErrorKind::limit: reply(r(552, 5, 3, 4, "message too large")); break;
      default: reply(r(451, 4, 3, 0, "temporary failure storing the message, try again later")); break;
    }
    co_return;
  }
  if (hooks.delivered && !outbound.sender.empty() && !never_fit.empty()) {
    DeliveredReport failed;
    failed.action = DeliveredReport::Action::failed;
    failed.status = "5.2.2";
    failed.sender = outbound.sender;
    failed.params = mail_params_;
    failed.message = &message;
    for (const auto* recipient : never_fit) {
      failed.recipients.push_back(OutboundRecipient{recipient->decision.address, recipient->params});
    }
    co_await io::offload(service_.runtime().storage_pool(), [&] {
      hooks.delivered(failed);
      return 0;
    });
  }
  if (hooks.delivered && outbound.sender.size() > 0) {
    DeliveredReport report;
    report.sender = outbound.sender;
    report.params = mail_params_;
    report.message = &message;
    for (const auto& recipient : recipients_) {
      bool success = recipient.params.notify && recipient.params.notify->success;
      if (success && recipient.decision.kind == RecipientDecision::Kind::local) {
        report.recipients.push_back(OutboundRecipient{recipient.decision.address, recipient.params});
      }
    }
    if (!report.recipients.empty()) {
      co_await io::offload(service_.runtime().storage_pool(), [&] {
        hooks.delivered(report);
        return 0;
      });
    }
  }
  log::info("smtp.accepted", {{"session", id_},
                              {"id", transaction_id()},
                              {"local", local.size()},
                              {"queued", outbound.recipients.size()},
                              {"octets", message.size()}});
  reply(r(250, 2, 0, 0, "OK id=" + transaction_id()));
}

}  // namespace

io::Task<void> run_session(SmtpService& service, std::unique_ptr<io::Stream> stream, Role role, ListenerKind kind) {
  Session session(service, std::move(stream), role, kind);
  co_await session.run();
}

}  // namespace postroom::server::smtp
