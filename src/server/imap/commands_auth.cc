// CAPABILITY, STARTTLS, LOGIN, AUTHENTICATE, ENABLE, ID, NAMESPACE, COMPRESS.
#include <algorithm>

#include "base/log.h"
#include "io/offload.h"
#include "proto/sasl/base64.h"
#include "proto/sasl/mechanism.h"
#include "server/imap/session.h"

namespace postroom::server::imap {
namespace {

// Failed logins in one connection before we hang up (the limiter counts across them).
constexpr int kMaxAuthFailures = 3;
// RFC 4959/9051: AUTHENTICATE responses are base64 lines; bound them.
constexpr std::size_t kMaxSaslLine = 16384;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c); });
  return text;
}

}  // namespace

io::Task<bool> Session::cmd_capability(const pi::Command& command) {
  send(pi::capability_response(capabilities()));
  ok(command.tag, "CAPABILITY completed");
  co_return true;
}

io::Task<bool> Session::cmd_starttls(const pi::Command& command) {
  if (kind_ != ListenerKind::starttls || stream_->is_tls() || service_.tls() == nullptr) {
    bad(command.tag, stream_->is_tls() ? "TLS is already active" : "STARTTLS is not available on this port");
    co_return true;
  }
  ok(command.tag, "begin TLS negotiation now");
  if (!co_await flush()) {
    co_return false;
  }
  // RFC 9051 §6.2.1: nothing the client pipelined in plaintext survives into TLS.
  parser_.clear();
  Status handshake = co_await stream_->start_tls(service_.tls(), service_.settings().tls_handshake_timeout);
  if (!handshake) {
    log::info("imap.tls_failed", {{"session", id_}, {"error", handshake.error().detail}});
    co_return false;
  }
  log::info("imap.starttls", {{"session", id_}, {"tls", stream_->tls_description()}});
  co_return true;
}

io::Task<bool> Session::cmd_login(const pi::Command& command) {
  if (!plaintext_allowed()) {
    // RFC 9051 §6.2.3: LOGINDISABLED is advertised; a LOGIN anyway gets NO.
    no(command.tag, pi::Code::privacyrequired, "LOGIN is disabled before TLS: use STARTTLS or port 993");
    co_return true;
  }
  const auto& args = command.as<pi::LoginArgs>();
  co_return co_await finish_login(command.tag, args.user, args.password);
}

io::Task<bool> Session::cmd_authenticate(const pi::Command& command) {
  const auto& args = command.as<pi::AuthenticateArgs>();
  if (!plaintext_allowed()) {
    no(command.tag, pi::Code::privacyrequired, "authentication is disabled before TLS: use STARTTLS or port 993");
    co_return true;
  }
  auto mechanism = sasl::make_mechanism(args.mechanism);
  if (!mechanism) {
    no(command.tag, pi::Code::cannot, "unsupported authentication mechanism");
    co_return true;
  }
  sasl::Step step;
  if (args.initial_response) {
    auto decoded = sasl::decode_initial_response(*args.initial_response);
    if (!decoded) {
      bad(command.tag, "malformed initial response");
      co_return true;
    }
    step = mechanism->start(*decoded);
  } else {
    step = mechanism->start(std::nullopt);
  }
  while (auto* challenge = std::get_if<sasl::Challenge>(&step)) {
    send("+ " + sasl::base64_encode(challenge->data) + "\r\n");
    parser_.expect_sasl_response(kMaxSaslLine);
    std::optional<std::string> line;
    for (;;) {
      pi::ParseResult item = parser_.next();
      if (auto* response = std::get_if<pi::SaslResponse>(&item)) {
        if (!response->cancelled) {
          line = std::move(response->line);
        }
        break;
      }
      if (!std::holds_alternative<pi::NeedMore>(item)) {
        break;
      }
      if (!co_await read_more(
              std::chrono::duration_cast<std::chrono::milliseconds>(service_.settings().preauth_timeout))) {
        co_return false;
      }
    }
    if (!line) {
      bad(command.tag, "authentication cancelled");
      co_return true;
    }
    auto decoded = sasl::decode_client_response(*line);
    if (!decoded) {
      bad(command.tag, "malformed SASL response");
      co_return true;
    }
    step = mechanism->step(*decoded);
  }
  if (std::holds_alternative<sasl::Failed>(step)) {
    no(command.tag, pi::Code::authenticationfailed, "authentication failed");
    co_return ++auth_failures_ < kMaxAuthFailures;
  }
  auto& done = std::get<sasl::Done>(step);
  if (!done.authzid.empty() && done.authzid != done.authcid) {
    no(command.tag, pi::Code::authorizationfailed, "acting as another user is not allowed");
    co_return true;
  }
  co_return co_await finish_login(command.tag, done.authcid, done.password);
}

