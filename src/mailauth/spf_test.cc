#include "mailauth/spf.h"

#include <gtest/gtest.h>

#include "mailauth/spf_macro.h"
#include "mailauth/spf_record.h"

namespace postroom::mailauth {
namespace {

// RFC 7208 Appendix A: the example.com zone, with example.com's SPF record supplied per test.
std::unique_ptr<dns::StaticResolver> appendix_a_zone(const std::string& example_com_spf) {
  auto zone = std::make_unique<dns::StaticResolver>();
  zone->add_txt("example.com", example_com_spf);
  zone->add_a("example.com", "192.0.2.10");
  zone->add_a("example.com", "192.0.2.11");
  zone->add_a("amy.example.com", "192.0.2.65");
  zone->add_a("bob.example.com", "192.0.2.66");
  zone->add_a("mail-a.example.com", "192.0.2.129");
  zone->add_a("mail-b.example.com", "192.0.2.130");
  zone->add_a("www.example.com", "192.0.2.10");  // CNAME example.com, flattened
  zone->add_a("www.example.com", "192.0.2.11");
  zone->add_a("mail-c.example.org", "192.0.2.140");
  zone->add_mx("example.com", 10, "mail-a.example.com");
  zone->add_mx("example.com", 20, "mail-b.example.com");
  zone->add_mx("example.org", 10, "mail-c.example.org");
  zone->add_ptr("192.0.2.10", "example.com");
  zone->add_ptr("192.0.2.11", "example.com");
  zone->add_ptr("192.0.2.65", "amy.example.com");
  zone->add_ptr("192.0.2.66", "bob.example.com");
  zone->add_ptr("192.0.2.129", "mail-a.example.com");
  zone->add_ptr("192.0.2.130", "mail-b.example.com");
  zone->add_ptr("192.0.2.140", "mail-c.example.org");
  zone->add_ptr("10.0.0.10", "bob.example.com");
  return zone;
}

SpfResult check(const std::string& record, const std::string& ip) {
  auto zone = appendix_a_zone(record);
  return check_host(*zone, ip, "example.com", "user@example.com", "mx.example.com").result;
}

TEST(SpfAppendixA, SimpleExamples) {
  EXPECT_EQ(check("v=spf1 +all", "198.51.100.1"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 a -all", "192.0.2.10"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 a -all", "192.0.2.11"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 a -all", "192.0.2.65"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 a:example.org -all", "192.0.2.10"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 mx -all", "192.0.2.129"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx -all", "192.0.2.130"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx -all", "192.0.2.140"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 mx:example.org -all", "192.0.2.140"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx mx:example.org -all", "192.0.2.129"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx mx:example.org -all", "192.0.2.140"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.131"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.143"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 mx/30 mx:example.org/30 -all", "192.0.2.132"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 ptr -all", "192.0.2.65"), SpfResult::pass);
  EXPECT_EQ(check("v=spf1 ptr -all", "192.0.2.140"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 ptr -all", "10.0.0.10"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.65"), SpfResult::fail);
  EXPECT_EQ(check("v=spf1 ip4:192.0.2.128/28 -all", "192.0.2.129"), SpfResult::pass);
}

TEST(SpfAppendixA, MultipleDomains) {
  auto zone = appendix_a_zone("v=spf1 mx -all");
  zone->add_txt("example.org", "v=spf1 include:example.com include:example.net -all");
  zone->add_txt("example.net", "v=spf1 ip4:198.51.100.0/24 -all");
  EXPECT_EQ(check_host(*zone, "192.0.2.129", "example.org", "a@example.org", "h.example").result, SpfResult::pass);
  EXPECT_EQ(check_host(*zone, "198.51.100.7", "example.org", "a@example.org", "h.example").result, SpfResult::pass);
  EXPECT_EQ(check_host(*zone, "203.0.113.1", "example.org", "a@example.org", "h.example").result, SpfResult::fail);
}

TEST(SpfAppendixA, MultipleRequirements) {
  // A.4: accept only hosts in 192.0.2.0/24 whose validated PTR is in example.com.
  auto zone = appendix_a_zone("v=spf1 -include:ip4._spf.%{d} -include:ptr._spf.%{d} +all");
  zone->add_txt("ip4._spf.example.com", "v=spf1 -ip4:192.0.2.0/24 +all");
  // Inside the include %{d} and the default ptr target are ptr._spf.example.com, so the
  // PTR domain is written out here.
  zone->add_txt("ptr._spf.example.com", "v=spf1 -ptr:example.com +all");
  EXPECT_EQ(check_host(*zone, "192.0.2.65", "example.com", "a@example.com", "h").result, SpfResult::pass);
  EXPECT_EQ(check_host(*zone, "10.0.0.10", "example.com", "a@example.com", "h").result, SpfResult::fail);
  EXPECT_EQ(check_host(*zone, "192.0.2.200", "example.com", "a@example.com", "h").result, SpfResult::fail);
}

TEST(SpfAppendixA, DnsblStyleExists) {
  auto zone = appendix_a_zone("v=spf1 mx -all exists:%{ir}.%{l1r+-}._spf.%{d}");
  // Unreached: mx/-all decide first. Put exists first to exercise it.
  auto zone2 = appendix_a_zone("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all");
  zone2->add_a("3.2.0.192.joe._spf.example.com", "127.0.0.2");
  EXPECT_EQ(check_host(*zone2, "192.0.2.3", "example.com", "joe-x@example.com", "h").result, SpfResult::pass);
  EXPECT_EQ(check_host(*zone2, "192.0.2.4", "example.com", "joe-x@example.com", "h").result, SpfResult::fail);
  EXPECT_EQ(check_host(*zone, "192.0.2.129", "example.com", "joe@example.com", "h").result, SpfResult::pass);
}

TEST(Spf, NoneTemperrorAndMultipleRecords) {
  dns::StaticResolver zone;
  zone.add_txt("example.net", "some other text");
  zone.add_txt("two.example", "v=spf1 -all");
  zone.add_txt("two.example", "v=spf1 +all");
  zone.fail_temporarily("broken.example");
  EXPECT_EQ(check_host(zone, "192.0.2.1", "example.net", "a@example.net", "h").result, SpfResult::none);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "missing.example", "a@missing.example", "h").result, SpfResult::none);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "two.example", "a@two.example", "h").result, SpfResult::permerror);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "broken.example", "a@broken.example", "h").result, SpfResult::temperror);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "nodots", "a@nodots", "h").result, SpfResult::none);
}

