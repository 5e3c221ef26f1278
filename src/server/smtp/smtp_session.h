// One SMTP, submission or LMTP connection (RFC 5321, RFC 6409, RFC 2033).
//
// Protocol truths this session keeps:
// - The reply to the end of data (250, or LMTP's per-recipient replies) is sent only after
//   the message is durable in every local mailbox and in the outbound queue.
// - Only CRLF "." CRLF ends DATA (the codec's DataReader); bare LF/CR are refused or
//   normalised by configuration (SMTP smuggling).
// - Not an open relay: a recipient outside the local domains is accepted only in an
//   authenticated submission session; port 25 and LMTP deliver only locally.
// - Passwords never cross an unencrypted connection unless configuration allows it: AUTH is
//   neither advertised nor accepted before TLS (538 5.7.11).
// - Anything a client pipelined after STARTTLS is discarded (RFC 3207 §4.2).
//
// SECURITY: before AUTH (and always on port 25) a session may only deliver to local
// recipients; the submission sender check ties MAIL FROM and From: to the logged-in account.
#pragma once

#include <memory>

#include "io/stream.h"
#include "server/smtp/smtp_service.h"

namespace postroom::server::smtp {

io::Task<void> run_session(SmtpService& service, std::unique_ptr<io::Stream> stream, Role role, ListenerKind kind);

}  // namespace postroom::server::smtp
