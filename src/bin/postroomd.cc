// postroomd: the Postroom server. Usage: postroomd [--config FILE]
// Order matters: configuration, TLS material and listeners are set up as root (privileged
// ports, key files); then privileges drop; only then is the store opened, so every file it
// creates belongs to the service user.
#include <sys/stat.h>

#include <csignal>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "auth/login_limiter.h"
#include "base/log.h"
#include "bin/app.h"
#include "io/privileges.h"
#include "io/runtime.h"
#include "io/tls_context.h"
#include "server/common/authenticator.h"
#include "server/pop3/pop3_service.h"
#include "push/change_bus.h"
#include "server/imap/imap_service.h"
#include "server/smtp/mail_auth_hooks.h"
#include "server/smtp/smtp_service.h"
#include "dns/resolver.h"
#include "queue/client_tls.h"
#include "queue/dsn.h"
#include "queue/queue_runner.h"
#include "store/queue.h"

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

server::imap::ListenerKind imap_kind(config::ListenerMode mode) {
  switch (mode) {
    case config::ListenerMode::plain: return server::imap::ListenerKind::plain;
    case config::ListenerMode::starttls: return server::imap::ListenerKind::starttls;
    case config::ListenerMode::tls: return server::imap::ListenerKind::tls;
  }
  return server::imap::ListenerKind::plain;
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
  std::unique_ptr<server::imap::ImapService> imap;
  for (const auto& listener : config.listeners) {
    std::string name = listener.service + "/" + std::string(config::to_string(listener.mode));
    io::Runtime::Handler handler;
    if (listener.service == "pop3") {
      auto kind = pop3_kind(listener.mode);
      handler = [&pop3, kind](std::unique_ptr<io::Stream> stream) { return pop3->serve(std::move(stream), kind); };
    } else if (listener.service == "imap") {
      auto kind = imap_kind(listener.mode);
      handler = [&imap, kind](std::unique_ptr<io::Stream> stream) { return imap->serve(std::move(stream), kind); };
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
  // Every change to a mailbox, whichever protocol makes it, is published here after it is
  // durable; IMAP sessions (IDLE) listen.
  push::ChangeBus change_bus;
  mail::MailService mail(**store, app::mail_options(config), &change_bus);
  auth::LimiterConfig limiter_config;
  limiter_config.max_failures_per_address = config.auth_max_failures_per_address;
  limiter_config.max_failures_per_account = config.auth_max_failures_per_account;
  limiter_config.window_seconds = config.auth_failure_window_seconds;
  limiter_config.base_delay_ms = config.auth_failure_delay_ms;
  limiter_config.max_delay_ms = config.auth_max_delay_ms;
  auth::LoginLimiter limiter(limiter_config);
  // One entry per account that logged in recently; 100k accounts is a few MB.
  auth::VerifiedCache verified_cache(std::chrono::seconds(config.auth_cache_ttl_seconds), 100'000);
  server::Authenticator authenticator(**store, limiter, &verified_cache);

  server::pop3::Pop3Settings pop3_settings;
  pop3_settings.hostname = config.hostname;
  pop3_settings.allow_plaintext_auth = config.allow_plaintext_auth;
  pop3_settings.expire = config.pop3_expire;
  pop3_settings.login_delay_seconds = config.pop3_login_delay_seconds;
  pop3_settings.idle_timeout = std::chrono::seconds(config.pop3_idle_timeout_seconds);
  pop3 = std::make_unique<server::pop3::Pop3Service>(runtime, mail, authenticator, (*tls)->native(), pop3_settings);

  server::imap::ImapSettings imap_settings;
  imap_settings.hostname = config.hostname;
  imap_settings.allow_plaintext_auth = config.allow_plaintext_auth;
  imap_settings.max_message_bytes = config.max_message_bytes;
  imap = std::make_unique<server::imap::ImapService>(runtime, mail, authenticator, (*tls)->native(), change_bus,
                                                     imap_settings);

  server::smtp::SmtpSettings smtp_settings;
  smtp_settings.hostname = config.hostname;
  smtp_settings.allow_plaintext_auth = config.allow_plaintext_auth;
  smtp_settings.max_message_bytes = config.max_message_bytes;
  smtp_settings.max_recipients = config.smtp_max_recipients;
  smtp_settings.max_errors = config.smtp_max_errors;
  smtp_settings.command_timeout = std::chrono::seconds(config.smtp_command_timeout_seconds);
  smtp_settings.max_session = std::chrono::seconds(config.smtp_max_session_seconds);
  smtp_settings.max_line_bytes = config.smtp_max_line_bytes;
  smtp_settings.bare_newline = config.smtp_bare_newline == "normalize"
                                   ? postroom::smtp::BareNewlinePolicy::normalize_to_crlf
                                   : postroom::smtp::BareNewlinePolicy::reject;
  smtp_settings.check_inbound = config.smtp_check_inbound;
  dns::ResolverOptions resolver_options;
  resolver_options.forwarders = config.dns_resolver;
  resolver_options.timeout_ms = config.dns_timeout_ms;
  auto resolver = dns::make_unbound_resolver(resolver_options);
  if (!resolver) {
    return fail(kExitConfig, "dns: " + resolver.error().detail);
  }
  store::SqliteOptions queue_options;
  queue_options.data_dir = config.data_dir;
  auto queue_store = store::open_sqlite_queue(queue_options);
  if (!queue_store) {
    return fail(kExitTempFail, "opening the queue: " + queue_store.error().detail);
  }
  queue::QueueSettings queue_settings;
  queue_settings.hostname = config.hostname;
  queue_settings.mx_port = static_cast<std::uint16_t>(config.queue_mx_port);
  queue_settings.retry_base_seconds = config.queue_retry_base_seconds;
  queue_settings.retry_max_seconds = config.queue_retry_max_seconds;
  queue_settings.max_lifetime_seconds = config.queue_max_lifetime_seconds;
  queue_settings.delay_warning_seconds = config.queue_delay_warning_seconds;
  queue_settings.timeouts.connect = std::chrono::seconds(config.queue_connect_timeout_seconds);
  queue_settings.smarthost = config.queue_smarthost;
  queue_settings.smarthost_port = static_cast<std::uint16_t>(config.queue_smarthost_port);
  queue::parse_smarthost_tls(config.queue_smarthost_tls, queue_settings.smarthost_tls);
  queue_settings.smarthost_user = config.queue_smarthost_user;
  queue_settings.smarthost_password = config.queue_smarthost_password;
  auto client_tls = queue::make_opportunistic_client_tls();
  auto verifying_tls = queue::make_verifying_client_tls();
  // A smarthost is one known server that gets our users' passwords: verify its certificate.
  SSL_CTX* outbound_tls = config.queue_smarthost.empty() ? client_tls.get() : verifying_tls.get();

  // Bounces and delivery reports: to a local sender's INBOX directly, otherwise through the
  // queue with the null reverse-path (so they are never bounced themselves).
  store::QueueStore& queue_ref = **queue_store;
  queue::BounceSink bounce_sink = [&mail, &queue_ref](std::string recipient, std::string bytes) -> Status {
    auto delivered = mail.deliver(recipient, mail::Delivery{bytes, {}, 0});
    if (delivered) {
      return ok_status();
    }
    if (delivered.error().kind != ErrorKind::not_found) {
      return delivered.error();
    }
    store::NewQueueMessage dsn;
    dsn.recipients.push_back(store::NewQueueRecipient{recipient, "", store::kNotifyNever});
    dsn.bytes = std::move(bytes);
    auto queued = queue_ref.enqueue(dsn);
    if (!queued) {
      return queued.error();
    }
    return ok_status();
  };
  queue::QueueRunner queue_runner(runtime, queue_ref, **resolver, outbound_tls, queue_settings, bounce_sink);

  server::smtp::SmtpHooks smtp_hooks;
  server::smtp::InboundPolicy inbound_policy{config.hostname, config.smtp_spf_fail_action,
                                             config.smtp_dmarc_fail_action};
  dns::Resolver& resolver_ref = **resolver;
  smtp_hooks.check_inbound = [&resolver_ref, inbound_policy](const server::smtp::InboundContext& context) {
    return server::smtp::check_inbound(resolver_ref, inbound_policy, context);
  };
  smtp_hooks.enqueue = [&queue_ref,
                        &queue_runner](const server::smtp::OutboundMessage& outbound) -> Result<std::string> {
    store::NewQueueMessage message;
    message.sender = outbound.sender;
    for (const auto& recipient : outbound.recipients) {
      store::NewQueueRecipient r;
      r.address = recipient.address;
      if (recipient.params.orcpt) {
        r.orcpt = recipient.params.orcpt->addr_type + ";" + recipient.params.orcpt->address;
      }
      if (recipient.params.notify) {
        const auto& n = *recipient.params.notify;
        r.notify = (n.never ? store::kNotifyNever : 0) | (n.success ? store::kNotifySuccess : 0) |
                   (n.failure ? store::kNotifyFailure : 0) | (n.delay ? store::kNotifyDelay : 0);
      }
      message.recipients.push_back(std::move(r));
    }
    message.envid = outbound.params.envid.value_or("");
    message.ret = outbound.params.ret == postroom::smtp::Ret::full   ? store::DsnRet::full
                  : outbound.params.ret == postroom::smtp::Ret::hdrs ? store::DsnRet::headers
                                                                     : store::DsnRet::unspecified;
    message.body_type = outbound.params.body == postroom::smtp::Body::eight_bit     ? "8BITMIME"
                        : outbound.params.body == postroom::smtp::Body::binary_mime ? "BINARYMIME"
                        : outbound.params.body == postroom::smtp::Body::seven_bit   ? "7BIT"
                                                                                    : "";
    message.smtputf8 = outbound.params.smtputf8;
    message.bytes = outbound.bytes;
    auto id = queue_ref.enqueue(message);
    if (!id) {
      return id.error();
    }
    queue_runner.wake();
    return std::to_string(*id);
  };
  if (config.dkim_sign) {
    std::string key_dir = config.dkim_key_dir.empty() ? config.data_dir + "/dkim" : config.dkim_key_dir;
    std::string selector = config.dkim_selector;
    smtp_hooks.sign = [key_dir, selector](const std::string& domain, const std::string& message) {
      return server::smtp::dkim_sign_if_key(key_dir, selector, domain, message);
    };
  }
  smtp_hooks.delivered = [&bounce_sink, hostname = config.hostname](const server::smtp::DeliveredReport& report) {
    unsigned notify = 0;
    for (const auto& recipient : report.recipients) {
      if (recipient.params.notify && recipient.params.notify->never) {
        notify = store::kNotifyNever;
      }
    }
    if (report.action == server::smtp::DeliveredReport::Action::failed &&
        !queue::wants_dsn(report.sender, notify, queue::DsnAction::failed)) {
      return;
    }
    queue::DsnReport dsn;
    dsn.reporting_mta = hostname;
    dsn.original_sender = report.sender;
    dsn.envid = report.params.envid.value_or("");
    dsn.arrival = std::time(nullptr);
    dsn.now = dsn.arrival;
    dsn.ret = report.params.ret == postroom::smtp::Ret::full ? store::DsnRet::full : store::DsnRet::headers;
    for (const auto& recipient : report.recipients) {
      queue::DsnRecipient r;
      r.final_recipient = recipient.address;
      if (recipient.params.orcpt) {
        r.original_recipient = recipient.params.orcpt->addr_type + ";" + recipient.params.orcpt->address;
      }
      bool delivered = report.action == server::smtp::DeliveredReport::Action::delivered;
      r.action = delivered ? queue::DsnAction::delivered : queue::DsnAction::failed;
      r.status = report.status;
      r.explanation = delivered ? "The message was delivered to the recipient's mailbox."
                                : "The message is larger than the recipient's whole mailbox quota.";
      dsn.recipients.push_back(std::move(r));
    }
    dsn.original = *report.message;
    dsn.unique = std::to_string(dsn.now) + "." + report.recipients.front().address;
    Status sent = bounce_sink(report.sender, queue::make_dsn(dsn));
    if (!sent) {
      log::warn("dsn.delivered_failed", {{"to", report.sender}, {"error", sent.error().detail}});
    }
  };
  smtp = std::make_unique<server::smtp::SmtpService>(runtime, mail, authenticator, (*tls)->native(), smtp_settings,
                                                     std::move(smtp_hooks));
  queue_runner.start(runtime.context(0));

  runtime.run(
      std::chrono::seconds(config.shutdown_grace_seconds),
      [&] {
        for (const auto& listener : config.listeners) {
          log::info("listening", {{"service", listener.service},
                                  {"address", listener.address},
                                  {"port", listener.port},
                                  {"mode", config::to_string(listener.mode)}});
        }
        log::info("ready", {{"hostname", config.hostname}, {"data_dir", config.data_dir}});
      },
      [&queue_runner](std::chrono::steady_clock::time_point deadline) {
        // Deliveries in flight finish or are abandoned (the spool keeps them) before the I/O
        // threads stop, so no storage task writes into a finished delivery.
        queue_runner.stop();
        while (!queue_runner.idle() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
  return 0;
}
