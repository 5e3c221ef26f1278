#include "mailauth/dkim_crypto.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace postroom::mailauth {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Ed25519 public keys are exactly 32 bytes (RFC 8032 §5.1.5).
constexpr std::size_t kEd25519KeyBytes = 32;

Pkey load_public(const DkimKey& key) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.public_key.data());
  if (key.type == DkimKeyType::ed25519) {
    if (key.public_key.size() != kEd25519KeyBytes) {
      return nullptr;
    }
    return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, data, key.public_key.size()));
  }
  // RFC 6376 §3.6.1 says RSAPublicKey, but every deployed signer publishes a
  // SubjectPublicKeyInfo; accept both.
  const unsigned char* cursor = data;
  Pkey pkey(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(key.public_key.size())));
  if (!pkey) {
    cursor = data;
    pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(key.public_key.size())));
  }
  if (pkey && EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) {
    return nullptr;
  }
  return pkey;
}

Pkey load_private(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return nullptr;
  }
  return Pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

std::string dkim_hash(DkimAlgorithm algorithm, std::string_view data) {
  const EVP_MD* md = algorithm == DkimAlgorithm::rsa_sha1 ? EVP_sha1() : EVP_sha256();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), length);
}

Status dkim_verify_signature(DkimAlgorithm algorithm, const DkimKey& key, std::string_view header_data,
                             std::string_view signature) {
  bool ed = algorithm == DkimAlgorithm::ed25519_sha256;
  if (ed != (key.type == DkimKeyType::ed25519)) {
    return make_error(ErrorKind::bad_syntax, "key type does not match a=");
  }
  Pkey pkey = load_public(key);
  if (!pkey) {
    return make_error(ErrorKind::bad_syntax, "unusable public key");
  }
  if (!ed && EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
    return make_error(ErrorKind::bad_syntax, "RSA key shorter than 1024 bits");
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  int verified = 0;
  if (ed) {
    // RFC 8463 §3: PureEdDSA over the SHA-256 hash of the header data.
    std::string digest = dkim_hash(algorithm, header_data);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
      return make_error(ErrorKind::bad_syntax, "verify init failed");
    }
    verified = EVP_DigestVerify(ctx.get(), sig, signature.size(), reinterpret_cast<const unsigned char*>(digest.data()),
                                digest.size());
  } else {
    const EVP_MD* md = algorithm == DkimAlgorithm::rsa_sha1 ? EVP_sha1() : EVP_sha256();
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey.get()) != 1) {
      return make_error(ErrorKind::bad_syntax, "verify init failed");
    }
    verified = EVP_DigestVerify(ctx.get(), sig, signature.size(),
                                reinterpret_cast<const unsigned char*>(header_data.data()), header_data.size());
  }
  if (verified != 1) {
    return make_error(ErrorKind::denied, "signature did not verify");
  }
  return ok_status();
}

Result<DkimAlgorithm> dkim_key_algorithm(std::string_view private_key_pem) {
  Pkey pkey = load_private(private_key_pem);
  if (!pkey) {
    return make_error(ErrorKind::bad_syntax, "cannot read private key PEM");
  }
  int id = EVP_PKEY_get_base_id(pkey.get());
  if (id == EVP_PKEY_ED25519) {
    return DkimAlgorithm::ed25519_sha256;
  }
  if (id == EVP_PKEY_RSA) {
    return DkimAlgorithm::rsa_sha256;
  }
  return make_error(ErrorKind::bad_syntax, "private key is neither RSA nor Ed25519");
}

Result<DkimSigner> dkim_sign_data(std::string_view private_key_pem, std::string_view header_data) {
  Pkey pkey = load_private(private_key_pem);
  if (!pkey) {
    return make_error(ErrorKind::bad_syntax, "cannot read private key PEM");
  }
  int id = EVP_PKEY_get_base_id(pkey.get());
  DkimSigner signer;
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::string data(header_data);
  const EVP_MD* md = nullptr;
  if (id == EVP_PKEY_ED25519) {
    signer.algorithm = DkimAlgorithm::ed25519_sha256;
    data = dkim_hash(signer.algorithm, header_data);
  } else if (id == EVP_PKEY_RSA) {
    if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
      return make_error(ErrorKind::bad_syntax, "RSA key shorter than 1024 bits");
    }
    signer.algorithm = DkimAlgorithm::rsa_sha256;  // never sign with SHA-1 (RFC 8301)
    md = EVP_sha256();
  } else {
    return make_error(ErrorKind::bad_syntax, "private key is neither RSA nor Ed25519");
  }
  std::size_t length = 0;
  const auto* input = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, input, data.size()) != 1) {
    return make_error(ErrorKind::permanent, "signing failed");
  }
  signer.signature.resize(length);
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signer.signature.data()), &length, input,
                     data.size()) != 1) {
    return make_error(ErrorKind::permanent, "signing failed");
  }
  signer.signature.resize(length);
  return signer;
}

}  // namespace postroom::mailauth
