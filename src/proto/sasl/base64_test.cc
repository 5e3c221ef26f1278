#include "proto/sasl/base64.h"

#include <gtest/gtest.h>

namespace postroom::sasl {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    Result<std::string> decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, LoginPrompts) {
  EXPECT_EQ(base64_encode("Username:"), "VXNlcm5hbWU6");
  EXPECT_EQ(base64_encode("Password:"), "UGFzc3dvcmQ6");
}

TEST(Base64, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  for (std::size_t n = 0; n <= all.size(); n += 17) {
    const std::string part = all.substr(0, n);
    Result<std::string> decoded = base64_decode(base64_encode(part));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, part);
  }
}

TEST(Base64, StrictRejections) {
  const std::pair<const char*, const char*> bad[] = {
      {"Zg", "base64 length is not a multiple of 4"},
      {"Zg=", "base64 length is not a multiple of 4"},
      {"Zm9v\r\n", "base64 length is not a multiple of 4"},
      {"Zm 9", "invalid base64 character"},
      {"Zm-v", "invalid base64 character"},
      {"Z===", "base64 padding in the middle"},
      {"Zg==Zg==", "base64 padding in the middle"},
      {"====", "base64 padding in the middle"},
      {"Zh==", "non-zero base64 padding bits"},
      {"Zm9=", "non-zero base64 padding bits"},
  };
  for (const auto& [text, detail] : bad) {
    Result<std::string> decoded = base64_decode(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().kind, ErrorKind::bad_syntax);
    EXPECT_EQ(decoded.error().detail, detail) << text;
  }
}

}  // namespace
}  // namespace postroom::sasl
