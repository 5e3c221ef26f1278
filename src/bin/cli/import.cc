// postroom import ADDRESS PATH [--mailbox NAME]
// PATH is a Maildir (has cur/ or new/) or an mbox file. Maildir++ subfolders (".Sent",
// ".Lists.Work") go into mailboxes of the same name ("Sent", "Lists/Work"), created when
// missing. Flags and dates are kept where the format has them. Messages are stored in
// batches (mail/import_batch.h): one transaction per batch instead of one per message.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "bin/app.h"
#include "bin/cli/cli.h"
#include "mail/import.h"
#include "mail/import_batch.h"
#include "mail/mail_service.h"

namespace postroom::cli {
namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool ensure_mailbox(store::Store& store, store::AccountId account, const std::string& name) {
  if (store.find_mailbox(account, name)) {
    return true;
  }
  auto created = store.create_mailbox(account, name, "");
  if (!created) {
    std::fprintf(stderr, "postroom import: cannot create mailbox %s: %s\n", name.c_str(),
                 created.error().detail.c_str());
    return false;
  }
  return true;
}

// Queues every message of one Maildir folder; false once the import must stop.
bool import_maildir_folder(mail::ImportBatcher& batcher, const fs::path& dir, const std::string& mailbox,
                           std::size_t& unreadable) {
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    if (!fs::is_directory(dir / sub, ec)) {
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / sub, ec)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());  // names start with the delivery time
    for (const auto& file : files) {
      mail::ImportedMessage message;
      if (!read_file(file, message.bytes)) {
        ++unreadable;
        continue;
      }
      std::string name = file.filename().string();
      message.flags = mail::maildir_flags(name);
      message.internal_date = mail::maildir_time(name);
      if (message.internal_date == 0) {
        auto mtime = fs::last_write_time(file, ec);
        if (!ec) {
          message.internal_date = std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                                      .count();
        }
      }
      if (!batcher.add(mailbox, std::move(message))) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

int cmd_import(Context& context) {
  std::string mailbox = "INBOX";
  take_option(context.args, "--mailbox", mailbox);
  if (context.args.size() != 2) {
    return usage("import ADDRESS PATH [--mailbox NAME]");
  }
  fs::path path = context.args[1];
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    std::fprintf(stderr, "postroom import: %s does not exist\n", path.c_str());
    return kNoInput;
  }
  if (!open_store(context)) {
    return kTempFail;
  }
  auto account = context.store->find_account(context.args[0]);
  if (!account) {
    std::fprintf(stderr, "postroom import: no such user %s\n", context.args[0].c_str());
    return kNoUser;
  }
  const mail::MailOptions options = app::mail_options(context.config);
  mail::ImportBatcher batcher(*context.store, options, account->id, [](const std::string& mailbox, const Error& error) {
    std::fprintf(stderr, "postroom import: %s: %s\n", mailbox.c_str(), error.detail.c_str());
  });
  std::size_t unreadable = 0;
  bool completed = true;
  if (fs::is_directory(path, ec)) {
    if (!fs::is_directory(path / "cur", ec) && !fs::is_directory(path / "new", ec)) {
      std::fprintf(stderr, "postroom import: %s is neither a Maildir nor an mbox file\n", path.c_str());
      return kDataErr;
    }
    completed = ensure_mailbox(*context.store, account->id, mailbox) &&
                import_maildir_folder(batcher, path, mailbox, unreadable);
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string name = entry.path().filename().string();
      if (!completed || !entry.is_directory() || name.size() < 2 || name[0] != '.') {
        continue;
      }
      std::string sub = name.substr(1);
      std::replace(sub.begin(), sub.end(), '.', '/');
      completed = ensure_mailbox(*context.store, account->id, sub) &&
                  import_maildir_folder(batcher, entry.path(), sub, unreadable);
    }
  } else {
    std::string text;
    if (!read_file(path, text)) {
      std::fprintf(stderr, "postroom import: cannot read %s\n", path.c_str());
      return kNoInput;
    }
    if (!ensure_mailbox(*context.store, account->id, mailbox)) {
      return kTempFail;
    }
    mail::split_mbox(text, [&](mail::ImportedMessage&& message) {
      completed = batcher.add(mailbox, std::move(message));
      return completed;
    });
  }
  // What is still queued; after a stop this stores nothing (the batcher refuses).
  if (!batcher.flush()) {
    completed = false;
  }
  const std::size_t failed = batcher.failed() + unreadable;
  std::printf("imported %zu messages, %zu failed\n", batcher.imported(), failed);
  if (!completed) {
    return kTempFail;
  }
  return failed == 0 ? kOk : kFailure;
}

}  // namespace postroom::cli
