#include "queue/client_tls.h"

#include <openssl/ssl.h>

namespace postroom::queue {

void SslCtxFree::operator()(SSL_CTX* ctx) const {
  SSL_CTX_free(ctx);
}

namespace {
ClientTlsContext make(bool verify) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  return ClientTlsContext(ctx);
}
}  // namespace

ClientTlsContext make_opportunistic_client_tls() {
  return make(false);
}
ClientTlsContext make_verifying_client_tls() {
  return make(true);
}

}  // namespace postroom::queue
