#include "io/runtime.h"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>

#include <thread>

#include "base/log.h"

namespace postroom::io {

struct Runtime::Listener {
  std::string name;
  tcp::acceptor acceptor;
  Handler handler;
};

SessionGuard::SessionGuard(Runtime& runtime, Stream& stream) : runtime_(runtime), stream_(stream) {
  std::lock_guard lock(runtime_.sessions_mutex_);
  runtime_.sessions_.insert(&stream_);
}

SessionGuard::~SessionGuard() {
  std::lock_guard lock(runtime_.sessions_mutex_);
  runtime_.sessions_.erase(&stream_);
}

Runtime::Runtime(unsigned io_threads, unsigned storage_threads)
    : storage_pool_(storage_threads == 0 ? 1 : storage_threads) {
  if (io_threads == 0) {
    io_threads = std::max(1u, std::thread::hardware_concurrency());
  }
  for (unsigned i = 0; i < io_threads; ++i) {
    // Concurrency hint 1: each context is driven by exactly one thread, so Asio can skip
    // internal locking.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
}

Runtime::~Runtime() {
  auth_pool_.join();
  storage_pool_.join();
}

Status Runtime::listen(const std::string& address, std::uint16_t port, std::string name, Handler handler) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec) {
    return make_error(ErrorKind::bad_syntax, "bad listen address " + address);
  }
  asio::io_context& ctx = *contexts_[listeners_.size() % contexts_.size()];
  auto listener = std::make_unique<Listener>(Listener{std::move(name), tcp::acceptor(ctx), std::move(handler)});
  tcp::endpoint endpoint(ip, port);
  listener->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    listener->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec && ip.is_v6()) {
    listener->acceptor.set_option(asio::ip::v6_only(true), ec);
  }
  if (!ec) {
    listener->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    listener->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return make_error(ErrorKind::temporary, "listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  }
  listeners_.push_back(std::move(listener));
  return ok_status();
}

Task<void> Runtime::accept_loop(Listener& listener) {
  for (;;) {
    asio::io_context& target = *contexts_[next_context_.fetch_add(1) % contexts_.size()];
    boost::system::error_code ec;
    tcp::socket socket = co_await listener.acceptor.async_accept(target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || stopping()) {
      co_return;
    }
    if (ec) {
      // EMFILE/ENFILE and friends: back off briefly instead of spinning on the error.
      log::warn("accept.error", {{"listener", listener.name}, {"error", ec.message()}});
      asio::steady_timer pause(listener.acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    auto stream = std::make_unique<Stream>(std::move(socket));
    asio::co_spawn(target, listener.handler(std::move(stream)), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("session.exception", {{"what", ex.what()}});
        }
      }
    });
  }
}

std::size_t Runtime::live_sessions() {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

void Runtime::sweep_idle_sessions() {
  std::lock_guard lock(sessions_mutex_);
  for (Stream* stream : sessions_) {
    asio::post(stream->socket().get_executor(), [this, stream] {
      // Runs on the stream's own thread; membership under the lock proves it is alive.
      std::lock_guard inner(sessions_mutex_);
      if (sessions_.count(stream) != 0 && stream->waiting_for_input()) {
        stream->cancel();
      }
    });
  }
}

void Runtime::request_stop() {
  asio::post(signal_context_, [this] { signal_context_.stop(); });
}

void Runtime::run(std::chrono::seconds grace, const std::function<void()>& on_ready,
                  const std::function<void(std::chrono::steady_clock::time_point)>& on_stopping) {
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (auto& ctx : contexts_) {
    work.emplace_back(ctx->get_executor());
  }
  for (auto& listener : listeners_) {
    asio::co_spawn(listener->acceptor.get_executor(), accept_loop(*listener), asio::detached);
  }
  for (auto& ctx : contexts_) {
    threads.emplace_back([&ctx] { ctx->run(); });
  }

  asio::signal_set signals(signal_context_, SIGTERM, SIGINT);
  signals.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) {
      log::info("shutdown.signal", {{"signal", signo}});
    }
    signal_context_.stop();
  });
  if (on_ready) {
    on_ready();
  }
  signal_context_.run();

  stopping_.store(true, std::memory_order_release);
  for (auto& listener : listeners_) {
    asio::post(listener->acceptor.get_executor(), [&listener] {
      boost::system::error_code ignored;
      listener->acceptor.close(ignored);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  if (on_stopping) {
    on_stopping(deadline);
  }
  while (live_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
    sweep_idle_sessions();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::size_t left = live_sessions();
  if (left > 0) {
    log::warn("shutdown.grace_expired", {{"sessions", left}});
  }
  work.clear();
  for (auto& ctx : contexts_) {
    ctx->stop();
  }
  for (auto& t : threads) {
    t.join();
  }
  auth_pool_.join();
  storage_pool_.join();
  log::info("shutdown.done");
}

}  // namespace postroom::io
