// ImapSession: one IMAP connection (RFC 9051 / RFC 3501). Internal to server/imap: the
// command handlers live in commands_*.cc, the state and I/O in imap_session.cc.
//
// Protocol truths this class keeps (DESIGN.md §4):
// - The selected mailbox is a snapshot (sequence numbers = positions in `selected_->messages`)
//   that changes only when the session reports the change: EXISTS for new messages, FETCH
//   FLAGS for flag changes, EXPUNGE (or VANISHED under QRESYNC) for removals — the latter
//   never while a FETCH, STORE, SEARCH, SORT, THREAD, COPY or MOVE by sequence number runs
//   (RFC 9051 §7.5.1), so numbers the client holds stay valid.
// - Changes by other sessions and protocols arrive through push::ChangeBus and are picked up
//   at the points the RFC allows; IDLE reports them at once.
// - Every mutating command answers OK only after the change is durable (mail::MailService).
// - Passwords never cross an unencrypted connection unless configuration allows it
//   (LOGINDISABLED, no AUTH= capabilities before TLS).
//
// SECURITY: before authentication only CAPABILITY, NOOP, LOGOUT, STARTTLS, AUTHENTICATE,
// LOGIN, ID and ENABLE-less state are reachable; after it, every store call carries the
// logged-in account's id, so no command can reach another account's mailboxes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/offload.h"
#include "io/stream.h"
#include "proto/imap/command.h"
#include "proto/imap/command_parser.h"
#include "proto/imap/response.h"
#include "push/change_bus.h"
#include "server/imap/deflate_stream.h"
#include "server/imap/imap_service.h"
#include "server/imap/snapshot.h"
#include "store/store.h"

namespace postroom::server::imap {

namespace pi = postroom::imap;

struct SelectedMailbox {
  store::Mailbox box;
  bool read_only = false;
  Snapshot messages;                     // sequence order (UID ascending)
  store::ModSeq synced_modseq = 0;       // changes up to here are in `messages`
  std::vector<store::Uid> saved_search;  // "$" (RFC 5182), UIDs
  std::vector<std::string> keywords;     // for FLAGS / PERMANENTFLAGS
};

class Session {
 public:
  Session(ImapService& service, std::unique_ptr<io::Stream> stream, ListenerKind kind);
  ~Session();
  io::Task<void> run();

 private:
  enum class State { not_authenticated, authenticated, selected, logout };

  // ---- I/O (imap_session.cc)
  enum class Input { data, tick, closed };
  // Reads and feeds the parser. tick: the timeout passed or a change interrupted the read.
  io::Task<Input> read_input(std::chrono::milliseconds timeout);
  // read_input for ordinary command reads: a timeout is the autologout (BYE, false).
  io::Task<bool> read_more(std::chrono::milliseconds timeout);
  io::Task<bool> flush();
  void send(std::string text) { out_ += std::move(text); }
  void ok(const std::string& tag, std::string_view text) { send(pi::tagged(tag, pi::Condition::ok, text)); }
  void ok(const std::string& tag, const pi::ResponseCode& code, std::string_view text) {
    send(pi::tagged(tag, pi::Condition::ok, code, text));
  }
  void no(const std::string& tag, std::string_view text) { send(pi::tagged(tag, pi::Condition::no, text)); }
  void no(const std::string& tag, pi::Code code, std::string_view text) {
    send(pi::tagged(tag, pi::Condition::no, pi::ResponseCode{code, ""}, text));
  }
  void bad(const std::string& tag, std::string_view text) { send(pi::tagged(tag, pi::Condition::bad, text)); }
  template <typename F>
  auto storage(F fn) -> io::Task<std::invoke_result_t<F>>;

  io::Task<bool> dispatch(pi::Command& command);
  bool allowed_in_state(const pi::Command& command, std::string& why) const;
  std::vector<std::string> capabilities() const;
  bool plaintext_allowed() const { return stream_->is_tls() || service_.settings().allow_plaintext_auth; }
  bool utf8_names() const { return utf8_enabled_ || rev2_; }
  store::Store& store() { return service_.mail().store(); }
  mail::MailService& mail() { return service_.mail(); }
  void on_change(const push::ChangeEvent& event);

  // ---- notifications (imap_session.cc)
  // Reports what changed in the selected mailbox since the snapshot. Expunges only when
  // `allow_expunge` (RFC 9051 §7.5.1).
  io::Task<void> sync_selected(bool allow_expunge);
  // After a complete sync: shares the cached snapshot when it lists the same messages, or
  // caches ours when it is newer (snapshot.h).
  void share_snapshot();
  // IDLE (RFC 2177) is a session state, not a running command: start_idle answers "+" and
  // sets idle_; run() then parks the connection in its own frame (a parked connection's
  // memory is what 10k IDLE clients cost) and wakes for input, a change, the poll tick or the
  // deadline.
  io::Task<bool> start_idle(const pi::Command& command);
  struct IdleNext {
    enum Action { park, ended, close } action;
    std::chrono::milliseconds wait{0};  // park: how long at most
  };
  // Handles buffered input (DONE ends IDLE), shutdown and the deadline; else how long to park.
  IdleNext idle_next();
  // After the park: reads what arrived (when `readable`) and reports the mailbox's changes.
  // False when the connection is gone.
  io::Task<bool> idle_wake(bool readable, std::chrono::milliseconds wait);

