#include "io/stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

namespace postroom::io {
namespace {

// Timer state shared with the timer's completion handler, which may run after the waiting
// coroutine moved on (even after the Stream is gone): it only touches the socket while the
// wait is still pending. Everything runs on the connection's single-threaded io_context.
struct WaitState {
  bool done = false;
  bool expired = false;
  tcp::socket* socket = nullptr;
};

std::string last_openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "connection error";
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

constexpr std::chrono::seconds kWriteTimeout{120};

}  // namespace

Stream::Stream(tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = endpoint.address().to_string();
  }
}

Stream::~Stream() {
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
  }
}

Task<Status> Stream::wait_readable(std::chrono::milliseconds timeout) {
  // Not a coroutine itself: a parked connection keeps one frame (wait's) for this.
  return wait(Want::read, timeout, true);
}

Task<Status> Stream::wait(Want want, std::chrono::milliseconds timeout, bool for_input) {
  if (for_input) {
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) {
      co_return ok_status();  // decrypted bytes wait in OpenSSL; the socket may show nothing
    }
    if (cancelled_) {
      co_return make_error(ErrorKind::temporary, "cancelled");
    }
  }
  auto state = std::make_shared<WaitState>();
  state->socket = &socket_;
  asio::steady_timer timer(socket_.get_executor());
  timer.expires_after(timeout);
  timer.async_wait([state](const boost::system::error_code& ec) {
    if (!ec && !state->done) {
      state->expired = true;
      boost::system::error_code ignored;
      state->socket->cancel(ignored);
    }
  });
  boost::system::error_code ec;
  waiting_for_input_ = for_input || waiting_for_input_;
  co_await socket_.async_wait(want == Want::read ? tcp::socket::wait_read : tcp::socket::wait_write,
                              asio::redirect_error(asio::use_awaitable, ec));
  if (for_input) {
    waiting_for_input_ = false;
  }
  state->done = true;
  timer.cancel();
  if (state->expired) {
    co_return make_error(ErrorKind::temporary, "timeout");
  }
  if (cancelled_) {
    co_return make_error(ErrorKind::temporary, "cancelled");
  }
  if (interrupted_) {
    interrupted_ = false;
    co_return make_error(ErrorKind::temporary, "interrupted");
  }
  if (ec) {
    co_return make_error(ErrorKind::temporary, ec.message());
  }
  co_return ok_status();
}

Task<Status> Stream::start_tls(SSL_CTX* ctx, std::chrono::milliseconds timeout) {
  if (ssl_ != nullptr) {
    co_return make_error(ErrorKind::permanent, "TLS already active");
  }
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
    co_return make_error(ErrorKind::temporary, last_openssl_error());
  }
  SSL_set_accept_state(ssl_);
  co_return co_await handshake(timeout);
}

Task<Status> Stream::start_tls_client(SSL_CTX* ctx, const std::string& server_name, std::chrono::milliseconds timeout) {
  if (ssl_ != nullptr) {
    co_return make_error(ErrorKind::permanent, "TLS already active");
  }
  ssl_ = SSL_new(ctx);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
    co_return make_error(ErrorKind::temporary, last_openssl_error());
  }
  if (!server_name.empty()) {
    SSL_set_tlsext_host_name(ssl_, server_name.c_str());
    SSL_set1_host(ssl_, server_name.c_str());
  }
  SSL_set_connect_state(ssl_);
  co_return co_await handshake(timeout);
}

long Stream::verify_result() const {
  return ssl_ == nullptr ? -1 : SSL_get_verify_result(ssl_);
}

Task<Status> Stream::handshake(std::chrono::milliseconds timeout) {
  for (;;) {
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl_);
    if (rc == 1) {
      co_return ok_status();
    }
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      Status waited = co_await wait(err == SSL_ERROR_WANT_READ ? Want::read : Want::write, timeout);
      if (!waited) {
        co_return waited;
      }
      continue;
    }
    co_return make_error(ErrorKind::permanent, "TLS handshake: " + last_openssl_error());
  }
}

Task<Result<std::size_t>> Stream::read_some(char* buffer, std::size_t size, std::chrono::milliseconds timeout) {
  for (;;) {
    if (cancelled_) {
      co_return make_error(ErrorKind::temporary, "cancelled");
    }
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
      if (n > 0) {
        co_return static_cast<std::size_t>(n);
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_ZERO_RETURN) {
        co_return std::size_t{0};
      }
      if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        // The peer closed TCP without close_notify: treat as end of stream; the session
        // protocol decides whether that loses anything (POP3: it deletes nothing).
        co_return std::size_t{0};
      }
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        waiting_for_input_ = true;
        Status waited = co_await wait(err == SSL_ERROR_WANT_READ ? Want::read : Want::write, timeout);
        waiting_for_input_ = false;
        if (!waited) {
          co_return waited.error();
        }
        continue;
      }
      co_return make_error(ErrorKind::permanent, "TLS read: " + last_openssl_error());
    }
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(buffer, size), ec);
    if (!ec) {
      co_return n;
    }
    if (ec == asio::error::eof) {
      co_return std::size_t{0};
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      waiting_for_input_ = true;
      Status waited = co_await wait(Want::read, timeout);
      waiting_for_input_ = false;
      if (!waited) {
        co_return waited.error();
      }
      continue;
    }
    co_return make_error(ErrorKind::temporary, ec.message());
  }
}

Task<Status> Stream::write_all(std::string_view data) {
  while (!data.empty()) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_write(ssl_, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        Status waited = co_await wait(err == SSL_ERROR_WANT_READ ? Want::read : Want::write, kWriteTimeout);
        if (!waited) {
          co_return waited;
        }
        continue;
      }
      co_return make_error(ErrorKind::temporary, "TLS write: " + last_openssl_error());
    }
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(data.data(), data.size()), ec);
    if (!ec) {
      data.remove_prefix(n);
      continue;
    }
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      Status waited = co_await wait(Want::write, kWriteTimeout);
      if (!waited) {
        co_return waited;
      }
      continue;
    }
    co_return make_error(ErrorKind::temporary, ec.message());
  }
  co_return ok_status();
}

void Stream::cancel() {
  cancelled_ = true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void Stream::interrupt() {
  if (!waiting_for_input_) {
    return;  // nothing pending: the caller checks its own state before the next read
  }
  interrupted_ = true;
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void Stream::close() {
  if (ssl_ != nullptr) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // best effort close_notify; a non-blocking socket never waits here
  }
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::string Stream::tls_description() const {
  if (ssl_ == nullptr) {
    return "";
  }
  return std::string(SSL_get_version(ssl_)) + " " + SSL_get_cipher_name(ssl_);
}

}  // namespace postroom::io
