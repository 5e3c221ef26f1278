// postroom deliver: local delivery agent. Reads one message on stdin and stores it.
// Exit codes (sysexits.h): 0 stored durably; 67 unknown recipient; 75 over quota or a
// temporary store problem (the MTA keeps the message and retries); 65 empty or oversized
// message; 64 usage; 78 configuration.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "bin/app.h"
#include "bin/cli/cli.h"
#include "mail/mail_service.h"

namespace postroom::cli {

int cmd_deliver(Context& context) {
  std::string mailbox = "INBOX";
  take_option(context.args, "--mailbox", mailbox);
  std::vector<std::string> flags;
  std::string flag;
  while (take_option(context.args, "--flag", flag)) {
    flags.push_back(flag);
  }
  if (context.args.size() != 1) {
    return usage("deliver [--mailbox NAME] [--flag FLAG]... RECIPIENT < message");
  }
  // Read at most one byte past the limit: enough to know the message is too large without
  // holding an unbounded stream in memory.
  std::uint64_t limit = context.config.max_message_bytes;
  std::string bytes;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0) {
      std::perror("postroom deliver: reading stdin");
      return kIoErr;
    }
    if (n == 0) {
      break;
    }
    bytes.append(buffer, static_cast<std::size_t>(n));
    if (bytes.size() > limit + 1) {
      std::fprintf(stderr, "postroom deliver: message exceeds the limit of %llu octets\n",
                   static_cast<unsigned long long>(limit));
      return kDataErr;
    }
  }
  if (!open_store(context)) {
    return kTempFail;
  }
  mail::MailService mail(*context.store, app::mail_options(context.config));
  auto stored = mail.deliver(context.args[0], mail::Delivery{std::move(bytes), std::move(flags), 0}, mailbox);
  if (!stored) {
    const Error& e = stored.error();
    std::fprintf(stderr, "postroom deliver: %s: %s\n", context.args[0].c_str(), e.detail.c_str());
    switch (e.kind) {
      case ErrorKind::not_found: return kNoUser;
      case ErrorKind::over_quota: return kTempFail;
      case ErrorKind::temporary: return kTempFail;
      case ErrorKind::limit: return kDataErr;
      case ErrorKind::bad_syntax: return kDataErr;
      default: return kSoftware;
    }
  }
  return kOk;
}

}  // namespace postroom::cli
