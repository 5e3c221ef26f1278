#include "auth/password.h"

#include <gtest/gtest.h>

namespace postroom::auth {
namespace {

// Light parameters keep the suite fast; the defaults are exercised once below.
Argon2Params test_params() {
  Argon2Params params;
  params.time_cost = 1;
  params.memory_kib = 64;
  return params;
}

TEST(Password, HashAndVerify) {
  Result<std::string> phc = hash_password("correct horse", test_params());
  ASSERT_TRUE(phc.ok()) << phc.error().detail;
  EXPECT_EQ(phc->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << *phc;
  EXPECT_TRUE(verify_password("correct horse", *phc));
  EXPECT_FALSE(verify_password("correct horse ", *phc));
  EXPECT_FALSE(verify_password("Correct horse", *phc));
  EXPECT_FALSE(verify_password("", *phc));
}

TEST(Password, SaltMakesEveryHashDifferent) {
  Result<std::string> a = hash_password("same", test_params());
  Result<std::string> b = hash_password("same", test_params());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password("same", *a));
  EXPECT_TRUE(verify_password("same", *b));
}

TEST(Password, DefaultParametersAreOwasp) {
  Result<std::string> phc = hash_password("p\xc3\xa4ss w\xc3\xb6rd");
  ASSERT_TRUE(phc.ok());
  EXPECT_EQ(phc->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *phc;
  EXPECT_TRUE(verify_password("p\xc3\xa4ss w\xc3\xb6rd", *phc));
  EXPECT_FALSE(needs_rehash(*phc));
}

TEST(Password, BinaryPasswordsAreWhole) {
  const std::string with_nul("a\0b", 3);
  Result<std::string> phc = hash_password(with_nul, test_params());
  ASSERT_TRUE(phc.ok());
  EXPECT_TRUE(verify_password(with_nul, *phc));
  EXPECT_FALSE(verify_password("a", *phc));  // not truncated at the NUL
}

TEST(Password, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verify_password("x", ""));
  EXPECT_FALSE(verify_password("x", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"));
  EXPECT_FALSE(verify_password("x", "$argon2id$garbage"));
  EXPECT_FALSE(verify_password("x", "{SHA}abc"));
  Result<std::string> phc = hash_password("x", test_params());
  ASSERT_TRUE(phc.ok());
  EXPECT_FALSE(verify_password("x", phc->substr(0, phc->size() - 2)));
  EXPECT_FALSE(verify_password("x", *phc + std::string("\0", 1)));
}

TEST(Password, BadParametersAreErrors) {
  Argon2Params params = test_params();
  params.salt_length = 4;  // libargon2 requires at least 8
  Result<std::string> phc = hash_password("x", params);
  ASSERT_FALSE(phc.ok());
  EXPECT_EQ(phc.error().kind, ErrorKind::permanent);
}

TEST(Password, NeedsRehash) {
  Result<std::string> weak = hash_password("x", test_params());
  ASSERT_TRUE(weak.ok());
  EXPECT_TRUE(needs_rehash(*weak));
  EXPECT_FALSE(needs_rehash(*weak, test_params()));
  EXPECT_TRUE(needs_rehash("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(needs_rehash("$argon2id$v=16$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_FALSE(needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(needs_rehash("$argon2id$v=19$m=x"));
}

TEST(Password, DummyHashIsStableAndUnguessable) {
  const std::string& dummy = dummy_password_hash();
  EXPECT_EQ(dummy.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(&dummy, &dummy_password_hash());
  EXPECT_FALSE(verify_password("", dummy));
  EXPECT_FALSE(verify_password("password", dummy));
}

}  // namespace
}  // namespace postroom::auth
