// The client TLS context for outbound SMTP.
#pragma once

#include <memory>

typedef struct ssl_ctx_st SSL_CTX;

namespace postroom::queue {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const;
};
using ClientTlsContext = std::unique_ptr<SSL_CTX, SslCtxFree>;

// TLS 1.2+, no certificate verification: opportunistic STARTTLS to MX hosts (RFC 7435: an
// unauthenticated encrypted channel beats plaintext; MX names are not authenticated without
// DANE/MTA-STS anyway). nullptr when OpenSSL fails.
ClientTlsContext make_opportunistic_client_tls();

// TLS 1.2+, verifying the peer against the system trust store and the host name (set by
// io::Stream::start_tls_client): for a smarthost that receives credentials.
ClientTlsContext make_verifying_client_tls();

}  // namespace postroom::queue
