#include <algorithm>
#include <cstdio>

#include "bin/app.h"
#include "bin/cli/cli.h"
#include "io/privileges.h"

namespace postroom::cli {

bool open_store(Context& context) {
  if (context.store) {
    return true;
  }
  // As root, act as the service user: files the CLI creates (blob directories, WAL) must
  // stay writable by the daemon after it dropped its privileges.
  Status dropped = io::drop_privileges(context.config.user, "");
  if (!dropped) {
    std::fprintf(stderr, "postroom: %s\n", dropped.error().detail.c_str());
    return false;
  }
  auto store = app::open_store(context.config);
  if (!store) {
    std::fprintf(stderr, "postroom: opening the store: %s\n", store.error().detail.c_str());
    return false;
  }
  context.store = std::move(*store);
  return true;
}

bool take_option(std::vector<std::string>& args, const std::string& name, std::string& value) {
  auto it = std::find(args.begin(), args.end(), name);
  if (it == args.end() || it + 1 == args.end()) {
    return false;
  }
  value = *(it + 1);
  args.erase(it, it + 2);
  return true;
}

bool take_flag(std::vector<std::string>& args, const std::string& name) {
  auto it = std::find(args.begin(), args.end(), name);
  if (it == args.end()) {
    return false;
  }
  args.erase(it);
  return true;
}

int error_exit(const Error& error, const std::string& what) {
  std::fprintf(stderr, "postroom: %s: %s\n", what.c_str(), error.detail.c_str());
  switch (error.kind) {
    case ErrorKind::temporary:
    case ErrorKind::over_quota: return kTempFail;
    case ErrorKind::bad_syntax: return kDataErr;
    default: return kFailure;
  }
}

int usage(const char* text) {
  std::fprintf(stderr, "usage: postroom %s\n", text);
  return kUsage;
}

}  // namespace postroom::cli
