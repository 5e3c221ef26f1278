// QueueRunner: the outbound scheduler. A coroutine on one io_context that takes due messages
// from the QueueStore, groups their recipients by destination (domain, or the smarthost),
// delivers each group over one SMTP connection (several messages per connection), records
// per-recipient outcomes, and sends DSNs through the BounceSink.
//
// Outcomes: 2xx -> delivered; 4xx or connection trouble -> deferred with exponential backoff
// (backoff.h), failed once max_lifetime is over; 5xx, null MX, no such domain -> failed at
// once. Failed recipients get a "failed" DSN, a recipient deferred past delay_warning_seconds
// one "delayed" DSN (dsn.h decides whether the sender wants them; never for <>).
//
// Threads: start() spawns the loop on `context`; every member is touched only on that
// context's thread (run it with one thread). Store, DNS and the bounce sink are blocking and run
// on the storage pool through io::offload. wake() and stop() may be called from any thread.
//
// Exactly once "as far as the protocol allows": a recipient is marked delivered only after the
// server's 2xx to the end of data; if the connection drops between our "." and the reply, the
// recipient is retried later and may be delivered twice (RFC 1047).
//
// SECURITY: everything a remote server sends is untrusted: replies are length-limited by
// SmtpClient and end up only in logs, the queue's last_reply column and DSNs (as one line).
// Opportunistic STARTTLS does not verify certificates (RFC 7435); the smarthost, which gets
// credentials, is authenticated only if the caller's SSL_CTX verifies (see README.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "dns/resolver.h"
#include "io/asio.h"
#include "queue/settings.h"
#include "store/queue.h"

namespace postroom::io {
class Runtime;
}

namespace postroom::queue {

// Delivers a DSN: `recipient` is the original envelope sender, `message_bytes` the complete
// report (CRLF). The daemon delivers locally (mail::MailService) when the recipient is local,
// else enqueues it with a null reverse-path. Called on the storage pool; may block.
using BounceSink = std::function<Status(std::string recipient, std::string message_bytes)>;

struct QueueStats {
  std::uint64_t connections = 0;  // SMTP sessions opened
  std::uint64_t delivered = 0;    // recipients
  std::uint64_t deferred = 0;
  std::uint64_t failed = 0;
  std::uint64_t dsns = 0;  // DSN messages handed to the sink
};

class QueueRunner {
 public:
  QueueRunner(io::Runtime& runtime, store::QueueStore& store, dns::Resolver& resolver, SSL_CTX* client_ctx,
              QueueSettings settings, BounceSink bounce);
  // Same, with an explicit pool for blocking calls (tests, tools).
  QueueRunner(io::asio::thread_pool& pool, store::QueueStore& store, dns::Resolver& resolver, SSL_CTX* client_ctx,
              QueueSettings settings, BounceSink bounce);
  ~QueueRunner();
  QueueRunner(const QueueRunner&) = delete;
  QueueRunner& operator=(const QueueRunner&) = delete;

  // Spawns the scheduler on `context` (once).
  void start(io::asio::io_context& context);
  // Scan the queue now (call after enqueue). Thread-safe.
  void wake();
  // Ends the loop after the current scan; deliveries in flight run to their end. Thread-safe.
  void stop();
  // True once stop() was called and no delivery is in flight (for orderly shutdown).
  bool idle() const { return stopped_.load() && in_flight_count_.load() == 0; }

  QueueStats stats() const;

 private:
  struct Job;
  struct Outcome;
  struct RouteWork;

  io::Task<void> loop();
  io::Task<void> scan();
  io::Task<void> deliver_route(std::string route_key, std::vector<Job> jobs, std::uint32_t seed);
  // One SMTP session to one address; returns a SessionEnd (see queue_runner.cc).
  io::Task<int> run_session(RouteWork& work, const std::string& host, const std::string& address, std::uint16_t port,
                            bool try_tls);
  io::Task<void> bounce_message(store::QueuedMessage message);
  // On the storage pool: writes the outcomes, sends delay warnings.
  void finish_route(RouteWork& work);
  // On the storage pool: the "failed" DSN for a message's failed recipients; false = retry.
  bool send_failure_dsn(const store::QueuedMessage& message);

  io::asio::thread_pool& pool_;
  store::QueueStore& store_;
  dns::Resolver& resolver_;
  SSL_CTX* client_ctx_;
  const QueueSettings settings_;
  BounceSink bounce_;

  io::asio::io_context* context_ = nullptr;
  std::unique_ptr<io::asio::steady_timer> timer_;
  bool wake_pending_ = false;  // loop thread only
  std::atomic<bool> stopped_{false};
  std::atomic<int> in_flight_count_{0};
  int active_routes_ = 0;
  std::set<std::int64_t> in_flight_recipients_;  // loop thread only
  std::set<store::QueueId> bouncing_;            // loop thread only
  std::map<store::QueueId, std::int64_t> bounce_retry_after_;
  std::set<std::string> no_tls_hosts_;  // hosts whose TLS handshake failed: plaintext next time
  std::mt19937 random_;

  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> deferred_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dsns_{0};
};

}  // namespace postroom::queue
