#include "auth/verified_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/check.h"

namespace postroom::auth {

VerifiedCache::VerifiedCache(std::chrono::seconds ttl, std::size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {
  POSTROOM_CHECK(RAND_bytes(key_.data(), static_cast<int>(key_.size())) == 1, "no randomness for the auth cache key");
}

VerifiedCache::Digest VerifiedCache::digest(std::string_view stored_hash, std::string_view password) const {
  // The stored hash and the password are joined with a NUL, which neither contains in a way
  // that could make two different pairs collide: the hash is PHC text without NUL.
  std::string input;
  input.reserve(stored_hash.size() + 1 + password.size());
  input.append(stored_hash).push_back('\0');
  input.append(password);
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), out.data(), &length);
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

bool VerifiedCache::verified(std::string_view account, std::string_view stored_hash, std::string_view password,
                             Clock::time_point now) {
  if (ttl_.count() == 0) {
    return false;
  }
  Digest wanted = digest(stored_hash, password);
  std::lock_guard lock(mutex_);
  auto found = entries_.find(std::string(account));
  if (found == entries_.end()) {
    return false;
  }
  if (found->second.expires <= now) {
    entries_.erase(found);
    return false;
  }
  return CRYPTO_memcmp(found->second.digest.data(), wanted.data(), wanted.size()) == 0;
}

void VerifiedCache::remember(std::string_view account, std::string_view stored_hash, std::string_view password,
                             Clock::time_point now) {
  if (ttl_.count() == 0 || max_entries_ == 0) {
    return;
  }
  Entry entry{digest(stored_hash, password), now + ttl_};
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_ && entries_.find(std::string(account)) == entries_.end()) {
    std::erase_if(entries_, [now](const auto& item) { return item.second.expires <= now; });
    if (entries_.size() >= max_entries_) {
      entries_.erase(entries_.begin());
    }
  }
  entries_[std::string(account)] = entry;
}

}  // namespace postroom::auth
