// Cross-check with an independent DKIM implementation: Debian's python3-dkim (dkimpy).
// We sign and dkimpy verifies, and dkimpy signs and we verify, for RSA and Ed25519.
// Skipped when /usr/bin/python3 cannot import dkim.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "mailauth/dkim.h"
#include "mailauth/util.h"

namespace postroom::mailauth {
namespace {

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kMessage =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: Cross  check\r\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <2@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "\r\n"
    "Line one.  \r\n"
    "\r\n"
    "Line three.\r\n";

// Verifies or signs with dkimpy. argv: mode message-file key-file [out-file]
constexpr const char* kScript = R"(
import sys, dkim
mode, msg_path, key_path = sys.argv[1], sys.argv[2], sys.argv[3]
msg = open(msg_path, 'rb').read()
key = open(key_path, 'rb').read()
if mode == 'verify':
    ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: key)
    sys.exit(0 if ok else 1)
alg = b'ed25519-sha256' if mode == 'sign-ed25519' else b'rsa-sha256'
sig = dkim.sign(msg, b'py', b'example.org', key, canonicalize=(b'relaxed', b'relaxed'),
                signature_algorithm=alg, include_headers=[b'from', b'to', b'subject'])
open(sys.argv[4], 'wb').write(sig)
)";

class DkimPython : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system((std::string(kPython) + " -c 'import dkim' >/dev/null 2>&1").c_str()) != 0) {
      GTEST_SKIP() << "python3-dkim not installed";
    }
    dir_ = std::filesystem::temp_directory_path() / ("postroom_dkim_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    write("check.py", kScript);
  }
  void TearDown() override {
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  int run(const std::string& args) {
    std::string command = std::string(kPython) + " " + (dir_ / "check.py").string() + " " + args;
    return std::system(command.c_str());
  }
  std::string path(const std::string& name) { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(DkimPython, PythonVerifiesOurSignatures) {
  for (DkimKeyType type : {DkimKeyType::rsa, DkimKeyType::ed25519}) {
    for (Canon canon : {Canon::simple, Canon::relaxed}) {
      auto key = generate_key(type);
      ASSERT_TRUE(key);
      DkimSignOptions options;
      options.domain = "example.org";
      options.selector = "sel";
      options.private_key_pem = key->private_pem;
      options.header_canon = canon;
      options.body_canon = canon;
      auto field = dkim_sign(kMessage, options);
      ASSERT_TRUE(field);
      write("signed.eml", *field + kMessage);
      write("key.txt", key->dns_txt_record);
      EXPECT_EQ(run("verify " + path("signed.eml") + " " + path("key.txt")), 0)
          << "type " << static_cast<int>(type) << " canon " << static_cast<int>(canon) << "\n"
          << *field;
    }
  }
}

// dkimpy takes an Ed25519 private key as the base64 of its 32-byte seed.
std::string ed25519_seed_base64(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char seed[32];
  std::size_t size = sizeof seed;
  EVP_PKEY_get_raw_private_key(pkey, seed, &size);
  EVP_PKEY_free(pkey);
  return base64_encode(std::string(reinterpret_cast<char*>(seed), size));
}

TEST_F(DkimPython, WeVerifyPythonSignatures) {
  for (DkimKeyType type : {DkimKeyType::rsa, DkimKeyType::ed25519}) {
    auto key = generate_key(type);
    ASSERT_TRUE(key);
    write("message.eml", kMessage);
    write("private.key", type == DkimKeyType::rsa ? key->private_pem : ed25519_seed_base64(key->private_pem));
    std::string mode = type == DkimKeyType::rsa ? "sign-rsa" : "sign-ed25519";
    ASSERT_EQ(run(mode + " " + path("message.eml") + " " + path("private.key") + " " + path("sig.txt")), 0);
    std::string signed_message = read("sig.txt") + kMessage;
    dns::StaticResolver zone;
    zone.add_txt("py._domainkey.example.org", key->dns_txt_record);
    auto results = dkim_verify(zone, signed_message);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].status, DkimStatus::pass) << results[0].reason << "\n" << signed_message;
  }
}

}  // namespace
}  // namespace postroom::mailauth
