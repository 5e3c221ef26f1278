#include "mailauth/dmarc.h"

#include <gtest/gtest.h>

#include "mailauth/auth_results.h"

namespace postroom::mailauth {
namespace {

const PublicSuffixList& test_psl() {
  static const PublicSuffixList psl = PublicSuffixList::from_text(
      "// comment\ncom\norg\nuk\nco.uk\n*.ck\n!www.ck\n// ===BEGIN PRIVATE DOMAINS===\nblogspot.com\n");
  return psl;
}

TEST(Psl, OrganizationalDomain) {
  const PublicSuffixList& psl = test_psl();
  EXPECT_EQ(psl.organizational_domain("mail.example.com"), "example.com");
  EXPECT_EQ(psl.organizational_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("Example.COM."), "example.com");
  EXPECT_EQ(psl.organizational_domain("x.foo.ck"), "x.foo.ck");
  EXPECT_EQ(psl.organizational_domain("a.www.ck"), "www.ck");
  EXPECT_EQ(psl.organizational_domain("me.blogspot.com"), "me.blogspot.com");
  EXPECT_EQ(psl.organizational_domain("co.uk"), "co.uk");
  EXPECT_EQ(psl.organizational_domain("a.b.unknowntld"), "b.unknowntld");
  PublicSuffixList empty;
  EXPECT_EQ(empty.organizational_domain("a.b.example.co.uk"), "co.uk");  // documented fallback
}

TEST(Psl, SystemListLoadsWhenInstalled) {
  const PublicSuffixList& psl = PublicSuffixList::system();
  if (psl.empty()) {
    GTEST_SKIP() << "publicsuffix not installed";
  }
  EXPECT_EQ(psl.organizational_domain("mail.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("a.b.example.com"), "example.com");
}

TEST(DmarcRecord, Parses) {
  auto record = parse_dmarc_record(
      "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; "
      "rua=mailto:a@example.com, mailto:b@example.com");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->policy, DmarcPolicy::reject);
  EXPECT_EQ(record->subdomain_policy, DmarcPolicy::quarantine);
  EXPECT_EQ(record->dkim_alignment, Alignment::strict);
  EXPECT_EQ(record->percent, 50u);
  EXPECT_EQ(record->rua.size(), 2u);
  EXPECT_FALSE(parse_dmarc_record("p=reject; v=DMARC1"));
  EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=bogus"));
  EXPECT_FALSE(parse_dmarc_record("v=DMARC1; p=none; pct=101"));
  // Invalid p= with a rua= is treated as p=none (RFC 7489 §6.6.3).
  auto lenient = parse_dmarc_record("v=DMARC1; p=bogus; rua=mailto:a@example.com");
  ASSERT_TRUE(lenient);
  EXPECT_EQ(lenient->policy, DmarcPolicy::none);
}

struct AlignmentCase {
  const char* a;
  const char* b;
  Alignment mode;
  bool expected;
};

TEST(Dmarc, AlignmentMatrix) {
  const AlignmentCase cases[] = {
      {"example.com", "example.com", Alignment::strict, true},
      {"example.com", "example.com", Alignment::relaxed, true},
      {"mail.example.com", "example.com", Alignment::strict, false},
      {"mail.example.com", "example.com", Alignment::relaxed, true},
      {"a.example.com", "b.example.com", Alignment::relaxed, true},
      {"a.example.com", "b.example.com", Alignment::strict, false},
      {"example.com", "example.org", Alignment::relaxed, false},
      {"a.example.co.uk", "example.co.uk", Alignment::relaxed, true},
      {"example.co.uk", "other.co.uk", Alignment::relaxed, false},
      {"EXAMPLE.com.", "example.COM", Alignment::strict, true},
      {"", "example.com", Alignment::relaxed, false},
  };
  for (const AlignmentCase& c : cases) {
    EXPECT_EQ(aligned(c.a, c.b, c.mode, test_psl()), c.expected) << c.a << " vs " << c.b;
  }
}

class DmarcCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; pct=100");
    zone_.add_txt("_dmarc.strict.example", "v=DMARC1; p=quarantine; adkim=s; aspf=s");
    zone_.add_txt("_dmarc.half.example", "v=DMARC1; p=reject; pct=50");
    zone_.add_txt("_dmarc.two.example", "v=DMARC1; p=reject");
    zone_.add_txt("_dmarc.two.example", "v=DMARC1; p=none");
    zone_.add_txt("_dmarc.bad.example", "v=DMARC1; p=sometimes");
    zone_.fail_temporarily("_dmarc.temp.example");
  }
  DmarcOutcome run(const std::string& from, SpfResult spf, const std::string& spf_domain, std::vector<std::string> dkim,
                   unsigned sample = 0) {
    DmarcInput input;
    input.from_domain = from;
    input.spf = spf;
    input.spf_domain = spf_domain;
    input.dkim_pass_domains = std::move(dkim);
    input.sample = sample;
    return check_dmarc(zone_, input, test_psl());
  }
  dns::StaticResolver zone_;
};

TEST_F(DmarcCheck, PassFailAndPolicy) {
  auto spf_pass = run("example.com", SpfResult::pass, "bounce.example.com", {});
  EXPECT_EQ(spf_pass.result, DmarcResult::pass);
  EXPECT_TRUE(spf_pass.spf_aligned);
  auto dkim_pass = run("example.com", SpfResult::fail, "evil.example", {"mail.example.com"});
  EXPECT_EQ(dkim_pass.result, DmarcResult::pass);
  EXPECT_TRUE(dkim_pass.dkim_aligned);
  auto spf_softfail = run("example.com", SpfResult::softfail, "example.com", {"other.example"});
  EXPECT_EQ(spf_softfail.result, DmarcResult::fail);
  EXPECT_EQ(spf_softfail.policy, DmarcPolicy::reject);
  EXPECT_EQ(spf_softfail.record_domain, "example.com");
}

TEST_F(DmarcCheck, SubdomainPolicyFromOrganizationalDomain) {
  auto outcome = run("news.example.com", SpfResult::none, "", {});
  EXPECT_EQ(outcome.result, DmarcResult::fail);
  EXPECT_EQ(outcome.record_domain, "example.com");
  EXPECT_EQ(outcome.policy, DmarcPolicy::quarantine);  // sp=
}

TEST_F(DmarcCheck, StrictAlignment) {
  EXPECT_EQ(run("strict.example", SpfResult::pass, "mail.strict.example", {}).result, DmarcResult::fail);
  EXPECT_EQ(run("strict.example", SpfResult::pass, "strict.example", {}).result, DmarcResult::pass);
  EXPECT_EQ(run("strict.example", SpfResult::none, "", {"strict.example"}).result, DmarcResult::pass);
}

TEST_F(DmarcCheck, PercentSampling) {
  EXPECT_EQ(run("half.example", SpfResult::fail, "half.example", {}, 10).policy, DmarcPolicy::reject);
  EXPECT_EQ(run("half.example", SpfResult::fail, "half.example", {}, 60).policy, DmarcPolicy::quarantine);
}

TEST_F(DmarcCheck, NoneTemperrorPermerror) {
  EXPECT_EQ(run("nothing.example", SpfResult::pass, "nothing.example", {}).result, DmarcResult::none);
  EXPECT_EQ(run("two.example", SpfResult::fail, "x", {}).result, DmarcResult::none);
  EXPECT_EQ(run("temp.example", SpfResult::pass, "temp.example", {}).result, DmarcResult::temperror);
  EXPECT_EQ(run("bad.example", SpfResult::pass, "bad.example", {}).result, DmarcResult::permerror);
  EXPECT_EQ(run("", SpfResult::pass, "x", {}).result, DmarcResult::permerror);
}

TEST(Dmarc, FromDomain) {
  EXPECT_EQ(from_domain("From: Alice <alice@Example.ORG>\r\nTo: b@c\r\n\r\nbody"), "example.org");
  EXPECT_EQ(from_domain("To: b@c\r\n\r\n"), std::nullopt);
  EXPECT_EQ(from_domain("From: a@x.example\r\nFrom: b@y.example\r\n\r\n"), std::nullopt);
  EXPECT_EQ(from_domain("From: a@x.example, b@y.example\r\n\r\n"), std::nullopt);
}

TEST(AuthResults, Format) {
  AuthResultsInput input;
  input.authserv_id = "mx.example.net";
  input.spf = SpfOutcome{SpfResult::pass, "example.com", "matched ip4"};
  input.mail_from = "bounce@example.com";
  DkimResult dkim;
  dkim.status = DkimStatus::pass;
  dkim.domain = "example.com";
  dkim.selector = "sel";
  dkim.b_prefix = "abcdefgh";
  input.dkim = {dkim};
  DmarcOutcome dmarc;
  dmarc.result = DmarcResult::pass;
  input.dmarc = dmarc;
  input.header_from = "example.com";
  EXPECT_EQ(format_authentication_results(input),
            "Authentication-Results: mx.example.net;\r\n"
            " spf=pass smtp.mailfrom=bounce@example.com;\r\n"
            " dkim=pass header.d=example.com header.s=sel header.b=abcdefgh;\r\n"
            " dmarc=pass header.from=example.com\r\n");
}

TEST(AuthResults, FailuresCarryQuotedReasons) {
  AuthResultsInput input;
  input.authserv_id = "mx.example.net";
  input.spf = SpfOutcome{SpfResult::fail, "example.com", "matched all"};
  input.mail_from = "";
  input.helo = "evil host; dkim=pass";  // hostile HELO must not inject a result
  DkimResult dkim;
  dkim.status = DkimStatus::fail;
  dkim.reason = "body hash did not verify";
  dkim.domain = "example.com";
  dkim.selector = "s1";
  dkim.b_prefix = "a+b/c=de";
  input.dkim = {dkim};
  DmarcOutcome dmarc;
  dmarc.result = DmarcResult::fail;
  dmarc.policy = DmarcPolicy::reject;
  input.dmarc = dmarc;
  input.header_from = "example.com";
  EXPECT_EQ(format_authentication_results(input),
            "Authentication-Results: mx.example.net;\r\n"
            " spf=fail reason=\"matched all\" smtp.helo=\"evil host; dkim=pass\";\r\n"
            " dkim=fail reason=\"body hash did not verify\" header.d=example.com header.s=s1"
            " header.b=\"a+b/c=de\";\r\n"
            " dmarc=fail (p=reject) header.from=example.com\r\n");
  AuthResultsInput empty;
  empty.authserv_id = "mx.example.net";
  EXPECT_EQ(format_authentication_results(empty), "Authentication-Results: mx.example.net;\r\n dkim=none\r\n");
}

TEST(AuthResults, StripsOnlyOurForgedFields) {
  const std::string message =
      "Received: from x\r\n"
      "Authentication-Results: mx.example.net; spf=pass\r\n"
      "Authentication-Results: other.example; dkim=pass\r\n"
      "authentication-results:  (comment) MX.Example.NET;\r\n dkim=pass header.d=bank.example\r\n"
      "Authentication-Results: mx.example.net.evil; spf=pass\r\n"
      "Subject: hi\r\n"
      "\r\n"
      "Authentication-Results: mx.example.net; in the body stays\r\n";
  EXPECT_EQ(strip_authentication_results(message, "mx.example.net"),
            "Received: from x\r\n"
            "Authentication-Results: other.example; dkim=pass\r\n"
            "Authentication-Results: mx.example.net.evil; spf=pass\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "Authentication-Results: mx.example.net; in the body stays\r\n");
  EXPECT_EQ(strip_authentication_results("A: b\nAuthentication-Results: mx.example.net 1; x\n\nbody", "mx.example.net"),
            "A: b\n\nbody");
}

}  // namespace
}  // namespace postroom::mailauth
