// postroom dkim generate DOMAIN [--algorithm rsa|ed25519] [--force]
// Creates the signing key of DOMAIN in dkim.key_dir (mode 0600) and prints the DNS TXT
// record to publish. Refuses to replace an existing key without --force: a new key breaks
// verification of mail in flight until DNS carries it.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bin/cli/cli.h"
#include "io/privileges.h"
#include "mailauth/dkim.h"
#include "server/smtp/mail_auth_hooks.h"

namespace postroom::cli {

int cmd_dkim(Context& context, const std::string& verb) {
  std::string algorithm = "rsa";
  take_option(context.args, "--algorithm", algorithm);
  bool force = take_flag(context.args, "--force");
  if (verb != "generate" || context.args.size() != 1 || (algorithm != "rsa" && algorithm != "ed25519")) {
    return usage("dkim generate DOMAIN [--algorithm rsa|ed25519] [--force]");
  }
  std::string domain = context.args[0];
  for (char& c : domain) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  if (domain.empty() || domain.find('/') != std::string::npos || domain.front() == '.') {
    std::fprintf(stderr, "postroom dkim: bad domain %s\n", domain.c_str());
    return kDataErr;
  }
  Status dropped = io::drop_privileges(context.config.user, "");
  if (!dropped) {
    std::fprintf(stderr, "postroom: %s\n", dropped.error().detail.c_str());
    return kNoPerm;
  }
  const config::Config& config = context.config;
  std::string key_dir = config.dkim_key_dir.empty() ? config.data_dir + "/dkim" : config.dkim_key_dir;
  std::string path = server::smtp::dkim_key_path(key_dir, domain, config.dkim_selector);
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    std::fprintf(stderr, "postroom dkim: %s exists; use --force to replace it\n", path.c_str());
    return kCantCreate;
  }
  std::filesystem::create_directories(key_dir, ec);
  chmod(key_dir.c_str(), 0700);
  auto key = mailauth::generate_key(algorithm == "rsa" ? mailauth::DkimKeyType::rsa : mailauth::DkimKeyType::ed25519);
  if (!key) {
    return error_exit(key.error(), "dkim generate");
  }
  std::string tmp = path + ".tmp";
  {
    mode_t old_mask = umask(077);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    umask(old_mask);
    out << key->private_pem;
    out.flush();
    if (!out) {
      std::fprintf(stderr, "postroom dkim: cannot write %s\n", tmp.c_str());
      return kCantCreate;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::fprintf(stderr, "postroom dkim: cannot write %s: %s\n", path.c_str(), ec.message().c_str());
    return kCantCreate;
  }
  std::fprintf(stderr, "key written to %s; publish this record:\n", path.c_str());
  std::printf("%s._domainkey.%s. IN TXT \"%s\"\n", config.dkim_selector.c_str(), domain.c_str(),
              key->dns_txt_record.c_str());
  return kOk;
}

}  // namespace postroom::cli
