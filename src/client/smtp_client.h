// SmtpClient: the client side of one SMTP connection (RFC 5321), as coroutines over io::Stream.
// Used by the outbound queue (queue/) and, later, by the probe.
//
// Contract:
// - Every command method sends one command and returns the server's complete (possibly
//   multi-line) reply. A reply of any code is a value; an Error means the connection is
//   unusable (I/O failure, timeout, malformed or over-long reply, peer closed) and the caller
//   should drop it. Error kinds: temporary for connection trouble and timeouts, permanent for a
//   TLS handshake the server failed.
// - Timeouts follow RFC 5321 §4.5.3.2 (greeting 5 min, MAIL 5 min, RCPT 5 min, DATA
//   initiation 2 min, data block 3 min, end of data 10 min); SmtpTimeouts makes them settable.
// - Protocol-clean: the client sends exactly the commands asked for, CRLF-terminated; it
//   never sends ESMTP parameters the server did not announce when asked to add them
//   (the caller builds parameters; `capabilities()` tells what was announced).
// - One coroutine at a time uses a client, on its stream's executor. Nothing throws.
//
// SECURITY: replies come from an untrusted peer. A reply is limited to kMaxReplyLines lines of
// at most kMaxLineLength octets each so a hostile server cannot make us buffer without bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "io/asio.h"
#include "io/stream.h"
#include "proto/smtp/reply_parser.h"

namespace postroom::client {

struct SmtpTimeouts {
  std::chrono::milliseconds connect{std::chrono::seconds(30)};
  std::chrono::milliseconds greeting{std::chrono::minutes(5)};
  std::chrono::milliseconds command{std::chrono::minutes(5)};  // EHLO, STARTTLS, AUTH, RSET, QUIT
  std::chrono::milliseconds mail{std::chrono::minutes(5)};
  std::chrono::milliseconds rcpt{std::chrono::minutes(5)};
  std::chrono::milliseconds data_init{std::chrono::minutes(2)};
  std::chrono::milliseconds data_block{std::chrono::minutes(3)};
  std::chrono::milliseconds data_end{std::chrono::minutes(10)};
  std::chrono::milliseconds tls_handshake{std::chrono::minutes(1)};
};

struct SmtpReply {
  int code = 0;                    // 200..599
  std::string enhanced;            // RFC 3463 "x.y.z" from the first line when present, else ""
  std::vector<std::string> lines;  // text after "NNN-"/"NNN " of each line

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "550 5.1.1 no such user" with continuation lines joined by spaces (for logs, DSNs).
  std::string text() const;
  // The enhanced code, or one derived from the basic code (2.0.0, 4.0.0, 5.0.0).
  std::string status() const;
};

// What EHLO announced (RFC 5321 §4.1.1.1 and the extensions' RFCs).
struct Capabilities {
  bool esmtp = false;  // EHLO was accepted
  bool starttls = false;
  bool pipelining = false;
  bool eightbitmime = false;
  bool smtputf8 = false;
  bool dsn = false;
  bool chunking = false;
  bool enhanced_status_codes = false;
  bool size = false;
  std::uint64_t size_limit = 0;   // 0 = none announced
  std::vector<std::string> auth;  // mechanisms, upper-case
};

class SmtpClient {
 public:
  // Limits on what the server may send (see SECURITY above). RFC 5321 §4.5.3.1.5 allows reply
  // lines of 512 octets; real servers exceed that a little, so allow more.
  static constexpr std::size_t kMaxLineLength = 4096;
  static constexpr std::size_t kMaxReplyLines = 128;
  // Replies are parsed by proto/smtp's ReplyParser with these limits.

  SmtpClient(std::unique_ptr<io::Stream> stream, SmtpTimeouts timeouts);

  // Connects a TCP socket to `endpoint` within timeouts.connect and wraps it in a client.
  static io::Task<Result<std::unique_ptr<SmtpClient>>> connect(const io::tcp::endpoint& endpoint,
                                                               SmtpTimeouts timeouts);

  io::Task<Result<SmtpReply>> read_greeting();
  // EHLO; on success fills capabilities(). On a 5xx reply the caller may try helo().
  io::Task<Result<SmtpReply>> ehlo(std::string_view domain);
  io::Task<Result<SmtpReply>> helo(std::string_view domain);
  // STARTTLS; on 220 runs the client TLS handshake (SNI = server_name) and forgets the
  // capabilities: the caller must send EHLO again (RFC 3207 §4.2).
  io::Task<Result<SmtpReply>> starttls(SSL_CTX* ctx, const std::string& server_name);
  // TLS handshake right after connecting (implicit TLS, RFC 8314), before read_greeting().
  io::Task<Status> start_implicit_tls(SSL_CTX* ctx, const std::string& server_name);
  // AUTH PLAIN (preferred) or LOGIN, whichever the server announced (RFC 4954). Returns the
  // final reply (235 on success); a server offering neither: Error permanent.
  io::Task<Result<SmtpReply>> auth(std::string_view user, std::string_view password);
  // MAIL FROM:<reverse_path> params (each " KEY=VALUE", already encoded by the caller).
  io::Task<Result<SmtpReply>> mail_from(std::string_view reverse_path, std::string_view params);
  io::Task<Result<SmtpReply>> rcpt_to(std::string_view forward_path, std::string_view params);
  // DATA, then (on 354) the message dot-stuffed and terminated by CRLF.CRLF. Returns the 354
  // refusal, or the final reply. `message` must use CRLF line endings; a missing final CRLF
  // is added.
  io::Task<Result<SmtpReply>> data(std::string_view message);
  // BDAT (RFC 3030) with the whole message as one LAST chunk; only if CHUNKING was announced.
  io::Task<Result<SmtpReply>> bdat(std::string_view message);
  io::Task<Result<SmtpReply>> rset();
  // QUIT and close; errors are ignored (the transaction outcome is already known).
  io::Task<void> quit();

  const Capabilities& capabilities() const { return capabilities_; }
  io::Stream& stream() { return *stream_; }
  bool is_tls() const { return stream_->is_tls(); }
  void close() { stream_->close(); }

 private:
  io::Task<Result<SmtpReply>> command(std::string_view line, std::chrono::milliseconds timeout);
  io::Task<Result<SmtpReply>> read_reply(std::chrono::milliseconds timeout);
  io::Task<Status> send(std::string_view bytes);

  std::unique_ptr<io::Stream> stream_;
  SmtpTimeouts timeouts_;
  Capabilities capabilities_;
  static smtp::ReplyLimits reply_limits();
  smtp::ReplyParser parser_;  // received bytes not yet consumed as replies
};

// Dot-stuffs `message` for DATA (RFC 5321 §4.5.2) and appends the terminating ".\r\n"
// (with a CRLF first when the message does not end with one).
std::string dot_stuff(std::string_view message);

// Parses EHLO reply lines into capabilities (exposed for tests).
Capabilities parse_capabilities(const SmtpReply& ehlo_reply);

// RFC 3461 §4 xtext, for ENVID and ORCPT values (proto/smtp's encode_xtext).
std::string xtext_encode(std::string_view text);

}  // namespace postroom::client