  // ---- not authenticated / any state (commands_auth.cc)
  io::Task<bool> cmd_capability(const pi::Command& command);
  io::Task<bool> cmd_starttls(const pi::Command& command);
  io::Task<bool> cmd_login(const pi::Command& command);
  io::Task<bool> cmd_authenticate(const pi::Command& command);
  io::Task<bool> finish_login(const std::string& tag, const std::string& user, const std::string& password);
  io::Task<bool> cmd_enable(const pi::Command& command);
  io::Task<bool> cmd_id(const pi::Command& command);
  io::Task<bool> cmd_namespace(const pi::Command& command);
  io::Task<bool> cmd_compress(const pi::Command& command);

  // ---- mailboxes (commands_mailbox.cc)
  io::Task<bool> cmd_select(const pi::Command& command);
  io::Task<bool> cmd_create(const pi::Command& command);
  io::Task<bool> cmd_delete(const pi::Command& command);
  io::Task<bool> cmd_rename(const pi::Command& command);
  io::Task<bool> cmd_subscribe(const pi::Command& command, bool subscribe);
  io::Task<bool> cmd_list(const pi::Command& command);
  io::Task<bool> cmd_status(const pi::Command& command);
  io::Task<bool> cmd_append(const pi::Command& command);
  io::Task<bool> cmd_close(const pi::Command& command, bool expunge);
  io::Task<bool> cmd_getquota(const pi::Command& command);
  void deselect();
  // The state of every message of `box` (a storage-pool call): from the shared cache plus the
  // changes since it was cached, or read anew; the cache is refreshed either way.
  Result<SnapshotCache::Entry> load_snapshot(const store::Mailbox& box);
  std::string mailbox_name_out(const std::string& name) const;

  // ---- messages (commands_message.cc)
  io::Task<bool> cmd_fetch(const pi::Command& command);
  io::Task<bool> cmd_store(const pi::Command& command);
  io::Task<bool> cmd_search(const pi::Command& command);
  io::Task<bool> cmd_sort_thread(const pi::Command& command);
  io::Task<bool> cmd_copy_move(const pi::Command& command, bool move);
  io::Task<bool> cmd_expunge(const pi::Command& command);
  // Sequence numbers (1-based) the set names in the snapshot, ascending. UID sets select by
  // UID; "$" is the saved search.
  std::vector<std::uint32_t> resolve(const pi::SequenceSet& set, bool uid) const;
  // Removes expunged UIDs from the snapshot, telling the client (EXPUNGE or VANISHED).
  void report_expunged(const std::vector<store::Uid>& uids);

  ImapService& service_;
  std::unique_ptr<io::Stream> stream_;
  ListenerKind kind_;
  pi::CommandParser parser_;
  std::string id_;
  std::string out_;
  // No read buffer here: a parked connection must cost a few KiB (issue 5's target is 4 KiB
  // for plain IDLE), and 16 KiB inline would dominate it. read_input reads into one buffer per
  // thread (Stream::read_some fills it synchronously once the socket is ready, and the bytes
  // go to the parser before the next suspension, so sessions on one thread never share it
  // across an await).

  State state_ = State::not_authenticated;
  std::optional<store::Account> account_;
  bool rev2_ = false;          // ENABLE IMAP4rev2
  bool utf8_enabled_ = false;  // ENABLE UTF8=ACCEPT
  bool condstore_ = false;     // CONDSTORE enabled (ENABLE, or a CONDSTORE-using command)
  bool qresync_ = false;       // ENABLE QRESYNC
  int auth_failures_ = 0;
  int bad_commands_ = 0;
  std::optional<SelectedMailbox> selected_;

  // ChangeBus wake-ups land here on our own thread; `alive_` guards posts that arrive after
  // the session ended.
  push::ChangeBus::Subscription subscription_;
  std::shared_ptr<bool> alive_;
  bool changes_pending_ = false;
  bool idling_ = false;  // parked in IDLE: a change interrupts the wait
  struct Idle {
    std::string tag;
    std::chrono::steady_clock::time_point deadline;
  };
  std::optional<Idle> idle_;

  // COMPRESS=DEFLATE (RFC 4978): once active, every byte in and out goes through zlib.
  std::unique_ptr<DeflateStream> deflate_;
};

// Runs a blocking call on the storage pool; the session resumes on its own thread.
template <typename F>
auto Session::storage(F fn) -> io::Task<std::invoke_result_t<F>> {
  co_return co_await io::offload(service_.runtime().storage_pool(), std::move(fn));
}

}  // namespace postroom::server::imap
