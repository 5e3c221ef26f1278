// queue list | show ID | retry ID | delete ID: the outbound queue (store/queue.h).
// Opens the queue tables directly, like the other commands open the store; the daemon's
// scheduler re-reads the queue every poll interval, so `retry` takes effect within a second or so.
#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "bin/cli/cli.h"
#include "io/privileges.h"
#include "store/queue.h"

namespace postroom::cli {
namespace {

std::string format_time(std::int64_t seconds) {
  if (seconds == 0) {
    return "-";
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool parse_id(const std::string& text, store::QueueId& id) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc{} && end == text.data() + text.size() && id > 0;
}

Result<std::unique_ptr<store::QueueStore>> open_queue(Context& context) {
  // As root, act as the service user (see open_store in common.cc).
  if (Status dropped = io::drop_privileges(context.config.user, ""); !dropped) {
    return dropped.error();
  }
  if (context.config.store_backend != "sqlite") {
    return make_error(ErrorKind::permanent, "store.backend " + context.config.store_backend + " is not available");
  }
  std::error_code ec;
  std::filesystem::create_directories(context.config.data_dir, ec);
  store::SqliteOptions options;
  options.data_dir = context.config.data_dir;
  return store::open_sqlite_queue(options);
}

int count_in(const store::QueuedMessage& message, store::RecipientState state) {
  int n = 0;
  for (const auto& r : message.recipients) {
    n += r.state == state ? 1 : 0;
  }
  return n;
}

}  // namespace

int cmd_queue(Context& context, const std::string& verb) {
  const char* kQueueUsage = "queue list | queue show ID | queue retry ID | queue delete ID";
  bool wants_id = verb == "show" || verb == "retry" || verb == "delete" || verb == "del";
  store::QueueId id = 0;
  if (verb == "list") {
    if (!context.args.empty()) {
      return usage(kQueueUsage);
    }
  } else if (!wants_id || context.args.size() != 1 || !parse_id(context.args[0], id)) {
    return usage(kQueueUsage);
  }
  auto opened = open_queue(context);
  if (!opened) {
    return error_exit(opened.error(), "opening the queue");
  }
  store::QueueStore& queue = **opened;

  if (verb == "list") {
    auto messages = queue.list();
    if (!messages) {
      return error_exit(messages.error(), "queue list");
    }
    for (const auto& m : *messages) {
      std::int64_t next = 0;
      std::string error;
      for (const auto& r : m.recipients) {
        if (r.state == store::RecipientState::pending && (next == 0 || r.next_attempt < next)) {
          next = r.next_attempt;
          error = r.last_reply.empty() ? r.last_error : r.last_reply;
        }
      }
      std::printf("%lld  %s  %llu bytes  <%s>  pending=%d failed=%d  next=%s%s%s\n", static_cast<long long>(m.id),
                  format_time(m.created).c_str(), static_cast<unsigned long long>(m.size), m.sender.c_str(),
                  count_in(m, store::RecipientState::pending), count_in(m, store::RecipientState::failed),
                  format_time(next).c_str(), error.empty() ? "" : "  last: ", error.c_str());
    }
    if (messages->empty()) {
      std::printf("queue is empty\n");
    }
    return kOk;
  }
  if (verb == "show") {
    auto m = queue.get(id);
    if (!m) {
      return error_exit(m.error(), "queue show " + context.args[0]);
    }
    std::printf("id: %lld\nsender: <%s>\ncreated: %s\nsize: %llu\nblob: %s\n", static_cast<long long>(m->id),
                m->sender.c_str(), format_time(m->created).c_str(), static_cast<unsigned long long>(m->size),
                m->blob_id.c_str());
    if (!m->envid.empty()) {
      std::printf("envid: %s\n", m->envid.c_str());
    }
    if (!m->body_type.empty() || m->smtputf8) {
      std::printf("body: %s%s\n", m->body_type.c_str(), m->smtputf8 ? " SMTPUTF8" : "");
    }
    for (const auto& r : m->recipients) {
      std::printf("recipient: <%s> state=%s attempts=%u", r.address.c_str(), store::to_string(r.state), r.attempts);
      if (r.state == store::RecipientState::pending) {
        std::printf(" next=%s", format_time(r.next_attempt).c_str());
      }
      if (r.last_attempt != 0) {
        std::printf(" last=%s", format_time(r.last_attempt).c_str());
      }
      if (!r.status.empty()) {
        std::printf(" status=%s", r.status.c_str());
      }
      std::printf("\n");
      if (!r.remote_mta.empty()) {
        std::printf("  remote: %s\n", r.remote_mta.c_str());
      }
      if (!r.last_reply.empty()) {
        std::printf("  reply: %s\n", r.last_reply.c_str());
      }
      if (!r.last_error.empty()) {
        std::printf("  error: %s\n", r.last_error.c_str());
      }
    }
    return kOk;
  }
  if (verb == "retry") {
    Status retried = queue.retry_now(id);
    if (!retried) {
      return error_exit(retried.error(), "queue retry " + context.args[0]);
    }
    std::printf("message %lld will be retried now\n", static_cast<long long>(id));
    return kOk;
  }
  Status removed = queue.remove(id);
  if (!removed) {
    return error_exit(removed.error(), "queue delete " + context.args[0]);
  }
  std::printf("message %lld deleted (no bounce sent)\n", static_cast<long long>(id));
  return kOk;
}

}  // namespace postroom::cli
