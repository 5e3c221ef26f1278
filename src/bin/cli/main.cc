// postroom: admin CLI. Works while postroomd runs (the store allows several processes).
//   postroom [--config FILE] domain add|list|del ...
//   postroom [--config FILE] user add|passwd|del|list ...
//   postroom [--config FILE] alias add|del|list ...
//   postroom [--config FILE] quota set|show ...
//   postroom [--config FILE] deliver [--mailbox NAME] [--flag F]... RECIPIENT  < message
//   postroom [--config FILE] import ADDRESS PATH [--mailbox NAME]
//   postroom [--config FILE] dkim generate DOMAIN [--algorithm rsa|ed25519]
//   postroom [--config FILE] queue list|show ID|retry ID|delete ID
//   postroom config check FILE
#include <cstdio>
#include <string>
#include <vector>

#include "base/log.h"
#include "bin/app.h"
#include "bin/cli/cli.h"

namespace {

using namespace postroom;

const char* kUsage =
    "usage: postroom [--config FILE] COMMAND ...\n"
    "  domain add NAME | domain list | domain del NAME\n"
    "  user add ADDRESS (--password P | --password-stdin) | user passwd ADDRESS (--password P |\n"
    "       --password-stdin) | user del ADDRESS | user list [DOMAIN]\n"
    "  alias add ALIAS TARGET | alias del ALIAS | alias list [DOMAIN]\n"
    "  quota set ADDRESS BYTES MESSAGES (0 = unlimited) | quota show ADDRESS\n"
    "  deliver [--mailbox NAME] [--flag FLAG]... RECIPIENT   (message on stdin; sysexits codes)\n"
    "  import ADDRESS PATH [--mailbox NAME]   (Maildir folder or mbox file)\n"
    "  queue list | queue show ID | queue retry ID | queue delete ID   (outbound queue)\n"
    "  dkim generate DOMAIN [--algorithm rsa|ed25519] [--force]   (prints the DNS TXT record)\n"
    "  config check FILE\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string config_path = app::kDefaultConfigPath;
  std::string value;
  if (cli::take_option(args, "--config", value)) {
    config_path = value;
  }
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? cli::kUsage : cli::kOk;
  }
  std::string command = args[0];
  if (command == "config") {
    if (args.size() != 3 || args[1] != "check") {
      return cli::usage("config check FILE");
    }
    auto checked = config::load_file(args[2]);
    if (!checked) {
      std::fprintf(stderr, "%s\n", checked.error().detail.c_str());
      return 1;
    }
    std::printf("%s: OK\n", args[2].c_str());
    return cli::kOk;
  }
  auto loaded = config::load_file(config_path);
  if (!loaded) {
    std::fprintf(stderr, "postroom: %s\n", loaded.error().detail.c_str());
    return cli::kConfig;
  }
  // The CLI speaks through its output and exit code; only warnings go to the log.
  log::set_level(log::Level::warn);
  cli::Context context{std::move(*loaded), {}, nullptr};
  if (command == "deliver" || command == "import") {
    context.args.assign(args.begin() + 1, args.end());
    return command == "deliver" ? cli::cmd_deliver(context) : cli::cmd_import(context);
  }
  if (args.size() < 2) {
    std::fputs(kUsage, stderr);
    return cli::kUsage;
  }
  std::string verb = args[1];
  context.args.assign(args.begin() + 2, args.end());
  if (command == "domain") {
    return cli::cmd_domain(context, verb);
  }
  if (command == "user") {
    return cli::cmd_user(context, verb);
  }
  if (command == "alias") {
    return cli::cmd_alias(context, verb);
  }
  if (command == "dkim") {
    return cli::cmd_dkim(context, verb);
  }
  if (command == "quota") {
    return cli::cmd_quota(context, verb);
  }
  if (command == "queue") {
    return cli::cmd_queue(context, verb);
  }
  std::fputs(kUsage, stderr);
  return cli::kUsage;
}
