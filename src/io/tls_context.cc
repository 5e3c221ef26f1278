#include "io/tls_context.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace postroom::io {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

bool write_pem(const std::string& path, bool is_key, EVP_PKEY* key, X509* cert) {
  std::string tmp = path + ".tmp";
  // The key file is created 0600 from the start: it must never be readable by others.
  mode_t old_mask = umask(is_key ? 077 : 022);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  umask(old_mask);
  if (f == nullptr) {
    return false;
  }
  bool ok =
      is_key ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 : PEM_write_X509(f, cert) == 1;
  ok = ok && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  return ok && std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<TlsContext>> TlsContext::create(const std::string& cert_path, const std::string& key_path,
                                                       const std::string& min_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return make_error(ErrorKind::temporary, "SSL_CTX_new: " + openssl_error());
  }
  std::unique_ptr<TlsContext> result(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  // No renegotiation (a DoS vector), no compression (CRIME), server picks the cipher order.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Release read/write buffers while a connection is idle: parked IDLE/Ping connections then
  // cost kilobytes instead of ~34 KB of OpenSSL buffers (DESIGN.md §2).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1) {
    return make_error(ErrorKind::permanent, "certificate " + cert_path + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return make_error(ErrorKind::permanent, "private key " + key_path + ": " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return make_error(ErrorKind::permanent, "private key does not match certificate: " + openssl_error());
  }
  return result;
}

Result<CertificatePaths> ensure_self_signed(const std::string& dir, const std::string& hostname) {
  CertificatePaths paths{dir + "/cert.pem", dir + "/key.pem"};
  std::error_code ec;
  if (std::filesystem::exists(paths.cert, ec) && std::filesystem::exists(paths.key, ec)) {
    return paths;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorKind::temporary, "create " + dir + ": " + ec.message());
  }
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) {
    return make_error(ErrorKind::temporary, "key generation: " + openssl_error());
  }
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Postroom self-signed"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostname.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  std::string san = "DNS:" + hostname + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
  if (ext != nullptr) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  bool ok = X509_sign(cert, key, EVP_sha256()) > 0;
  ok = ok && write_pem(paths.key, true, key, nullptr) && write_pem(paths.cert, false, nullptr, cert);
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!ok) {
    return make_error(ErrorKind::temporary, "writing self-signed certificate in " + dir + ": " + openssl_error());
  }
  return paths;
}

}  // namespace postroom::io
