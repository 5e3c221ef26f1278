// Runtime: the daemon's threads and listeners.
// - One io_context per I/O thread (one per core by default); each accepted connection is
//   handed round-robin to a context and served there by one coroutine.
// - A separate thread pool for blocking work (storage, password hashing), see offload.h.
// - Listeners bind in listen() (so the caller can bind privileged ports as root, then drop
//   privileges) and start accepting in run().
// - Graceful stop on SIGTERM/SIGINT: stop accepting, let sessions finish the command in
//   flight, end sessions that wait for input, and after `grace` stop regardless.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "io/asio.h"
#include "io/stream.h"

namespace postroom::io {

class Runtime;

// Registers a live session's stream for graceful shutdown; unregisters on destruction.
// Must be created and destroyed on the stream's executor.
class SessionGuard {
 public:
  SessionGuard(Runtime& runtime, Stream& stream);
  ~SessionGuard();
  SessionGuard(const SessionGuard&) = delete;
  SessionGuard& operator=(const SessionGuard&) = delete;

 private:
  Runtime& runtime_;
  Stream& stream_;
};

class Runtime {
 public:
  using Handler = std::function<Task<void>(std::unique_ptr<Stream>)>;

  Runtime(unsigned io_threads, unsigned storage_threads);
  ~Runtime();

  // Binds address:port now. `name` is for logs (e.g. "pop3/tls").
  Status listen(const std::string& address, std::uint16_t port, std::string name, Handler handler);

  // Serves until SIGTERM or SIGINT (or request_stop()), then stops gracefully.
  // on_ready runs once the listeners accept. on_stopping runs after accepting stopped while
  // the I/O threads still run, so background services (the queue) can wind down their
  // in-flight work; it should return within the grace period.
  void run(std::chrono::seconds grace, const std::function<void()>& on_ready,
           const std::function<void(std::chrono::steady_clock::time_point deadline)>& on_stopping = {});
  void request_stop();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  asio::thread_pool& storage_pool() { return storage_pool_; }
  // Password hashing (Argon2id: tens of milliseconds of CPU and ~19 MiB each) runs here, not
  // on the storage pool, so a burst of logins cannot queue every other session's storage
  // work behind it. Two threads also bound the memory the hashes take at once.
  asio::thread_pool& auth_pool() { return auth_pool_; }
  // An I/O context for background services (the outbound queue); i modulo the count.
  asio::io_context& context(std::size_t i) { return *contexts_[i % contexts_.size()]; }
  std::size_t live_sessions();

 private:
  friend class SessionGuard;
  struct Listener;
  Task<void> accept_loop(Listener& listener);
  void sweep_idle_sessions();

  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  asio::thread_pool storage_pool_;
  asio::thread_pool auth_pool_{2};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> next_context_{0};
  std::mutex sessions_mutex_;
  std::unordered_set<Stream*> sessions_;
  asio::io_context signal_context_;
};

}  // namespace postroom::io
