// postroom import ADDRESS PATH [--mailbox NAME]
// PATH is a Maildir (has cur/ or new/) or an mbox file. Maildir++ subfolders (".Sent",
// ".Lists.Work") go into mailboxes of the same name ("Sent", "Lists/Work"), created when
// missing. Flags and dates are kept where the format has them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "bin/app.h"
#include "bin/cli/cli.h"
#include "mail/import.h"
#include "mail/mail_service.h"

namespace postroom::cli {
namespace {

namespace fs = std::filesystem;

struct Counts {
  std::size_t imported = 0;
  std::size_t failed = 0;
};

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool store_one(mail::MailService& mail, store::AccountId account, const std::string& mailbox,
               mail::ImportedMessage&& message, Counts& counts) {
  auto stored = mail.append(account, mailbox,
                            mail::Delivery{std::move(message.bytes), std::move(message.flags), message.internal_date});
  if (!stored) {
    std::fprintf(stderr, "postroom import: %s: %s\n", mailbox.c_str(), stored.error().detail.c_str());
    ++counts.failed;
    // Stop on quota or disk trouble: every further message would fail the same way.
    return stored.error().kind != ErrorKind::over_quota && stored.error().kind != ErrorKind::temporary;
  }
  ++counts.imported;
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

bool import_maildir_folder(mail::MailService& mail, store::AccountId account, const fs::path& dir,
                           const std::string& mailbox, Counts& counts) {
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
        ++counts.failed;
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
      if (!store_one(mail, account, mailbox, std::move(message), counts)) {
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
  mail::MailService mail(*context.store, app::mail_options(context.config));
  Counts counts;
  bool completed = true;
  if (fs::is_directory(path, ec)) {
    if (!fs::is_directory(path / "cur", ec) && !fs::is_directory(path / "new", ec)) {
      std::fprintf(stderr, "postroom import: %s is neither a Maildir nor an mbox file\n", path.c_str());
      return kDataErr;
    }
    completed = ensure_mailbox(*context.store, account->id, mailbox) &&
                import_maildir_folder(mail, account->id, path, mailbox, counts);
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string name = entry.path().filename().string();
      if (!completed || !entry.is_directory() || name.size() < 2 || name[0] != '.') {
        continue;
      }
      std::string sub = name.substr(1);
      std::replace(sub.begin(), sub.end(), '.', '/');
      completed = ensure_mailbox(*context.store, account->id, sub) &&
                  import_maildir_folder(mail, account->id, entry.path(), sub, counts);
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
      completed = store_one(mail, account->id, mailbox, std::move(message), counts);
      return completed;
    });
  }
  std::printf("imported %zu messages, %zu failed\n", counts.imported, counts.failed);
  if (!completed) {
    return kTempFail;
  }
  return counts.failed == 0 ? kOk : kFailure;
}

}  // namespace postroom::cli