io::Task<bool> Session::finish_login(const std::string& tag, const std::string& user, const std::string& password) {
  std::string remote = stream_->remote_address();
  LoginOutcome outcome = co_await io::offload(service_.runtime().auth_pool(),
                                              [&] { return service_.authenticator().login(user, password, remote); });
  if (outcome.delay.count() > 0) {
    io::asio::steady_timer timer(stream_->socket().get_executor(), outcome.delay);
    boost::system::error_code ignored;
    co_await timer.async_wait(io::asio::redirect_error(io::asio::use_awaitable, ignored));
  }
  switch (outcome.kind) {
    case LoginOutcome::Kind::success: break;
    case LoginOutcome::Kind::throttled:
      log::warn("imap.login_throttled", {{"session", id_}, {"user", user}, {"remote", remote}});
      no(tag, pi::Code::unavailable, "too many failed logins, try again later");
      co_return ++auth_failures_ < kMaxAuthFailures;
    case LoginOutcome::Kind::unavailable:
      no(tag, pi::Code::unavailable, "authentication temporarily unavailable");
      co_return true;
    case LoginOutcome::Kind::bad_credentials:
      log::info("imap.login_failed", {{"session", id_}, {"user", user}, {"remote", remote}});
      no(tag, pi::Code::authenticationfailed, "invalid user name or password");
      co_return ++auth_failures_ < kMaxAuthFailures;
  }
  account_ = std::move(outcome.account);
  state_ = State::authenticated;
  subscription_ = service_.bus().subscribe(account_->id, [this](const push::ChangeEvent& e) { on_change(e); });
  log::info("imap.login", {{"session", id_}, {"user", account_->address}});
  ok(tag, pi::codes::capability(capabilities()), "logged in");
  co_return true;
}

io::Task<bool> Session::cmd_enable(const pi::Command& command) {
  std::vector<std::string> enabled;
  for (const std::string& cap : command.as<pi::EnableArgs>().capabilities) {
    std::string name = upper(cap);
    if (name == "IMAP4REV2" && !rev2_) {
      rev2_ = true;
      parser_.set_utf8_names(true);
      enabled.push_back("IMAP4rev2");
    } else if (name == "UTF8=ACCEPT" && !utf8_enabled_) {
      utf8_enabled_ = true;
      parser_.set_utf8_names(true);
      enabled.push_back("UTF8=ACCEPT");
    } else if (name == "CONDSTORE" && !condstore_) {
      condstore_ = true;
      enabled.push_back("CONDSTORE");
    } else if (name == "QRESYNC" && !qresync_) {
      // RFC 7162 §3.2.3: enabling QRESYNC implies CONDSTORE.
      qresync_ = true;
      condstore_ = true;
      enabled.push_back("QRESYNC");
    }
  }
  send(pi::enabled_response(enabled));
  ok(command.tag, "ENABLE completed");
  co_return true;
}

io::Task<bool> Session::cmd_id(const pi::Command& command) {
  const auto& args = command.as<pi::IdArgs>();
  if (args.params) {
    std::string described;
    for (const auto& [key, value] : *args.params) {
      described += key + "=" + value.value_or("NIL") + " ";
    }
    log::info("imap.client_id", {{"session", id_}, {"id", described}});
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> ours{{"name", "Postroom"}, {"version", "0.1.0"}};
  send(pi::id_response(ours));
  ok(command.tag, "ID completed");
  co_return true;
}

io::Task<bool> Session::cmd_namespace(const pi::Command& command) {
  // One personal namespace with "/" as the hierarchy delimiter; no shared or other users'.
  std::vector<pi::NamespaceEntry> personal{{"", '/'}};
  send(pi::namespace_response(personal, {}, {}, utf8_names()));
  ok(command.tag, "NAMESPACE completed");
  co_return true;
}

io::Task<bool> Session::cmd_compress(const pi::Command& command) {
  if (command.as<pi::CompressArgs>().algorithm != "DEFLATE") {
    no(command.tag, pi::Code::cannot, "only DEFLATE is supported");
    co_return true;
  }
  if (deflate_) {
    // RFC 4978 §3 names this code; it is not in the base response-code set.
    send(command.tag + " NO [COMPRESSIONACTIVE] compression is already active\r\n");
    co_return true;
  }
  auto deflate = std::make_unique<DeflateStream>();
  if (!deflate->ok()) {
    no(command.tag, pi::Code::serverbug, "cannot start compression");
    co_return true;
  }
  ok(command.tag, "DEFLATE active");
  if (!co_await flush()) {
    co_return false;
  }
  // RFC 4978 §3: compression starts right after the tagged OK, for both directions.
  deflate_ = std::move(deflate);
  co_return true;
}

}  // namespace postroom::server::imap
