// IMAP service: IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) on the same listeners
// (143 STARTTLS, 993 implicit TLS). One ImapService is shared by every IMAP connection;
// each connection is one ImapSession coroutine on its I/O thread. Storage work runs on the
// storage pool through io::offload; changes made by any session or protocol reach every
// other session through push::ChangeBus.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "io/runtime.h"
#include "io/stream.h"
#include "mail/mail_service.h"
#include "push/change_bus.h"
#include "server/common/authenticator.h"
#include "server/imap/snapshot.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::server::imap {

enum class ListenerKind { plain, starttls, tls };

struct ImapSettings {
  std::string hostname = "localhost";
  bool allow_plaintext_auth = false;
  std::uint64_t max_message_bytes = 50ull * 1024 * 1024;  // APPENDLIMIT
  // RFC 9051 §5.4: the autologout timer is at least 30 minutes; IDLE clients re-issue IDLE
  // within 29 minutes (RFC 2177).
  std::chrono::seconds idle_timeout{1800};
  std::chrono::seconds preauth_timeout{60};  // before login: a slow client costs little but is cut
  std::chrono::seconds tls_handshake_timeout{30};
  // IDLE also re-reads the mailbox this often, to notice changes made by other processes
  // (the CLI's deliver/import); in-process changes arrive at once through the ChangeBus.
  std::chrono::milliseconds idle_poll{5000};
  // Snapshots of recently selected mailboxes kept in memory for fast SELECT (16 bytes per
  // message; the default holds ~32 MB, least recently selected mailboxes go first).
  std::size_t snapshot_cache_messages = 2'000'000;
};

class ImapService {
 public:
  ImapService(io::Runtime& runtime, mail::MailService& mail, Authenticator& authenticator, SSL_CTX* tls,
              push::ChangeBus& bus, ImapSettings settings)
      : runtime_(runtime),
        mail_(mail),
        authenticator_(authenticator),
        tls_(tls),
        bus_(bus),
        settings_(std::move(settings)),
        snapshots_(settings_.snapshot_cache_messages) {}

  io::Task<void> serve(std::unique_ptr<io::Stream> stream, ListenerKind kind);

  io::Runtime& runtime() { return runtime_; }
  mail::MailService& mail() { return mail_; }
  Authenticator& authenticator() { return authenticator_; }
  SSL_CTX* tls() const { return tls_; }
  push::ChangeBus& bus() { return bus_; }
  const ImapSettings& settings() const { return settings_; }
  SnapshotCache& snapshots() { return snapshots_; }

 private:
  io::Runtime& runtime_;
  mail::MailService& mail_;
  Authenticator& authenticator_;
  SSL_CTX* tls_;
  push::ChangeBus& bus_;
  ImapSettings settings_;
  SnapshotCache snapshots_;
};

}  // namespace postroom::server::imap
