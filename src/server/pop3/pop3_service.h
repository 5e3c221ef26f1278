// POP3 service: serves RFC 1939 sessions with CAPA (RFC 2449), STLS (RFC 2595), AUTH
// (RFC 5034), UTF8 (RFC 6856) on plain, STARTTLS and implicit-TLS listeners.
// One Pop3Service is shared by all POP3 listeners; each connection runs one Pop3Session
// coroutine on its I/O thread. Storage and password checks go through io::offload.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "io/runtime.h"
#include "io/stream.h"
#include "mail/mail_service.h"
#include "server/common/authenticator.h"
#include "server/common/maildrop_locks.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::server::pop3 {

enum class ListenerKind { plain, starttls, tls };

struct Pop3Settings {
  std::string hostname = "localhost";
  bool allow_plaintext_auth = false;
  // RFC 2449 EXPIRE: "NEVER", or days as a decimal string. "0": retrieved messages are
  // deleted at QUIT whether or not the client sent DELE.
  std::string expire = "NEVER";
  unsigned login_delay_seconds = 0;        // RFC 2449 LOGIN-DELAY; 0 = not enforced or advertised
  std::chrono::seconds idle_timeout{600};  // RFC 1939 §3: at least 10 minutes
  std::chrono::seconds tls_handshake_timeout{30};
};

class Pop3Service {
 public:
  Pop3Service(io::Runtime& runtime, mail::MailService& mail, Authenticator& authenticator, SSL_CTX* tls,
              Pop3Settings settings)
      : runtime_(runtime), mail_(mail), authenticator_(authenticator), tls_(tls), settings_(std::move(settings)) {}

  // Serves one connection until it ends.
  io::Task<void> serve(std::unique_ptr<io::Stream> stream, ListenerKind kind);

  io::Runtime& runtime() { return runtime_; }
  mail::MailService& mail() { return mail_; }
  Authenticator& authenticator() { return authenticator_; }
  SSL_CTX* tls() const { return tls_; }
  const Pop3Settings& settings() const { return settings_; }
  MaildropLocks& locks() { return locks_; }

  // RFC 2449 LOGIN-DELAY: true (and records the login) when the account may log in now.
  bool admit_login(store::AccountId account);

 private:
  io::Runtime& runtime_;
  mail::MailService& mail_;
  Authenticator& authenticator_;
  SSL_CTX* tls_;
  Pop3Settings settings_;
  MaildropLocks locks_;
  std::mutex login_times_mutex_;
  std::unordered_map<store::AccountId, std::chrono::steady_clock::time_point> login_times_;
};

}  // namespace postroom::server::pop3
