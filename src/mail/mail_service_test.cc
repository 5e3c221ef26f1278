#include "mail/mail_service.h"

#include <gtest/gtest.h>

namespace postroom::mail {
namespace {

TEST(NormalizeCrlf, AllLineEndings) {
  EXPECT_EQ(normalize_crlf("a\nb\r\nc\rd"), "a\r\nb\r\nc\r\nd");
  EXPECT_EQ(normalize_crlf("\r\r\n\n"), "\r\n\r\n\r\n");
  EXPECT_EQ(normalize_crlf(""), "");
  // Every split point gives the same answer as the whole (the function is not incremental,
  // but callers may normalise pieces that end on a line boundary).
  std::string text = "x\r\ny\nz\r\n";
  EXPECT_EQ(normalize_crlf(text), "x\r\ny\r\nz\r\n");
}

}  // namespace
}  // namespace postroom::mail