TEST(Spf, QualifiersRedirectAndIp6) {
  dns::StaticResolver zone;
  zone.add_txt("soft.example", "v=spf1 ~all");
  zone.add_txt("neutral.example", "v=spf1 ?all");
  zone.add_txt("redir.example", "v=spf1 redirect=target.example");
  zone.add_txt("target.example", "v=spf1 ip6:2001:db8::/32 -all");
  zone.add_txt("badredir.example", "v=spf1 redirect=missing.example");
  zone.add_txt("empty.example", "v=spf1");
  EXPECT_EQ(check_host(zone, "192.0.2.1", "soft.example", "", "soft.example").result, SpfResult::softfail);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "neutral.example", "", "h").result, SpfResult::neutral);
  EXPECT_EQ(check_host(zone, "2001:db8::25", "redir.example", "a@redir.example", "h").result, SpfResult::pass);
  EXPECT_EQ(check_host(zone, "2001:db9::25", "redir.example", "a@redir.example", "h").result, SpfResult::fail);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "badredir.example", "a@b", "h").result, SpfResult::permerror);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "empty.example", "a@b", "h").result, SpfResult::neutral);
  // IPv4-mapped IPv6 clients are checked as IPv4.
  zone.add_txt("v4.example", "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(check_host(zone, "::ffff:192.0.2.9", "v4.example", "a@v4.example", "h").result, SpfResult::pass);
  EXPECT_EQ(check_mail_from(zone, "192.0.2.1", "", "soft.example").result, SpfResult::softfail);
  EXPECT_EQ(check_mail_from(zone, "192.0.2.1", "x@neutral.example", "soft.example").domain, "neutral.example");
}

