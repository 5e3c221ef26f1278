// Stream: one client connection, plain TCP or TLS, with STARTTLS upgrade.
//
// Why not asio::ssl::stream: it keeps ~69 KB of fixed buffers per connection (its own and an
// internal BIO pair). We drive OpenSSL directly on the socket's file descriptor
// (SSL_set_fd, non-blocking, readiness from async_wait) with SSL_MODE_RELEASE_BUFFERS, so a
// parked connection costs OpenSSL's own floor (~14 KB) plus a small struct (DESIGN.md §2).
//
// Contract: a Stream is used by one coroutine at a time (its session), on its socket's
// executor. Reads and writes return typed results; a timeout or cancel() ends a pending read
// with ErrorKind::temporary. Nothing here throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "io/asio.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::io {

class Stream {
 public:
  explicit Stream(tcp::socket socket);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Server-side TLS handshake on this connection (implicit TLS, or after STARTTLS/STLS).
  // Gives up after `timeout` so a silent client cannot hold a handshake slot forever.
  Task<Status> start_tls(SSL_CTX* ctx, std::chrono::milliseconds timeout);

  // Client-side TLS handshake (outbound SMTP STARTTLS). `server_name` goes into SNI.
  // Certificate verification is the caller's policy: set it on ctx (opportunistic TLS for
  // MX delivery does not verify, RFC 7435); verify_result() tells what OpenSSL concluded.
  Task<Status> start_tls_client(SSL_CTX* ctx, const std::string& server_name, std::chrono::milliseconds timeout);
  long verify_result() const;

  // Reads what is available, at most `size` bytes. Returns 0 at end of stream.
  // Fails with ErrorKind::temporary on timeout or cancel().
  Task<Result<std::size_t>> read_some(char* buffer, std::size_t size, std::chrono::milliseconds timeout);

  // Waits until a read would find something (data, end of stream or an error), for at most
  // `timeout`; ends like read_some's wait (temporary "timeout", "interrupted", "cancelled").
  // For connections that park between messages (IMAP IDLE): while waiting it holds no read
  // buffer and no frame but the wait's own. TLS bytes already decrypted count as ready.
  Task<Status> wait_readable(std::chrono::milliseconds timeout);

  // Writes all of `data` or fails.
  Task<Status> write_all(std::string_view data);

  // Cancels a pending read (used by graceful shutdown); safe from the stream's executor only.
  void cancel();
  // Ends a pending read once with ErrorKind::temporary "interrupted", leaving the stream
  // usable (IMAP IDLE wakes its read this way when a change arrives). Same executor only.
  void interrupt();
  // Sends TLS close_notify where possible and closes the socket.
  void close();

  bool is_tls() const { return ssl_ != nullptr; }
  // True while the session waits for the client's next command (graceful shutdown may then
  // end the connection without cutting a command short).
  bool waiting_for_input() const { return waiting_for_input_; }
  const std::string& remote_address() const { return remote_address_; }
  std::string tls_description() const;  // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384"
  tcp::socket& socket() { return socket_; }

 private:
  enum class Want { read, write };
  Task<Status> handshake(std::chrono::milliseconds timeout);
  // `for_input`: the wait is for the client's next input (waiting_for_input(), interrupt()).
  Task<Status> wait(Want want, std::chrono::milliseconds timeout, bool for_input = false);

  tcp::socket socket_;
  SSL* ssl_ = nullptr;
  bool waiting_for_input_ = false;
  bool cancelled_ = false;
  bool interrupted_ = false;
  std::string remote_address_;
};

}  // namespace postroom::io
