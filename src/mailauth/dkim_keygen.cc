// generate_key (dkim.h): a fresh signing key and the TXT record that publishes it.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "mailauth/dkim.h"
#include "mailauth/dkim_crypto.h"
#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
// Above this RSA keygen takes minutes and the TXT record no longer fits DNS comfortably.
constexpr int kMaxRsaBits = 4096;
}  // namespace

Result<GeneratedKey> generate_key(DkimKeyType type, int rsa_bits) {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey;
  if (type == DkimKeyType::rsa) {
    if (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits) {
      return make_error(ErrorKind::bad_syntax, "RSA key size must be 1024..4096 bits");
    }
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits)));
  } else {
    pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  }
  if (!pkey) {
    return make_error(ErrorKind::temporary, "key generation failed");
  }
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return make_error(ErrorKind::temporary, "cannot write private key");
  }
  char* pem_data = nullptr;
  long pem_size = BIO_get_mem_data(bio.get(), &pem_data);
  GeneratedKey key;
  key.private_pem.assign(pem_data, static_cast<std::size_t>(pem_size));

  std::string public_key;
  if (type == DkimKeyType::rsa) {
    // SubjectPublicKeyInfo DER, what every verifier expects in p=.
    int size = i2d_PUBKEY(pkey.get(), nullptr);
    if (size <= 0) {
      return make_error(ErrorKind::temporary, "cannot encode public key");
    }
    public_key.resize(static_cast<std::size_t>(size));
    auto* cursor = reinterpret_cast<unsigned char*>(public_key.data());
    i2d_PUBKEY(pkey.get(), &cursor);
  } else {
    // RFC 8463 §4: p= is the raw 32-byte Ed25519 public key.
    std::size_t size = 32;
    public_key.resize(size);
    if (EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(public_key.data()), &size) != 1) {
      return make_error(ErrorKind::temporary, "cannot encode public key");
    }
    public_key.resize(size);
  }
  key.dns_txt_record =
      std::string("v=DKIM1; k=") + (type == DkimKeyType::rsa ? "rsa" : "ed25519") + "; p=" + base64_encode(public_key);
  return key;
}

}  // namespace postroom::mailauth
