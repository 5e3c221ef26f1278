#include "mailauth/dkim.h"

#include <gtest/gtest.h>

#include "mailauth/dkim_canon.h"
#include "mailauth/dkim_signature.h"
#include "mailauth/tag_list.h"
#include "mailauth/util.h"

namespace postroom::mailauth {
namespace {

// RFC 8463 Appendix A: the RFC 6376 example message signed with the RFC 8032 §7.1 test key.
constexpr const char* kRfc8463Key = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr const char* kRfc8463Message =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

constexpr const char* kMessage =
    "From: Alice <alice@example.org>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: Lunch  plans\r\n"
    "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Shall we meet at noon?  \r\n"
    "\r\n"
    "Alice\r\n"
    "\r\n";

TEST(DkimCanon, Rfc6376Section3_4_5Example) {
  std::string header = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
  std::string body = " C \r\nD \t E\r\n\r\n\r\n";
  std::string message = header + "\r\n" + body;
  SplitMessage split = split_message(message);
  ASSERT_EQ(split.fields.size(), 2u);
  EXPECT_EQ(canon_header(split.fields[0].text, Canon::relaxed), "a:X\r\n");
  EXPECT_EQ(canon_header(split.fields[1].text, Canon::relaxed), "b:Y Z\r\n");
  EXPECT_EQ(canon_body(split.body, Canon::relaxed), " C\r\nD E\r\n");
  EXPECT_EQ(canon_header(split.fields[0].text, Canon::simple), "A: X\r\n");
  EXPECT_EQ(canon_header(split.fields[1].text, Canon::simple), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canon_body(split.body, Canon::simple), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, RelaxedKeepsSpacesAfterColonsInsideTheValue) {
  EXPECT_EQ(canon_header("DKIM-Signature: h=from : to :\r\n subject\r\n", Canon::relaxed),
            "dkim-signature:h=from : to : subject\r\n");
}

TEST(DkimCanon, EmptyAndUnterminatedBodies) {
  EXPECT_EQ(canon_body("", Canon::simple), "\r\n");
  EXPECT_EQ(canon_body("", Canon::relaxed), "");
  EXPECT_EQ(canon_body("\r\n\r\n", Canon::relaxed), "");
  EXPECT_EQ(canon_body("abc", Canon::simple), "abc\r\n");
  EXPECT_EQ(canon_body("  \r\n", Canon::relaxed), "");
}

TEST(DkimTagList, ParsesAndRejects) {
  auto tags = TagList::parse(" v = 1 ; a=rsa-sha256;\r\n\tb=ab cd;");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags->find("v"), "1");
  EXPECT_EQ(*tags->find("b"), "ab cd");
  EXPECT_FALSE(TagList::parse("a=1; a=2"));
  EXPECT_FALSE(TagList::parse("a"));
  EXPECT_FALSE(TagList::parse("1a=2"));
  EXPECT_FALSE(TagList::parse("a=1;;b=2"));
}

TEST(DkimSignature, RequiredTagsAndRules) {
  const std::string good = "v=1; a=rsa-sha256; d=example.org; s=sel; h=From:To; bh=AAAA; b=AAAA";
  EXPECT_TRUE(parse_dkim_signature(good));
  EXPECT_FALSE(parse_dkim_signature("v=1; a=rsa-sha256; d=example.org; s=sel; h=From; bh=AAAA"));  // no b=
  EXPECT_FALSE(parse_dkim_signature("v=2; a=rsa-sha256; d=e.org; s=s; h=From; bh=AAAA; b=AAAA"));
  EXPECT_FALSE(parse_dkim_signature("v=1; a=rsa-md5; d=e.org; s=s; h=From; bh=AAAA; b=AAAA"));
  EXPECT_FALSE(parse_dkim_signature("v=1; a=rsa-sha256; d=e.org; s=s; h=To; bh=AAAA; b=AAAA"));
  EXPECT_FALSE(parse_dkim_signature(good + "; i=@other.org"));
  EXPECT_TRUE(parse_dkim_signature(good + "; i=user@sub.example.org"));
  EXPECT_FALSE(parse_dkim_signature(good + "; t=100; x=50"));
  EXPECT_FALSE(parse_dkim_signature(good + "; c=fancy/simple"));
  EXPECT_FALSE(parse_dkim_signature("v=1; a=rsa-sha256; d=e.org; s=s; h=From; bh=AAAA; b=!!!!"));
  auto sig = parse_dkim_signature(good + "; c=relaxed; l=12");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->header_canon, Canon::relaxed);
  EXPECT_EQ(sig->body_canon, Canon::simple);
  EXPECT_EQ(sig->body_length, 12u);
  EXPECT_EQ(sig->identity, "@example.org");
  EXPECT_EQ(sig->signed_fields, (std::vector<std::string>{"from", "to"}));
}

TEST(DkimKey, Records) {
  auto key = parse_dkim_key("v=DKIM1; k=ed25519; t=y:s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->type, DkimKeyType::ed25519);
  EXPECT_TRUE(key->testing);
  EXPECT_TRUE(key->strict);
  EXPECT_EQ(key->public_key.size(), 32u);
  EXPECT_TRUE(parse_dkim_key("v=DKIM1; p=")->revoked);
  EXPECT_FALSE(parse_dkim_key("k=rsa; v=DKIM1; p=AAAA"));  // v= not first
  EXPECT_FALSE(parse_dkim_key("v=DKIM2; p=AAAA"));
  EXPECT_FALSE(parse_dkim_key("k=dsa; p=AAAA"));
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; k=rsa"));
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; s=other; p=AAAA"));
  EXPECT_FALSE(parse_dkim_key("v=DKIM1; h=sha1; p=AAAA")->allows_sha256);
}

TEST(Dkim, Rfc8463TestVectorVerifies) {
  DkimVerifyOptions options;
  options.now = 1528637909;
  DkimResult result = dkim_verify_with_key(kRfc8463Message, 0, kRfc8463Key, options);
  EXPECT_EQ(result.status, DkimStatus::pass) << result.reason;
  EXPECT_EQ(result.domain, "football.example.com");
  EXPECT_EQ(result.selector, "brisbane");
  EXPECT_EQ(result.algorithm, DkimAlgorithm::ed25519_sha256);
  // And through DNS.
  dns::StaticResolver zone;
  zone.add_txt("brisbane._domainkey.football.example.com", kRfc8463Key);
  auto results = dkim_verify(zone, kRfc8463Message);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DkimStatus::pass);
  EXPECT_EQ(results[0].b_prefix, "/gCrinpc");
  // Same message with LF line ends verifies too.
  std::string lf = kRfc8463Message;
  for (std::size_t at; (at = lf.find("\r\n")) != std::string::npos;) {
    lf.erase(at, 1);
  }
  EXPECT_EQ(dkim_verify_with_key(lf, 0, kRfc8463Key, options).status, DkimStatus::pass);
}

struct RoundTrip {
  DkimKeyType type;
  Canon header;
  Canon body;
};

class DkimRoundTrip : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(DkimRoundTrip, SignThenVerify) {
  const RoundTrip& param = GetParam();
  auto key = generate_key(param.type, 1024);
  ASSERT_TRUE(key) << key.error().detail;
  dns::StaticResolver zone;
  zone.add_txt("sel._domainkey.example.org", key->dns_txt_record);

  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "sel";
  options.private_key_pem = key->private_pem;
  options.header_canon = param.header;
  options.body_canon = param.body;
  auto field = dkim_sign(kMessage, options);
  ASSERT_TRUE(field) << field.error().detail;
  // Folded to at most 78 characters per line.
  std::size_t start = 0;
  while (start < field->size()) {
    std::size_t end = field->find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u) << *field;
    start = end + 2;
  }
  EXPECT_NE(field->find(":From;"), std::string::npos) << *field;  // From oversigned

