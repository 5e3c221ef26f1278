#include "proto/sasl/mechanism.h"

#include <gtest/gtest.h>

#include "proto/sasl/base64.h"
#include "proto/sasl/login.h"
#include "proto/sasl/plain.h"

namespace postroom::sasl {
namespace {

using namespace std::string_literals;

TEST(SaslPlain, Rfc4616Examples) {
  // RFC 4616 §4: "\0tim\0tanstaaftanstaaf" and "Ursel\0Kurt\0xipj3plmq".
  Result<Done> tim = parse_plain_message("\0tim\0tanstaaftanstaaf"s);
  ASSERT_TRUE(tim.ok());
  EXPECT_EQ(tim->authzid, "");
  EXPECT_EQ(tim->authcid, "tim");
  EXPECT_EQ(tim->password, "tanstaaftanstaaf");

  Result<Done> kurt = parse_plain_message("Ursel\0Kurt\0xipj3plmq"s);
  ASSERT_TRUE(kurt.ok());
  EXPECT_EQ(kurt->authzid, "Ursel");
  EXPECT_EQ(kurt->authcid, "Kurt");
  EXPECT_EQ(kurt->password, "xipj3plmq");
}

TEST(SaslPlain, Rejections) {
  const std::pair<std::string, std::string> bad[] = {
      {"timtanstaaf", "PLAIN message has no NUL separator"},
      {"\0tim"s, "PLAIN message has only one NUL separator"},
      {"\0tim\0pass\0word"s, "PLAIN password contains NUL"},
      {"\0\0pass"s, "authcid is empty"},
      {"\0tim\0"s, "password is empty"},
      {"\0t\xffim\0pass"s, "authcid is not valid UTF-8"},
      {"\xc0\xaf\0tim\0pass"s, "authzid is not valid UTF-8"},
      {"\0tim\0p\xed\xa0\x80"s, "password is not valid UTF-8"},
      {"\0"s + std::string(256, 'a') + "\0pass"s, "authcid longer than 255 octets"},
      {std::string(256, 'z') + "\0tim\0pass"s, "authzid longer than 255 octets"},
      {"\0tim\0"s + std::string(256, 'p'), "password longer than 255 octets"},
  };
  for (const auto& [message, detail] : bad) {
    Result<Done> done = parse_plain_message(message);
    ASSERT_FALSE(done.ok()) << detail;
    EXPECT_EQ(done.error().detail, detail);
  }
  EXPECT_EQ(parse_plain_message("\0tim\0"s + std::string(256, 'p')).error().kind, ErrorKind::limit);
  // Exactly at the limit is fine, and UTF-8 passes.
  EXPECT_TRUE(
      parse_plain_message(std::string(255, 'z') + "\0"s + std::string(255, 'a') + "\0"s + std::string(255, 'p')).ok());
  EXPECT_TRUE(parse_plain_message("\0j\xc3\xbcrgen\0p\xc3\xa4ss"s).ok());
}

TEST(SaslPlain, MechanismWithInitialResponse) {
  auto mech = make_mechanism("plain");
  ASSERT_NE(mech, nullptr);
  EXPECT_EQ(mech->name(), "PLAIN");
  Result<std::string> ir = decode_initial_response(base64_encode("\0tim\0tanstaaftanstaaf"s));
  ASSERT_TRUE(ir.ok());
  Step s = mech->start(*ir);
  ASSERT_TRUE(std::holds_alternative<Done>(s));
  EXPECT_EQ(std::get<Done>(s).authcid, "tim");
}

TEST(SaslPlain, MechanismWithEmptyChallenge) {
  PlainMechanism mech;
  Step s = mech.start(std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Challenge>(s));
  EXPECT_EQ(std::get<Challenge>(s).data, "");
  s = mech.step("Ursel\0Kurt\0xipj3plmq"s);
  ASSERT_TRUE(std::holds_alternative<Done>(s));
  EXPECT_EQ(std::get<Done>(s).authzid, "Ursel");
}

TEST(SaslPlain, EmptyInitialResponseFails) {
  // "AUTH PLAIN =" sends an empty message: valid encoding, invalid PLAIN message.
  PlainMechanism mech;
  Result<std::string> ir = decode_initial_response("=");
  ASSERT_TRUE(ir.ok());
  EXPECT_EQ(*ir, "");
  Step s = mech.start(*ir);
  ASSERT_TRUE(std::holds_alternative<Failed>(s));
  EXPECT_EQ(std::get<Failed>(s).error.kind, ErrorKind::bad_syntax);
}

TEST(SaslPlain, StepAfterDoneCrashes) {
  PlainMechanism mech;
  (void)mech.start("\0tim\0x"s);
  EXPECT_DEATH((void)mech.step("\0tim\0x"s), "PLAIN step outside an exchange");
}

TEST(SaslLogin, TwoChallenges) {
  auto mech = make_mechanism("LOGIN");
  ASSERT_NE(mech, nullptr);
  Step s = mech->start(std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Challenge>(s));
  EXPECT_EQ(base64_encode(std::get<Challenge>(s).data), "VXNlcm5hbWU6");
  s = mech->step("tim");
  ASSERT_TRUE(std::holds_alternative<Challenge>(s));
  EXPECT_EQ(base64_encode(std::get<Challenge>(s).data), "UGFzc3dvcmQ6");
  s = mech->step("tanstaaf tanstaaf");
  ASSERT_TRUE(std::holds_alternative<Done>(s));
  const Done& done = std::get<Done>(s);
  EXPECT_EQ(done.authzid, "");
  EXPECT_EQ(done.authcid, "tim");
  EXPECT_EQ(done.password, "tanstaaf tanstaaf");
}

TEST(SaslLogin, InitialResponseIsUserName) {
  LoginMechanism mech;
  Step s = mech.start(std::string_view("tim"));
  ASSERT_TRUE(std::holds_alternative<Challenge>(s));
  EXPECT_EQ(std::get<Challenge>(s).data, "Password:");
  s = mech.step("secret");
  ASSERT_TRUE(std::holds_alternative<Done>(s));
  EXPECT_EQ(std::get<Done>(s).authcid, "tim");
}

TEST(SaslLogin, Rejections) {
  {
    LoginMechanism mech;
    (void)mech.start(std::nullopt);
    Step s = mech.step("");
    ASSERT_TRUE(std::holds_alternative<Failed>(s));
    EXPECT_EQ(std::get<Failed>(s).error.detail, "user name is empty");
  }
  {
    LoginMechanism mech;
    (void)mech.start(std::nullopt);
    Step s = mech.step(std::string(256, 'u'));
    ASSERT_TRUE(std::holds_alternative<Failed>(s));
    EXPECT_EQ(std::get<Failed>(s).error.kind, ErrorKind::limit);
  }
  {
    LoginMechanism mech;
    (void)mech.start(std::nullopt);
    (void)mech.step("tim");
    Step s = mech.step("pa\0ss"s);
    ASSERT_TRUE(std::holds_alternative<Failed>(s));
    EXPECT_EQ(std::get<Failed>(s).error.detail, "password contains NUL");
  }
  {
    LoginMechanism mech;
    (void)mech.start(std::nullopt);
    (void)mech.step("tim");
    Step s = mech.step("\xff");
    ASSERT_TRUE(std::holds_alternative<Failed>(s));
    EXPECT_EQ(std::get<Failed>(s).error.detail, "password is not valid UTF-8");
  }
}

TEST(SaslRegistry, SupportedMechanisms) {
  const auto names = supported_mechanisms();
  ASSERT_EQ(names.size(), 2u);
  for (std::string_view name : names) {
    EXPECT_NE(make_mechanism(name), nullptr) << name;
  }
  EXPECT_EQ(make_mechanism("CRAM-MD5"), nullptr);
  EXPECT_EQ(make_mechanism("SCRAM-SHA-256"), nullptr);  // not advertised until finished
  EXPECT_EQ(make_mechanism(""), nullptr);
}

TEST(SaslWire, ResponseDecoding) {
  EXPECT_EQ(*decode_initial_response("="), "");
  EXPECT_FALSE(decode_initial_response("").ok());
  EXPECT_EQ(*decode_client_response(""), "");
  EXPECT_EQ(*decode_client_response("dGlt"), "tim");
  EXPECT_EQ(decode_client_response("dGl").error().kind, ErrorKind::bad_syntax);
  const std::string too_long(kMaxEncodedResponse + 4, 'A');
  EXPECT_EQ(decode_client_response(too_long).error().kind, ErrorKind::limit);
  // The largest valid PLAIN message fits in kMaxEncodedResponse.
  const std::string largest = std::string(255, 'z') + "\0"s + std::string(255, 'a') + "\0"s + std::string(255, 'p');
  EXPECT_EQ(base64_encode(largest).size(), kMaxEncodedResponse);
}

}  // namespace
}  // namespace postroom::sasl
