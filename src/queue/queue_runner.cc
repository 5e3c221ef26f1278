#include "queue/queue_runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <utility>

#include "base/log.h"
#include "client/smtp_client.h"
#include "io/offload.h"
#include "io/runtime.h"
#include "queue/backoff.h"
#include "queue/dsn.h"
#include "queue/route.h"

namespace postroom::queue {

namespace asio = io::asio;
using store::QueuedMessage;
using store::QueueRecipient;
using store::RecipientState;
using store::RecipientUpdate;

namespace {

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// How a session ended, for the route loop.
enum SessionEnd : int {
  kDone = 0,       // every recipient given to the session has an outcome (or waits for later)
  kTryNext = 1,    // connection-level trouble: try the next address/host for the rest
  kTlsFailed = 2,  // the TLS handshake failed: the same host again without STARTTLS
};

constexpr const char* kSmarthostKey = "[smarthost]";

std::string notify_param(unsigned notify) {
  if ((notify & store::kNotifyNever) != 0) {
    return "NEVER";
  }
  std::string out;
  auto add = [&out](const char* word) {
    if (!out.empty()) {
      out += ',';
    }
    out += word;
  };
  if ((notify & store::kNotifySuccess) != 0) {
    add("SUCCESS");
  }
  if ((notify & store::kNotifyFailure) != 0) {
    add("FAILURE");
  }
  if ((notify & store::kNotifyDelay) != 0) {
    add("DELAY");
  }
  return out;
}

}  // namespace

struct QueueRunner::Outcome {
  enum class Kind { delivered, deferred, failed };
  std::int64_t recipient_id = 0;
  Kind kind = Kind::deferred;
  std::string status;  // RFC 3463
  std::string reply;   // remote reply text, "" when the failure was ours
  std::string error;   // description
  std::string remote_mta;
};

struct QueueRunner::Job {
  QueuedMessage message;
  std::vector<QueueRecipient> recipients;  // those this route delivers now
  std::vector<bool> resolved;              // per recipient: has an outcome
  std::string body;
  std::vector<Outcome> outcomes;
};

struct QueueRunner::RouteWork {
  std::string key;
  std::vector<Job> jobs;
  // The last connection-level problem, for recipients that get no better outcome.
  std::string last_error = "no mail host could be reached";
  std::string last_status = "4.4.1";
  std::string last_reply;
  std::string last_mta;