  std::string signed_message = *field + kMessage;
  auto results = dkim_verify(zone, signed_message);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, DkimStatus::pass) << results[0].reason << "\n" << signed_message;

  // Tampered body.
  std::string tampered = signed_message;
  tampered.replace(tampered.find("noon"), 4, "nine");
  EXPECT_EQ(dkim_verify(zone, tampered)[0].status, DkimStatus::fail);
  // Tampered header.
  tampered = signed_message;
  tampered.replace(tampered.find("Lunch"), 5, "Brunch");
  EXPECT_EQ(dkim_verify(zone, tampered)[0].status, DkimStatus::fail);
  // An added From (oversigning makes this fail).
  tampered = signed_message;
  tampered.insert(tampered.find("To: Bob"), "From: Mallory <m@evil.example>\r\n");
  EXPECT_EQ(dkim_verify(zone, tampered)[0].status, DkimStatus::fail);
  // An unsigned field can be added.
  tampered = signed_message;
  tampered.insert(tampered.find("To: Bob"), "X-Mailer: anything\r\n");
  EXPECT_EQ(dkim_verify(zone, tampered)[0].status, DkimStatus::pass);
}

INSTANTIATE_TEST_SUITE_P(AllModes, DkimRoundTrip,
                         ::testing::Values(RoundTrip{DkimKeyType::rsa, Canon::relaxed, Canon::relaxed},
                                           RoundTrip{DkimKeyType::rsa, Canon::simple, Canon::simple},
                                           RoundTrip{DkimKeyType::rsa, Canon::relaxed, Canon::simple},
                                           RoundTrip{DkimKeyType::ed25519, Canon::relaxed, Canon::relaxed},
                                           RoundTrip{DkimKeyType::ed25519, Canon::simple, Canon::simple},
                                           RoundTrip{DkimKeyType::ed25519, Canon::simple, Canon::relaxed}));