TEST(Spf, DnsLookupLimit) {
  dns::StaticResolver zone;
  // A chain of includes: l0 -> l1 -> ... ; each include is one lookup.
  for (int i = 0; i < 12; ++i) {
    zone.add_txt("l" + std::to_string(i) + ".example", "v=spf1 include:l" + std::to_string(i + 1) + ".example -all");
  }
  zone.add_txt("l12.example", "v=spf1 +all");
  SpfOutcome outcome = check_host(zone, "192.0.2.1", "l0.example", "a@l0.example", "h");
  EXPECT_EQ(outcome.result, SpfResult::permerror);
  EXPECT_NE(outcome.reason.find("limit"), std::string::npos) << outcome.reason;
  // Exactly 10 lookups is fine.
  dns::StaticResolver ten;
  for (int i = 0; i < 10; ++i) {
    ten.add_txt("l" + std::to_string(i) + ".example", "v=spf1 include:l" + std::to_string(i + 1) + ".example -all");
  }
  ten.add_txt("l10.example", "v=spf1 +all");
  EXPECT_EQ(check_host(ten, "192.0.2.1", "l0.example", "a@l0.example", "h").result, SpfResult::pass);
  // Mechanisms after the limit are never queried: the resolver saw at most 11 TXT + nothing more.
  EXPECT_LE(zone.lookups(), 12u);
}

TEST(Spf, VoidLookupLimit) {
  dns::StaticResolver zone;
  zone.add_txt("void.example", "v=spf1 a:n1.example a:n2.example a:n3.example -all");
  zone.add_txt("two.example", "v=spf1 a:n1.example a:n2.example -all");
  EXPECT_EQ(check_host(zone, "192.0.2.1", "void.example", "a@void.example", "h").result, SpfResult::permerror);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "two.example", "a@two.example", "h").result, SpfResult::fail);
}

TEST(Spf, MxWithMoreThanTenNamesIsPermerror) {
  dns::StaticResolver zone;
  zone.add_txt("many.example", "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) {
    zone.add_mx("many.example", static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".many.example");
  }
  EXPECT_EQ(check_host(zone, "192.0.2.1", "many.example", "a@many.example", "h").result, SpfResult::permerror);
}

TEST(Spf, IncludeErrorsPropagate) {
  dns::StaticResolver zone;
  zone.add_txt("a.example", "v=spf1 include:none.example -all");
  zone.add_txt("b.example", "v=spf1 include:temp.example -all");
  zone.fail_temporarily("temp.example");
  EXPECT_EQ(check_host(zone, "192.0.2.1", "a.example", "x@a.example", "h").result, SpfResult::permerror);
  EXPECT_EQ(check_host(zone, "192.0.2.1", "b.example", "x@b.example", "h").result, SpfResult::temperror);
}

TEST(SpfRecord, Syntax) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_TRUE(parse_spf_record("v=spf1 a/24//64 mx:example.org/28 ip6:2001:db8::/48 -all"));
  auto record = parse_spf_record("v=spf1 a/24//64 -all unknown=ignored");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->mechanisms[0].cidr4, 24u);
  EXPECT_EQ(record->mechanisms[0].cidr6, 64u);
  EXPECT_FALSE(parse_spf_record("v=spf1 ip4:192.0.2.0/33"));
  EXPECT_FALSE(parse_spf_record("v=spf1 ip4:2001:db8::1"));
  EXPECT_FALSE(parse_spf_record("v=spf1 ip6:192.0.2.1"));
  EXPECT_FALSE(parse_spf_record("v=spf1 foo:bar.example"));
  EXPECT_FALSE(parse_spf_record("v=spf1 redirect=a.example redirect=b.example"));
  EXPECT_FALSE(parse_spf_record("v=spf1 a:foo"));                 // domain-end needs a top label
  EXPECT_FALSE(parse_spf_record("v=spf1 include:%{z}.example"));  // unknown macro letter
  EXPECT_FALSE(parse_spf_record("v=spf1 exists:%{d0}.example"));
  EXPECT_FALSE(parse_spf_record("v=spf1 all:x"));
  EXPECT_TRUE(parse_spf_record("v=spf1 exp=explain.%{d} -all"));
}