  bool unresolved() const {
    for (const Job& job : jobs) {
      if (std::find(job.resolved.begin(), job.resolved.end(), false) != job.resolved.end()) {
        return true;
      }
    }
    return false;
  }
  void resolve_rest(Outcome::Kind kind, const std::string& status, const std::string& error,
                    const std::string& reply = "", const std::string& mta = "") {
    for (Job& job : jobs) {
      for (std::size_t i = 0; i < job.recipients.size(); ++i) {
        if (!job.resolved[i]) {
          job.resolved[i] = true;
          job.outcomes.push_back(Outcome{job.recipients[i].id, kind, status, reply, error, mta});
        }
      }
    }
  }
};

QueueRunner::QueueRunner(io::Runtime& runtime, store::QueueStore& store, dns::Resolver& resolver, SSL_CTX* client_ctx,
                         QueueSettings settings, BounceSink bounce)
    : QueueRunner(runtime.storage_pool(), store, resolver, client_ctx, std::move(settings), std::move(bounce)) {}

QueueRunner::QueueRunner(asio::thread_pool& pool, store::QueueStore& store, dns::Resolver& resolver,
                         SSL_CTX* client_ctx, QueueSettings settings, BounceSink bounce)
    : pool_(pool),
      store_(store),
      resolver_(resolver),
      client_ctx_(client_ctx),
      settings_(std::move(settings)),
      bounce_(std::move(bounce)),
      random_(std::random_device{}()) {}

QueueRunner::~QueueRunner() = default;

QueueStats QueueRunner::stats() const {
  QueueStats stats;
  stats.connections = connections_.load();
  stats.delivered = delivered_.load();
  stats.deferred = deferred_.load();
  stats.failed = failed_.load();
  stats.dsns = dsns_.load();
  return stats;
}

void QueueRunner::start(asio::io_context& context) {
  POSTROOM_CHECK(context_ == nullptr, "QueueRunner started twice");
  context_ = &context;
  timer_ = std::make_unique<asio::steady_timer>(context);
  asio::co_spawn(context, loop(), asio::detached);
}

void QueueRunner::wake() {
  if (context_ == nullptr) {
    return;
  }
  asio::post(*context_, [this] {
    wake_pending_ = true;
    timer_->cancel();
  });
}

void QueueRunner::stop() {
  stopped_.store(true);
  wake();
}

io::Task<void> QueueRunner::loop() {
  log::info("queue.start", {{"smarthost", settings_.smarthost}, {"mx_port", settings_.mx_port}});
  while (!stopped_.load()) {
    wake_pending_ = false;
    co_await scan();
    if (stopped_.load()) {
      break;
    }
    if (wake_pending_) {
      continue;
    }
    timer_->expires_after(std::chrono::milliseconds(std::max(10u, settings_.poll_interval_ms)));
    boost::system::error_code ec;
    co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  log::info("queue.stop");
}

io::Task<void> QueueRunner::scan() {
  const std::int64_t now = unix_now();
  const std::size_t limit = settings_.max_messages_per_tick;
  auto due = co_await io::offload(pool_, [this, now, limit] { return store_.due(now, limit); });
  if (!due) {
    log::warn("queue.scan_failed", {{"detail", due.error().detail}});
    co_return;
  }
  // route key -> jobs, in due order
  std::map<std::string, std::vector<Job>> routes;
  std::vector<std::string> route_order;
  for (QueuedMessage& message : *due) {
    bool owes_dsn = std::any_of(message.recipients.begin(), message.recipients.end(),
                                [](const QueueRecipient& r) { return r.state == RecipientState::failed; });
    auto retry = bounce_retry_after_.find(message.id);
    bool may_bounce = retry == bounce_retry_after_.end() || retry->second <= now;
    if (owes_dsn && may_bounce && bouncing_.insert(message.id).second) {
      in_flight_count_.fetch_add(1);
      asio::co_spawn(*context_, bounce_message(message), asio::detached);
    }
    for (const QueueRecipient& r : message.recipients) {
      if (r.state != RecipientState::pending || r.next_attempt > now || in_flight_recipients_.count(r.id) != 0) {
        continue;
      }
      std::string key = settings_.smarthost.empty() ? domain_of(r.address) : kSmarthostKey;
      auto [it, inserted] = routes.try_emplace(key);
      if (inserted) {
        route_order.push_back(key);
      }
      std::vector<Job>& jobs = it->second;
      if (jobs.empty() || jobs.back().message.id != message.id) {
        if (jobs.size() >= settings_.max_messages_per_connection) {
          continue;  // next scan
        }
        jobs.push_back(Job{message, {}, {}, {}, {}});
      }
      jobs.back().recipients.push_back(r);
      jobs.back().resolved.push_back(false);
    }
  }
  for (const std::string& key : route_order) {
    if (active_routes_ >= static_cast<int>(std::max(1u, settings_.max_connections))) {
      break;  // the rest waits for a free slot (wake() when a route finishes)
    }
    std::vector<Job>& jobs = routes[key];
    for (const Job& job : jobs) {
      for (const QueueRecipient& r : job.recipients) {
        in_flight_recipients_.insert(r.id);
      }
    }
    ++active_routes_;
    in_flight_count_.fetch_add(1);
    asio::co_spawn(*context_, deliver_route(key, std::move(jobs), static_cast<std::uint32_t>(random_())),
                   asio::detached);
  }
}

io::Task<void> QueueRunner::bounce_message(QueuedMessage message) {
  bool sent = co_await io::offload(pool_, [this, &message] { return send_failure_dsn(message); });
  bouncing_.erase(message.id);
  if (sent) {
    bounce_retry_after_.erase(message.id);
  } else {
    // The sink refused (disk trouble?): try again in a while, not on every scan.
    bounce_retry_after_[message.id] = unix_now() + std::max<std::int64_t>(1, settings_.retry_base_seconds);
  }
  in_flight_count_.fetch_sub(1);
  if (sent) {
    wake();
  }
}

io::Task<void> QueueRunner::deliver_route(std::string key, std::vector<Job> jobs, std::uint32_t seed) {
  RouteWork work;
  work.key = key;
  work.jobs = std::move(jobs);
  const bool smarthost = key == kSmarthostKey;

  // Bodies.
  for (Job& job : work.jobs) {
    auto body = co_await io::offload(pool_, [this, &job] { return store_.read_body(job.message); });
    if (!body) {
      log::error("queue.body_unreadable", {{"id", job.message.id}, {"detail", body.error().detail}});
      for (std::size_t i = 0; i < job.recipients.size(); ++i) {
        job.resolved[i] = true;
        job.outcomes.push_back(
            Outcome{job.recipients[i].id, Outcome::Kind::deferred, "4.3.0", "", "queue file unreadable", ""});
      }
      continue;
    }
    job.body = std::move(*body);
  }

  // Where to.
  std::vector<std::string> hosts;
  std::uint16_t port = settings_.mx_port;
  if (smarthost) {
    hosts.push_back(settings_.smarthost);
    port = settings_.smarthost_port;
  } else {
    Route route = co_await io::offload(pool_, [this, &key, seed] {
      std::mt19937 random(seed);
      return resolve_route(resolver_, key, random);
    });
    switch (route.kind) {
      case Route::Kind::hosts: hosts = std::move(route.hosts); break;
      case Route::Kind::null_mx: work.resolve_rest(Outcome::Kind::failed, "5.1.10", route.error); break;
      case Route::Kind::no_domain: work.resolve_rest(Outcome::Kind::failed, "5.1.2", route.error); break;
      case Route::Kind::temporary: work.resolve_rest(Outcome::Kind::deferred, "4.4.3", route.error); break;
    }
  }

  bool any_address = false;
  bool dns_trouble = false;
  for (const std::string& host : hosts) {
    if (!work.unresolved() || stopped_.load()) {
      break;
    }
    HostAddresses addresses = co_await io::offload(pool_, [this, &host] { return resolve_host(resolver_, host); });
    if (addresses.addresses.empty()) {
      if (addresses.temporary) {
        dns_trouble = true;
        work.last_error = "temporary DNS failure looking up " + host;
        work.last_status = "4.4.3";
      }
      continue;
    }
    for (const std::string& address : addresses.addresses) {
      if (!work.unresolved() || stopped_.load()) {
        break;
      }
      any_address = true;
      bool try_tls = no_tls_hosts_.count(host) == 0;
      int end = co_await run_session(work, host, address, port, try_tls);
      if (end == kTlsFailed) {
        no_tls_hosts_.insert(host);
        bool may_fall_back = !smarthost || settings_.smarthost_tls == SmarthostTls::none;
        if (may_fall_back && work.unresolved()) {
          log::info("queue.tls_fallback", {{"host", host}, {"address", address}});
          co_await run_session(work, host, address, port, false);
        }
      }
    }
  }
  if (work.unresolved()) {
    if (!smarthost && !any_address && !dns_trouble && !hosts.empty()) {
      work.resolve_rest(Outcome::Kind::failed, "5.4.4", "no address found for the mail hosts of " + key);
    } else {
      work.resolve_rest(Outcome::Kind::deferred, work.last_status, work.last_error, work.last_reply, work.last_mta);
    }
  }

  co_await io::offload(pool_, [this, &work] {
    finish_route(work);
    return 0;
  });
  for (const Job& job : work.jobs) {
    for (const QueueRecipient& r : job.recipients) {
      in_flight_recipients_.erase(r.id);
    }
  }
  --active_routes_;
  in_flight_count_.fetch_sub(1);
  wake();  // failed recipients owe a DSN; a route slot is free
}

io::Task<int> QueueRunner::run_session(RouteWork& work, const std::string& host, const std::string& address,
                                       std::uint16_t port, bool try_tls) {
  const bool smarthost = work.key == kSmarthostKey;
  const std::string where = host + "[" + address + "]:" + std::to_string(port);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    work.last_error = "bad address " + address;
    co_return kTryNext;
  }
  auto connected = co_await client::SmtpClient::connect(io::tcp::endpoint(ip, port), settings_.timeouts);
  if (!connected) {
    work.last_error = connected.error().detail;
    work.last_status = "4.4.1";
    log::info("queue.connect_failed", {{"host", where}, {"detail", connected.error().detail}});
    co_return kTryNext;
  }
  connections_.fetch_add(1);
  client::SmtpClient& smtp = **connected;
  auto lost = [&](const Error& error, const char* stage) {
    work.last_error = std::string("connection to ") + where + " lost " + stage + ": " + error.detail;
    work.last_status = "4.4.2";
    log::info("queue.session_failed", {{"host", where}, {"stage", stage}, {"detail", error.detail}});
    smtp.close();
  };
  // A refusal before any transaction (greeting, EHLO, AUTH): remember it, try the next host.
  auto refused = [&](const client::SmtpReply& reply, const char* stage) {
    work.last_error = std::string("refused by ") + where + " at " + stage;
    work.last_reply = reply.text();
    work.last_mta = host;
    work.last_status = reply.permanent() ? "4.4.1" : reply.status();
  };

  if (smarthost && settings_.smarthost_tls == SmarthostTls::tls) {
    if (client_ctx_ == nullptr) {
      work.last_error = "implicit TLS to the smarthost needs a client TLS context";
      smtp.close();
      co_return kTryNext;
    }
    if (Status tls = co_await smtp.start_implicit_tls(client_ctx_, host); !tls) {
      lost(tls.error(), "in the TLS handshake");
      co_return kTryNext;
    }
  }
  auto greeting = co_await smtp.read_greeting();
  if (!greeting) {
    lost(greeting.error(), "before the greeting");
    co_return kTryNext;
  }
  if (!greeting->positive()) {
    refused(*greeting, "the greeting");
    co_await smtp.quit();
    co_return kTryNext;
  }
  auto hello = co_await smtp.ehlo(settings_.hostname);
  if (hello && !hello->positive()) {
    hello = co_await smtp.helo(settings_.hostname);
  }
  if (!hello) {
    lost(hello.error(), "after EHLO");
    co_return kTryNext;
  }
  if (!hello->positive()) {
    refused(*hello, "EHLO/HELO");
    co_await smtp.quit();
    co_return kTryNext;
  }
  const bool tls_wanted = !smarthost || settings_.smarthost_tls != SmarthostTls::none;
  if (try_tls && tls_wanted && client_ctx_ != nullptr && smtp.capabilities().starttls && !smtp.is_tls()) {
    auto started = co_await smtp.starttls(client_ctx_, host);
    if (!started) {
      work.last_error = "STARTTLS with " + where + " failed: " + started.error().detail;
      work.last_status = "4.7.5";
      log::info("queue.starttls_failed", {{"host", where}, {"detail", started.error().detail}});
      smtp.close();
      co_return kTlsFailed;
    }
    if (started->code == 220) {
      hello = co_await smtp.ehlo(settings_.hostname);
      if (!hello) {
        lost(hello.error(), "after EHLO over TLS");
        co_return kTryNext;
      }
      if (!hello->positive()) {
        refused(*hello, "EHLO over TLS");
        co_await smtp.quit();
        co_return kTryNext;
      }
    }
  }
  if (smarthost && settings_.smarthost_tls == SmarthostTls::starttls && !smtp.is_tls()) {
    // Credentials and mail for the relay never travel in plaintext when TLS was asked for.
    work.last_error = "smarthost " + where + " did not start TLS";
    work.last_status = "4.7.5";
    co_await smtp.quit();
    co_return kTryNext;
  }
  if (smarthost && !settings_.smarthost_user.empty()) {
    auto authed = co_await smtp.auth(settings_.smarthost_user, settings_.smarthost_password);
    if (!authed) {
      work.last_error = "AUTH with smarthost " + where + ": " + authed.error().detail;
      work.last_status = "4.7.8";
      smtp.close();
      co_return kTryNext;
    }
    if (authed->code != 235) {
      // Wrong credentials are the operator's problem, not the senders': defer, never bounce.
      refused(*authed, "AUTH");
      work.last_status = "4.7.8";
      co_await smtp.quit();
      co_return kTryNext;
    }
  }
  const client::Capabilities caps = smtp.capabilities();
  log::debug("queue.session", {{"host", where}, {"tls", smtp.stream().tls_description()}});

  auto outcome_of = [&](const client::SmtpReply& reply, std::int64_t recipient) {
    Outcome::Kind kind = reply.positive()    ? Outcome::Kind::delivered
                         : reply.transient() ? Outcome::Kind::deferred
                                             : Outcome::Kind::failed;
    return Outcome{recipient, kind, reply.status(), reply.text(), "", host};
  };

  for (Job& job : work.jobs) {
    if (job.body.empty() && job.message.size != 0) {
      continue;  // unreadable body, already resolved
    }
    while (true) {
      // The next transaction: up to max_recipients_per_transaction unresolved recipients.
      std::vector<std::size_t> batch;
      for (std::size_t i = 0; i < job.recipients.size(); ++i) {
        if (!job.resolved[i] && batch.size() < std::max(1u, settings_.max_recipients_per_transaction)) {
          batch.push_back(i);
        }
      }
      if (batch.empty()) {
        break;
      }
      auto resolve_batch = [&](Outcome::Kind kind, const std::string& status, const std::string& error) {
        for (std::size_t i : batch) {
          job.resolved[i] = true;
          job.outcomes.push_back(Outcome{job.recipients[i].id, kind, status, "", error, host});
        }
      };
      if (caps.size_limit != 0 && job.body.size() > caps.size_limit) {
        resolve_batch(Outcome::Kind::failed, "5.3.4",
                      "message size " + std::to_string(job.body.size()) + " exceeds the limit of " + where);
        continue;
      }
      if (job.message.smtputf8 && !caps.smtputf8) {
        resolve_batch(Outcome::Kind::failed, "5.6.7", where + " does not support SMTPUTF8");
        continue;
      }
      std::string mail_params;
      if (caps.size) {
        mail_params += " SIZE=" + std::to_string(job.body.size());
      }
      if (caps.eightbitmime && (job.message.body_type == "8BITMIME" || job.message.body_type == "BINARYMIME")) {
        mail_params += " BODY=8BITMIME";
      }
      if (caps.smtputf8 && job.message.smtputf8) {
        mail_params += " SMTPUTF8";
      }
      if (caps.dsn) {
        if (job.message.ret == store::DsnRet::full) {
          mail_params += " RET=FULL";
        } else if (job.message.ret == store::DsnRet::headers) {
          mail_params += " RET=HDRS";
        }
        if (!job.message.envid.empty()) {
          mail_params += " ENVID=" + client::xtext_encode(job.message.envid);
        }
      }
      auto mail = co_await smtp.mail_from(job.message.sender, mail_params);
      if (!mail) {
        lost(mail.error(), "after MAIL FROM");
        co_return kTryNext;
      }
      if (!mail->positive()) {
        for (std::size_t i : batch) {
          job.resolved[i] = true;
          job.outcomes.push_back(outcome_of(*mail, job.recipients[i].id));
        }
        if (auto reset = co_await smtp.rset(); !reset) {
          lost(reset.error(), "after RSET");
          co_return kTryNext;
        }
        continue;
      }
      std::vector<std::size_t> accepted;
      for (std::size_t i : batch) {
        const QueueRecipient& r = job.recipients[i];
        std::string rcpt_params;
        if (caps.dsn) {
          if (r.notify != store::kNotifyDefault) {
            rcpt_params += " NOTIFY=" + notify_param(r.notify);
          }
          std::size_t semi = r.orcpt.find(';');
          if (semi != std::string::npos) {
            rcpt_params += " ORCPT=" + r.orcpt.substr(0, semi) + ";" + client::xtext_encode(r.orcpt.substr(semi + 1));
          }
        }
        auto rcpt = co_await smtp.rcpt_to(r.address, rcpt_params);
        if (!rcpt) {
          lost(rcpt.error(), "after RCPT TO");
          co_return kTryNext;
        }
        if (rcpt->positive()) {
          accepted.push_back(i);
        } else {
          job.resolved[i] = true;
          job.outcomes.push_back(outcome_of(*rcpt, r.id));
        }
      }
      if (accepted.empty()) {
        if (auto reset = co_await smtp.rset(); !reset) {
          lost(reset.error(), "after RSET");
          co_return kTryNext;
        }
        continue;
      }
      // (Not a ?: with two co_awaits: GCC 12 miscompiles that.)
      Result<client::SmtpReply> sent = make_error(ErrorKind::temporary, "not sent");
      if (settings_.use_bdat && caps.chunking) {
        sent = co_await smtp.bdat(job.body);
      } else {
        sent = co_await smtp.data(job.body);
      }
      if (!sent) {
        // The accepted recipients stay unresolved: the next host, or a later retry, takes them
        // (a reply lost after our "." may mean a duplicate; RFC 1047).
        lost(sent.error(), "during DATA");
        co_return kTryNext;
      }
      for (std::size_t i : accepted) {
        job.resolved[i] = true;
        job.outcomes.push_back(outcome_of(*sent, job.recipients[i].id));
      }
      log::info("queue.transaction",
                {{"id", job.message.id}, {"host", where}, {"recipients", accepted.size()}, {"reply", sent->text()}});
      if (!sent->positive()) {
        if (auto reset = co_await smtp.rset(); !reset) {
          lost(reset.error(), "after RSET");
          co_return kTryNext;
        }
      }
    }
  }
  co_await smtp.quit();
  co_return kDone;
}

void QueueRunner::finish_route(RouteWork& work) {
  const std::int64_t now = unix_now();
  for (Job& job : work.jobs) {
    const QueuedMessage& message = job.message;
    std::vector<RecipientUpdate> updates;
    std::vector<DsnRecipient> delayed;
    for (const Outcome& outcome : job.outcomes) {
      auto it = std::find_if(job.recipients.begin(), job.recipients.end(),
                             [&](const QueueRecipient& r) { return r.id == outcome.recipient_id; });
      POSTROOM_CHECK(it != job.recipients.end(), "outcome for a recipient not in the job");
      const QueueRecipient& r = *it;
      RecipientUpdate update;
      update.recipient_id = r.id;
      update.attempted = true;
      update.status = outcome.status;
      update.last_error = outcome.error;
      update.last_reply = outcome.reply;
      update.remote_mta = outcome.remote_mta;
      const std::string detail = outcome.reply.empty() ? outcome.error : outcome.reply;
      switch (outcome.kind) {
        case Outcome::Kind::delivered:
          update.state = RecipientState::delivered;
          delivered_.fetch_add(1);
          log::info("queue.delivered",
                    {{"id", message.id}, {"to", r.address}, {"host", outcome.remote_mta}, {"reply", outcome.reply}});
          break;
        case Outcome::Kind::failed:
          update.state = RecipientState::failed;
          failed_.fetch_add(1);
          log::info("queue.failed",
                    {{"id", message.id}, {"to", r.address}, {"status", outcome.status}, {"detail", detail}});
          break;
        case Outcome::Kind::deferred: {
          const std::int64_t age = now - message.created;
          if (age >= static_cast<std::int64_t>(settings_.max_lifetime_seconds)) {
            update.state = RecipientState::failed;
            update.last_error = "gave up after " + std::to_string(age) + " s in the queue: " + outcome.error;
            if (outcome.status.empty() || outcome.status[0] != '4') {
              update.status = "4.4.7";
            }
            failed_.fetch_add(1);
            log::info("queue.expired", {{"id", message.id}, {"to", r.address}, {"detail", detail}});
            break;
          }
          update.state = RecipientState::pending;
          update.next_attempt = now + retry_delay_seconds(settings_, r.attempts + 1);
          deferred_.fetch_add(1);
          log::info("queue.deferred", {{"id", message.id},
                                       {"to", r.address},
                                       {"status", outcome.status},
                                       {"detail", detail},
                                       {"retry_in", *update.next_attempt - now}});
          if (settings_.delay_warning_seconds != 0 && !r.delay_warned &&
              age >= static_cast<std::int64_t>(settings_.delay_warning_seconds) &&
              wants_dsn(message.sender, r.notify, DsnAction::delayed)) {
            DsnRecipient d;
            d.final_recipient = r.address;
            d.original_recipient = r.orcpt;
            d.action = DsnAction::delayed;
            d.status = outcome.status.empty() ? "4.0.0" : outcome.status;
            d.diagnostic = outcome.reply;
            d.remote_mta = outcome.remote_mta;
            d.explanation = outcome.error;
            d.last_attempt = now;
            d.will_retry_until = message.created + settings_.max_lifetime_seconds;
            delayed.push_back(std::move(d));
            update.delay_warned = true;
          }
          break;
        }
      }
      updates.push_back(std::move(update));
    }
    if (!delayed.empty()) {
      DsnReport report;
      report.reporting_mta = settings_.hostname;
      report.original_sender = message.sender;
      report.envid = message.envid;
      report.arrival = message.created;
      report.now = now;
      report.ret = store::DsnRet::headers;
      report.recipients = std::move(delayed);
      report.original = job.body;
      report.max_original_bytes = settings_.dsn_max_original_bytes;
      report.unique = std::to_string(message.id) + "." + std::to_string(now) + ".delay";
      Status sunk = bounce_(message.sender, make_dsn(report));
      if (sunk) {
        dsns_.fetch_add(1);
      } else {
        log::warn("queue.dsn_failed", {{"id", message.id}, {"detail", sunk.error().detail}});
        for (RecipientUpdate& u : updates) {
          u.delay_warned.reset();  // try the warning again after the next deferral
        }
      }
    }
    if (updates.empty()) {
      continue;
    }
    if (Status written = store_.update(message.id, updates); !written) {
      // The outcome is lost; the recipients stay due and are tried again (a duplicate is
      // possible for those delivered, as with a lost reply).
      log::error("queue.update_failed", {{"id", message.id}, {"detail", written.error().detail}});
    }
  }
}

bool QueueRunner::send_failure_dsn(const QueuedMessage& message) {
  const std::int64_t now = unix_now();
  std::vector<DsnRecipient> wanted;
  std::vector<RecipientUpdate> updates;
  for (const QueueRecipient& r : message.recipients) {
    if (r.state != RecipientState::failed) {
      continue;
    }
    RecipientUpdate update;
    update.recipient_id = r.id;
    update.state = RecipientState::bounced;
    updates.push_back(update);
    if (!wants_dsn(message.sender, r.notify, DsnAction::failed)) {
      continue;
    }
    DsnRecipient d;
    d.final_recipient = r.address;
    d.original_recipient = r.orcpt;
    d.action = DsnAction::failed;
    d.status = r.status.empty() ? "5.0.0" : r.status;
    d.diagnostic = r.last_reply;
    d.remote_mta = r.remote_mta;
    d.explanation = r.last_error;
    d.last_attempt = r.last_attempt;
    wanted.push_back(std::move(d));
  }
  if (updates.empty()) {
    return true;
  }
  if (!wanted.empty()) {
    auto body = store_.read_body(message);
    if (!body) {
      log::error("queue.body_unreadable", {{"id", message.id}, {"detail", body.error().detail}});
      return false;
    }
    DsnReport report;
    report.reporting_mta = settings_.hostname;
    report.original_sender = message.sender;
    report.envid = message.envid;
    report.arrival = message.created;
    report.now = now;
    report.ret = message.ret;
    report.recipients = std::move(wanted);
    report.original = *body;
    report.max_original_bytes = settings_.dsn_max_original_bytes;
    report.unique = std::to_string(message.id) + "." + std::to_string(now) + ".fail";
    Status sunk = bounce_(message.sender, make_dsn(report));
    if (!sunk) {
      log::warn("queue.dsn_failed", {{"id", message.id}, {"detail", sunk.error().detail}});
      return false;
    }
    dsns_.fetch_add(1);
    log::info("queue.bounced", {{"id", message.id}, {"to", message.sender}});
  }
  if (Status written = store_.update(message.id, updates); !written) {
    if (written.error().kind == ErrorKind::not_found) {
      return true;  // deleted meanwhile (postroom queue delete): nothing left to do
    }
    log::error("queue.update_failed", {{"id", message.id}, {"detail", written.error().detail}});
    return false;
  }
  return true;
}

}  // namespace postroom::queue