TEST(Dkim, RelaxedSurvivesWhitespaceChanges) {
  auto key = generate_key(DkimKeyType::ed25519);
  ASSERT_TRUE(key);
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "sel";
  options.private_key_pem = key->private_pem;
  auto field = dkim_sign(kMessage, options);
  ASSERT_TRUE(field);
  std::string message = *field + kMessage;
  message.replace(message.find("Subject: Lunch"), 14, "subject:   Lunch");
  message.replace(message.find("noon?  "), 7, "noon?");
  dns::StaticResolver zone;
  zone.add_txt("sel._domainkey.example.org", key->dns_txt_record);
  EXPECT_EQ(dkim_verify(zone, message)[0].status, DkimStatus::pass);
}

TEST(Dkim, KeyAndDnsErrors) {
  auto key = generate_key(DkimKeyType::ed25519);
  ASSERT_TRUE(key);
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "sel";
  options.private_key_pem = key->private_pem;
  options.timestamp = 1000;
  options.expires_after = 100;
  std::string message = *dkim_sign(kMessage, options) + kMessage;

  dns::StaticResolver none;
  EXPECT_EQ(dkim_verify(none, message)[0].status, DkimStatus::fail);  // expired first
  DkimVerifyOptions at_1050;
  at_1050.now = 1050;
  EXPECT_EQ(dkim_verify(none, message, at_1050)[0].status, DkimStatus::permerror);  // no key
  dns::StaticResolver broken;
  broken.fail_temporarily("sel._domainkey.example.org");
  EXPECT_EQ(dkim_verify(broken, message, at_1050)[0].status, DkimStatus::temperror);
  dns::StaticResolver revoked;
  revoked.add_txt("sel._domainkey.example.org", "v=DKIM1; k=ed25519; p=");
  EXPECT_EQ(dkim_verify(revoked, message, at_1050)[0].status, DkimStatus::permerror);
  dns::StaticResolver wrong_type;
  wrong_type.add_txt("sel._domainkey.example.org", "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ");
  EXPECT_EQ(dkim_verify(wrong_type, message, at_1050)[0].status, DkimStatus::permerror);
  dns::StaticResolver testing;
  testing.add_txt("sel._domainkey.example.org", key->dns_txt_record + "; t=y");
  auto result = dkim_verify(testing, message, at_1050)[0];
  EXPECT_EQ(result.status, DkimStatus::pass);
  EXPECT_TRUE(result.testing);
  dns::StaticResolver other;
  auto other_key = generate_key(DkimKeyType::ed25519);
  other.add_txt("sel._domainkey.example.org", other_key->dns_txt_record);
  EXPECT_EQ(dkim_verify(other, message, at_1050)[0].status, DkimStatus::fail);
  EXPECT_TRUE(dkim_verify(none, kMessage).empty());
}

TEST(Dkim, BodyLengthLimitIsHonoured) {
  // Sign a message, then hand-build l= by re-signing is not possible from the public API,
  // so check the verifier side through a body-length signature made by simple arithmetic:
  // an l= longer than the body is a permerror.
  auto key = generate_key(DkimKeyType::ed25519);
  ASSERT_TRUE(key);
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "sel";
  options.private_key_pem = key->private_pem;
  std::string field = *dkim_sign(kMessage, options);
  field.insert(field.find("bh="), "l=99999; ");
  dns::StaticResolver zone;
  zone.add_txt("sel._domainkey.example.org", key->dns_txt_record);
  auto result = dkim_verify(zone, field + kMessage)[0];
  EXPECT_EQ(result.status, DkimStatus::permerror);
  EXPECT_EQ(result.body_length, 99999u);
}

TEST(Dkim, SignRejectsBadInput) {
  DkimSignOptions options;
  options.domain = "example.org";
  options.selector = "sel";
  options.private_key_pem = "not a key";
  EXPECT_FALSE(dkim_sign(kMessage, options));
  options.domain = "";
  EXPECT_FALSE(dkim_sign(kMessage, options));
  EXPECT_FALSE(generate_key(DkimKeyType::rsa, 512));
}

TEST(Dkim, Base64) {
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_decode("Zm9v\r\n YmE="), "fooba");
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zm=9"));
  EXPECT_FALSE(base64_decode("Z"));
}

}  // namespace
}  // namespace postroom::mailauth