class SpfMacro : public ::testing::Test {
 protected:
  MacroContext context(const std::string& ip) {
    MacroContext ctx;
    ctx.sender = "strong-bad@email.example.com";
    ctx.local_part = "strong-bad";
    ctx.sender_domain = "email.example.com";
    ctx.domain = "email.example.com";
    ctx.ip = *parse_ip(ip);
    ctx.helo = "mx.example.org";
    return ctx;
  }
  std::string expand(const std::string& spec, const std::string& ip = "192.0.2.3") {
    auto out = expand_macros(spec, context(ip));
    return out ? *out : "<error>";
  }
};

TEST_F(SpfMacro, Rfc7208Section7_4Examples) {
  EXPECT_EQ(expand("%{s}"), "strong-bad@email.example.com");
  EXPECT_EQ(expand("%{o}"), "email.example.com");
  EXPECT_EQ(expand("%{d}"), "email.example.com");
  EXPECT_EQ(expand("%{d4}"), "email.example.com");
  EXPECT_EQ(expand("%{d3}"), "email.example.com");
  EXPECT_EQ(expand("%{d2}"), "example.com");
  EXPECT_EQ(expand("%{d1}"), "com");
  EXPECT_EQ(expand("%{dr}"), "com.example.email");
  EXPECT_EQ(expand("%{d2r}"), "example.email");
  EXPECT_EQ(expand("%{l}"), "strong-bad");
  EXPECT_EQ(expand("%{l-}"), "strong.bad");
  EXPECT_EQ(expand("%{lr}"), "strong-bad");
  EXPECT_EQ(expand("%{lr-}"), "bad.strong");
  EXPECT_EQ(expand("%{l1r-}"), "strong");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expand("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"), "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(expand("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST_F(SpfMacro, EscapesAndErrors) {
  EXPECT_EQ(expand("a%%b%_c%-d"), "a%b c%20d");
  EXPECT_EQ(expand("%{h}"), "mx.example.org");
  EXPECT_EQ(expand("%{p}"), "unknown");
  EXPECT_EQ(expand("%{S}"), "strong-bad%40email.example.com");
  EXPECT_EQ(expand("%{x}"), "<error>");
  EXPECT_EQ(expand("%{c}"), "<error>");  // explanation-only letter
  EXPECT_EQ(expand("%"), "<error>");
  EXPECT_EQ(expand("%{d"), "<error>");
  auto exp = expand_macros("%{c} is %{i}", context("192.0.2.3"), MacroUse::explanation);
  ASSERT_TRUE(exp);
  EXPECT_EQ(*exp, "192.0.2.3 is 192.0.2.3");
  // Over-long expansions are trimmed from the left to 253 octets.
  MacroContext ctx = context("192.0.2.3");
  ctx.local_part = std::string(60, 'a') + "." + std::string(60, 'b') + "." + std::string(60, 'c') + "." +
                   std::string(60, 'd') + "." + std::string(60, 'e');
  auto trimmed = expand_macros("%{l}.example.com", ctx);
  ASSERT_TRUE(trimmed);
  EXPECT_LE(trimmed->size(), 253u);
  EXPECT_TRUE(trimmed->starts_with("ccc"));
}

TEST(Spf, PtrMacroUsesValidatedName) {
  auto zone = appendix_a_zone("v=spf1 exists:%{p}.allow.example -all");
  zone->add_a("amy.example.com.allow.example", "127.0.0.2");
  EXPECT_EQ(check_host(*zone, "192.0.2.65", "example.com", "a@example.com", "h").result, SpfResult::pass);
  EXPECT_EQ(check_host(*zone, "192.0.2.66", "example.com", "a@example.com", "h").result, SpfResult::fail);
}

}  // namespace
}  // namespace postroom::mailauth
