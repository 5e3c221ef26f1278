// One POP3 connection: AUTHORIZATION -> TRANSACTION -> UPDATE (RFC 1939 §3).
//
// Protocol truths this class keeps (DESIGN.md §4):
// - DELE only marks; messages are removed in the UPDATE state after QUIT, durably, before
//   the +OK. A connection that drops, times out or is shut down deletes nothing.
// - The maildrop is locked exclusively for the whole TRANSACTION state ([IN-USE]).
// - The message list is a snapshot taken at login: numbers and sizes never change within a
//   session, whatever arrives meanwhile.
// - Replies are batched while the client pipelines (RFC 2449 PIPELINING) and flushed before
//   every read, so a pipelining client gets its answers in order without a write per line.
// - Download cost: DELE, LIST, STAT, UIDL never reach the store; a RETR that misses the
//   read-ahead cache reads its message and the next ones in one storage round trip and one
//   read transaction (maildrop.h, Store::read_messages) and the rest are answered from memory; bodies are dot-stuffed
//   in one pass slice by slice (dot_stuffer.h). QUIT removes every marked message in one store call (one group commit)
//   and only then answers +OK; the \Seen flags of retrieved messages follow in one more call, also before the +OK (best
//   effort: they lose no mail).
//
// SECURITY: before login the session touches only the parser, the Authenticator and the
// limiter; the maildrop is reachable only after a successful login, and only the logged-in
// account's INBOX.
#pragma once

#include <memory>

#include "io/stream.h"
#include "server/pop3/pop3_service.h"

namespace postroom::server::pop3 {

io::Task<void> run_session(Pop3Service& service, std::unique_ptr<io::Stream> stream, ListenerKind kind);

}  // namespace postroom::server::pop3
