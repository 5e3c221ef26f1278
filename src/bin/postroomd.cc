// postroomd: the Postroom server. Usage: postroomd [--config FILE]
// Order matters: configuration, TLS material and listeners are set up as root (privileged
// ports, key files); then privileges drop; only then is the store opened, so every file it
// creates belongs to the service user.
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "auth/login_limiter.h"
#include "base/log.h"
#include "bin/app.h"
#include "io/privileges.h"
#include "io/runtime.h"
#include "io/tls_context.h"
#include "server/common/authenticator.h"
#include "server/pop3/pop3_service.h"
#include "server/smtp/smtp_service.h"

namespace {

using namespace postroom;

constexpr int kExitConfig = 78;    // EX_CONFIG
constexpr int kExitTempFail = 75;  // EX_TEMPFAIL

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "postroomd: %s\n", message.c_str());
  return code;
}

server::pop3::ListenerKind pop3_kind(config::ListenerMode mode) {
  switch (mode) {
    case config::ListenerMode::plain: return server::pop3::ListenerKind::plain;
    case config::ListenerMode::starttls: return server::pop3::ListenerKind::starttls;
    case config::ListenerMode::tls: return server::pop3::ListenerKind::tls;
  }
  return server::pop3::ListenerKind::plain;
}

server::smtp::ListenerKind smtp_kind(config::ListenerMode mode) {
  switch (mode) {
    case config::ListenerMode::plain: return server::smtp::ListenerKind::plain;
    case config::ListenerMode::starttls: return server::smtp::ListenerKind::starttls;
    case config::ListenerMode::tls: return server::smtp::ListenerKind::tls;
  }
  return server::smtp::ListenerKind::plain;
}

}  // namespace

int main(int argc, char** argv) {
  // TLS writes go through OpenSSL's own write(2) on the socket, which raises SIGPIPE when a
  // client has gone; a vanished client must cost its session, never the process.
  std::signal(SIGPIPE, SIG_IGN);
  std::string config_path = app::kDefaultConfigPath;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--version") {
      std::printf("postroomd 0.1.0\n");
      return 0;
    } else {
      std::fprintf(stderr, "usage: postroomd [--config FILE]\n");
      return 64;
    }
  }

  auto loaded = config::load_file(config_path);
  if (!loaded) {
    return fail(kExitConfig, loaded.error().detail);
  }
  const config::Config& config = *loaded;
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::set_level(level);

  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return fail(kExitTempFail, "cannot create data_dir " + config.data_dir + ": " + ec.message());
  }
  chmod(config.data_dir.c_str(), 0750);

  std::string cert = config.tls_cert;
  std::string key = config.tls_key;
  if (cert.empty()) {
    auto generated = io::ensure_self_signed(config.data_dir + "/tls", config.hostname);
    if (!generated) {
      return fail(kExitTempFail, generated.error().detail);
    }
    cert = generated->cert;
    key = generated->key;
    log::info("tls.self_signed", {{"cert", cert}});
  }
  auto tls = io::TlsContext::create(cert, key, config.tls_min_version);
  if (!tls) {
    return fail(kExitConfig, tls.error().detail);
  }

  io::Runtime runtime(config.threads, config.storage_threads);

  // Services need the store, which opens after the privilege drop; listeners are bound
  // before it. Handlers therefore reach the services through this late-bound pointer.
  std::unique_ptr<server::pop3::Pop3Service> pop3;
  std::unique_ptr<server::smtp::SmtpService> smtp;
  for (const auto& listener : config.listeners) {
    std::string name = listener.service + "/" + std::string(config::to_string(listener.mode));
    io::Runtime::Handler handler;
    if (listener.service == "pop3") {
      auto kind = pop3_kind(listener.mode);
      handler = [&pop3, kind](std::unique_ptr<io::Stream> stream) { return pop3->serve(std::move(stream), kind); };
    } else if (listener.service == "smtp" || listener.service == "submission" || listener.service == "submissions" ||
               listener.service == "lmtp") {
      auto kind = smtp_kind(listener.mode);
      auto role = listener.service == "smtp"   ? server::smtp::Role::mx
                  : listener.service == "lmtp" ? server::smtp::Role::lmtp
                                               : server::smtp::Role::submission;
      handler = [&smtp, role, kind](std::unique_ptr<io::Stream> stream) {
        return smtp->serve(std::move(stream), role, kind);
      };
    } else {
      return fail(kExitConfig, "listener service " + listener.service + " is not available in this build");
    }
    Status bound = runtime.listen(listener.address, listener.port, name, std::move(handler));
    if (!bound) {
      return fail(kExitTempFail, bound.error().detail);
    }
  }

  Status dropped = io::drop_privileges(config.user, config.data_dir);
  if (!dropped) {
    return fail(kExitConfig, dropped.error().detail);
  }

  auto store = app::open_store(config);
  if (!store) {
    return fail(kExitTempFail, "opening the store: " + store.error().detail);
  }
  mail::MailService mail(**store, app::mail_options(config));
  auth::LimiterConfig limiter_config;
  limiter_config.max_failures_per_address = config.auth_max_failures_per_address;
  limiter_config.max_failures_per_account = config.auth_max_failures_per_account;
  limiter_config.window_seconds = config.auth_failure_window_seconds;
  limiter_config.base_delay_ms = config.auth_failure_delay_ms;
  limiter_config.max_delay_ms = config.auth_max_delay_ms;
  auth::LoginLimiter limiter(limiter_config);
  server::Authenticator authenticator(**store, limiter);

  server::pop3::Pop3Settings pop3_settings;
  pop3_settings.hostname = config.hostname;
  pop3_settings.allow_plaintext_auth = config.allow_plaintext_auth;
  pop3_settings.expire = config.pop3_expire;
  pop3_settings.login_delay_seconds = config.pop3_login_delay_seconds;
  pop3_settings.idle_timeout = std::chrono::seconds(config.pop3_idle_timeout_seconds);
  pop3 = std::make_unique<server::pop3::Pop3Service>(runtime, mail, authenticator, (*tls)->native(), pop3_settings);

  server::smtp::SmtpSettings smtp_settings;
  smtp_settings.hostname = config.hostname;
  smtp_settings.allow_plaintext_auth = config.allow_plaintext_auth;
  smtp_settings.max_message_bytes = config.max_message_bytes;
  smtp_settings.max_recipients = config.smtp_max_recipients;
  smtp_settings.max_errors = config.smtp_max_errors;
  smtp_settings.command_timeout = std::chrono::seconds(config.smtp_command_timeout_seconds);
  smtp_settings.bare_newline = config.smtp_bare_newline == "normalize"
                                   ? postroom::smtp::BareNewlinePolicy::normalize_to_crlf
                                   : postroom::smtp::BareNewlinePolicy::reject;
  smtp_settings.check_inbound = config.smtp_check_inbound;
  server::smtp::SmtpHooks smtp_hooks;
  smtp = std::make_unique<server::smtp::SmtpService>(runtime, mail, authenticator, (*tls)->native(), smtp_settings,
                                                     std::move(smtp_hooks));

  runtime.run(std::chrono::seconds(config.shutdown_grace_seconds), [&] {
    for (const auto& listener : config.listeners) {
      log::info("listening", {{"service", listener.service},
                              {"address", listener.address},
                              {"port", listener.port},
                              {"mode", config::to_string(listener.mode)}});
    }
    log::info("ready", {{"hostname", config.hostname}, {"data_dir", config.data_dir}});
  });
  return 0;
}
