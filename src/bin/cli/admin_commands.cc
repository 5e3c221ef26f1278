// domain, user, alias and quota commands.
#include <cstdio>
#include <iostream>
#include <string>

#include "auth/password.h"
#include "bin/cli/cli.h"

namespace postroom::cli {
namespace {

// --password P, or --password-stdin (first line of stdin; keeps it out of `ps` and history).
bool read_password(Context& context, std::string& password) {
  if (take_option(context.args, "--password", password)) {
    return true;
  }
  if (take_flag(context.args, "--password-stdin")) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') {
      password.pop_back();
    }
    return true;
  }
  return false;
}

}  // namespace

int cmd_domain(Context& context, const std::string& verb) {
  if (!open_store(context)) {
    return kTempFail;
  }
  auto& store = *context.store;
  if (verb == "add" && context.args.size() == 1) {
    auto added = store.add_domain(context.args[0]);
    if (!added) {
      return error_exit(added.error(), "domain add " + context.args[0]);
    }
    std::printf("domain %s added\n", added->name.c_str());
    return kOk;
  }
  if (verb == "list" && context.args.empty()) {
    auto domains = store.list_domains();
    if (!domains) {
      return error_exit(domains.error(), "domain list");
    }
    for (const auto& d : *domains) {
      std::printf("%s\n", d.name.c_str());
    }
    return kOk;
  }
  if ((verb == "del" || verb == "delete") && context.args.size() == 1) {
    Status deleted = store.delete_domain(context.args[0]);
    if (!deleted) {
      return error_exit(deleted.error(), "domain del " + context.args[0]);
    }
    std::printf("domain %s deleted\n", context.args[0].c_str());
    return kOk;
  }
  return usage("domain add NAME | domain list | domain del NAME");
}

int cmd_user(Context& context, const std::string& verb) {
  if (verb == "add" || verb == "passwd") {
    std::string password;
    if (!read_password(context, password) || context.args.size() != 1) {
      return usage("user add|passwd ADDRESS (--password P | --password-stdin)");
    }
    if (password.empty()) {
      std::fprintf(stderr, "postroom: the password must not be empty\n");
      return kDataErr;
    }
    auto hash = auth::hash_password(password);
    if (!hash) {
      return error_exit(hash.error(), "hashing the password");
    }
    if (!open_store(context)) {
      return kTempFail;
    }
    if (verb == "add") {
      auto added = context.store->add_account(context.args[0], *hash);
      if (!added) {
        return error_exit(added.error(), "user add " + context.args[0]);
      }
      if (context.config.default_quota_bytes != 0 || context.config.default_quota_messages != 0) {
        Status quota = context.store->set_quota(added->address, context.config.default_quota_bytes,
                                                context.config.default_quota_messages);
        if (!quota) {
          return error_exit(quota.error(), "setting the default quota");
        }
      }
      std::printf("user %s added\n", added->address.c_str());
      return kOk;
    }
    Status changed = context.store->set_password(context.args[0], *hash);
    if (!changed) {
      return error_exit(changed.error(), "user passwd " + context.args[0]);
    }
    std::printf("password of %s changed\n", context.args[0].c_str());
    return kOk;
  }
  if (!open_store(context)) {
    return kTempFail;
  }
  if ((verb == "del" || verb == "delete") && context.args.size() == 1) {
    Status deleted = context.store->delete_account(context.args[0]);
    if (!deleted) {
      return error_exit(deleted.error(), "user del " + context.args[0]);
    }
    std::printf("user %s deleted\n", context.args[0].c_str());
    return kOk;
  }
  if (verb == "list" && context.args.size() <= 1) {
    auto accounts = context.store->list_accounts(context.args.empty() ? "" : context.args[0]);
    if (!accounts) {
      return error_exit(accounts.error(), "user list");
    }
    for (const auto& a : *accounts) {
      std::printf("%s\n", a.address.c_str());
    }
    return kOk;
  }
  return usage("user add|passwd ADDRESS (--password P | --password-stdin) | user del ADDRESS | user list [DOMAIN]");
}

int cmd_alias(Context& context, const std::string& verb) {
  if (!open_store(context)) {
    return kTempFail;
  }
  auto& store = *context.store;
  if (verb == "add" && context.args.size() == 2) {
    Status added = store.add_alias(context.args[0], context.args[1]);
    if (!added) {
      return error_exit(added.error(), "alias add " + context.args[0]);
    }
    std::printf("alias %s -> %s added\n", context.args[0].c_str(), context.args[1].c_str());
    return kOk;
  }
  if ((verb == "del" || verb == "delete") && context.args.size() == 1) {
    Status deleted = store.delete_alias(context.args[0]);
    if (!deleted) {
      return error_exit(deleted.error(), "alias del " + context.args[0]);
    }
    std::printf("alias %s deleted\n", context.args[0].c_str());
    return kOk;
  }
  if (verb == "list" && context.args.size() <= 1) {
    auto aliases = store.list_aliases(context.args.empty() ? "" : context.args[0]);
    if (!aliases) {
      return error_exit(aliases.error(), "alias list");
    }
    for (const auto& a : *aliases) {
      std::printf("%s -> %s\n", a.source.c_str(), a.target.c_str());
    }
    return kOk;
  }
  return usage("alias add ALIAS TARGET | alias del ALIAS | alias list [DOMAIN]");
}

int cmd_quota(Context& context, const std::string& verb) {
  if (!open_store(context)) {
    return kTempFail;
  }
  auto& store = *context.store;
  if (verb == "set" && context.args.size() == 3) {
    std::uint64_t bytes = 0;
    std::uint64_t messages = 0;
    try {
      std::size_t used = 0;
      bytes = std::stoull(context.args[1], &used);
      if (used != context.args[1].size()) {
        throw std::invalid_argument("bytes");
      }
      messages = std::stoull(context.args[2], &used);
      if (used != context.args[2].size()) {
        throw std::invalid_argument("messages");
      }
    } catch (const std::exception&) {
      return usage("quota set ADDRESS BYTES MESSAGES   (whole numbers; 0 = unlimited)");
    }
    Status set = store.set_quota(context.args[0], bytes, messages);
    if (!set) {
      return error_exit(set.error(), "quota set " + context.args[0]);
    }
    std::printf("quota of %s: %llu bytes, %llu messages\n", context.args[0].c_str(),
                static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(messages));
    return kOk;
  }
  if (verb == "show" && context.args.size() == 1) {
    auto account = store.find_account(context.args[0]);
    if (!account) {
      return error_exit(account.error(), "quota show " + context.args[0]);
    }
    auto usage_now = store.usage(account->id);
    if (!usage_now) {
      return error_exit(usage_now.error(), "quota show " + context.args[0]);
    }
    auto limit = [](std::uint64_t v) { return v == 0 ? std::string("unlimited") : std::to_string(v); };
    std::printf("%s\nbytes: %llu of %s\nmessages: %llu of %s\n", account->address.c_str(),
                static_cast<unsigned long long>(usage_now->bytes), limit(account->quota_bytes).c_str(),
                static_cast<unsigned long long>(usage_now->messages), limit(account->quota_messages).c_str());
    return kOk;
  }
  return usage("quota set ADDRESS BYTES MESSAGES | quota show ADDRESS");
}

}  // namespace postroom::cli
