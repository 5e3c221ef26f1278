// Server-side TLS configuration over OpenSSL (TLS 1.2 and up).
// Contract: a TlsContext is created once at startup and shared read-only by every
// connection; OpenSSL's SSL_CTX is thread-safe for that use.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::io {

class TlsContext {
 public:
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Loads a PEM certificate chain and private key. min_version is "1.2" or "1.3".
  static Result<std::unique_ptr<TlsContext>> create(const std::string& cert_path, const std::string& key_path,
                                                    const std::string& min_version);

  SSL_CTX* native() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

struct CertificatePaths {
  std::string cert;
  std::string key;
};

// Makes sure a self-signed certificate for `hostname` exists in `dir` (cert.pem, key.pem),
// generating an EC P-256 key and a 10-year certificate the first time. Later calls reuse the
// files, so clients that pinned the certificate keep trusting it across restarts.
Result<CertificatePaths> ensure_self_signed(const std::string& dir, const std::string& hostname);

}  // namespace postroom::io
