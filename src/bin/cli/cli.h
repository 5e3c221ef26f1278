// postroom, the admin CLI: shared pieces of its commands.
// Exit codes follow sysexits.h so that an MTA can use `postroom deliver` as its local
// delivery agent (Postfix and Exim read 75 as "try later", 67 as "no such user").
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "store/store.h"

namespace postroom::cli {

enum Exit : int {
  kOk = 0,
  kFailure = 1,      // the operation was refused (exists, not found in admin commands)
  kUsage = 64,       // EX_USAGE
  kDataErr = 65,     // EX_DATAERR: the input is unusable (empty or oversized message)
  kNoInput = 66,     // EX_NOINPUT
  kNoUser = 67,      // EX_NOUSER
  kSoftware = 70,    // EX_SOFTWARE
  kCantCreate = 73,  // EX_CANTCREAT
  kIoErr = 74,       // EX_IOERR
  kTempFail = 75,    // EX_TEMPFAIL: over quota, disk trouble; the MTA retries
  kNoPerm = 77,      // EX_NOPERM
  kConfig = 78,      // EX_CONFIG
};

struct Context {
  config::Config config;
  std::vector<std::string> args;        // after the command words
  std::unique_ptr<store::Store> store;  // opened on demand by open_store()
};

// Opens the store (dropping to config.user first when running as root, so files the CLI
// creates stay usable by the daemon). Prints the error and returns false on failure.
bool open_store(Context& context);

// Takes "--name VALUE" out of args; returns false if absent.
bool take_option(std::vector<std::string>& args, const std::string& name, std::string& value);
bool take_flag(std::vector<std::string>& args, const std::string& name);

int error_exit(const Error& error, const std::string& what);
int usage(const char* text);

int cmd_domain(Context& context, const std::string& verb);
int cmd_user(Context& context, const std::string& verb);
int cmd_alias(Context& context, const std::string& verb);
int cmd_quota(Context& context, const std::string& verb);
int cmd_deliver(Context& context);
int cmd_import(Context& context);
int cmd_dkim(Context& context, const std::string& verb);
int cmd_queue(Context& context, const std::string& verb);

}  // namespace postroom::cli
