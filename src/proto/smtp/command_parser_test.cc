#include "proto/smtp/command_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/smtp/reply.h"

namespace postroom::smtp {
namespace {

std::string describe_path(const Path& p) {
  switch (p.kind) {
    case Path::Kind::null: return "<>";
    case Path::Kind::postmaster: return "<postmaster:" + p.mailbox.local_part + ">";
    case Path::Kind::mailbox: break;
  }
  return "<" + p.mailbox.local_part + (p.mailbox.local_part_quoted ? "(q)" : "") + "@" + p.mailbox.domain + "/" +
         std::to_string(static_cast<int>(p.mailbox.domain_kind)) + (p.had_source_route ? ",route" : "") +
         (p.contains_utf8 ? ",utf8" : "") + ">";
}

// A printable summary of one result, so that whole sequences can be compared.
std::string describe(const ParseResult& result) {
  if (std::holds_alternative<NeedMore>(result)) {
    return "NeedMore";
  }
  if (const auto* sasl = std::get_if<SaslResponse>(&result)) {
    return "Sasl(" + sasl->line + (sasl->cancelled ? ",cancel" : "") + ")";
  }
  if (const auto* e = std::get_if<ParseError>(&result)) {
    return "Error(" + std::to_string(e->code) + " " + e->enhanced.to_string() + " " + e->text +
           (e->in_sasl_exchange ? ",sasl" : "") + (e->close_connection ? ",close" : "") + ")";
  }
  const auto& c = std::get<Command>(result);
  std::string out = std::string(verb_name(c.verb)) + "(";
  switch (c.verb) {
    case Verb::helo:
    case Verb::ehlo:
    case Verb::lhlo: out += c.domain + (c.domain_valid ? "" : ",invalid"); break;
    case Verb::mail:
      out += describe_path(c.path);
      if (c.mail.size)
        out += " SIZE=" + std::to_string(*c.mail.size);
      if (c.mail.body != Body::unspecified)
        out += " BODY=" + std::to_string(static_cast<int>(c.mail.body));
      if (c.mail.smtputf8)
        out += " SMTPUTF8";
      if (c.mail.ret != Ret::unspecified)
        out += " RET=" + std::to_string(static_cast<int>(c.mail.ret));
      if (c.mail.envid)
        out += " ENVID=" + *c.mail.envid;
      if (c.mail.auth)
        out += " AUTH=" + *c.mail.auth;
      break;
    case Verb::rcpt:
      out += describe_path(c.path);
      if (c.rcpt.notify) {
        out += " NOTIFY=";
        out += c.rcpt.notify->never ? "N" : "";
        out += c.rcpt.notify->success ? "S" : "";
        out += c.rcpt.notify->failure ? "F" : "";
        out += c.rcpt.notify->delay ? "D" : "";
      }
      if (c.rcpt.orcpt)
        out += " ORCPT=" + c.rcpt.orcpt->addr_type + ";" + c.rcpt.orcpt->address;
      break;
    case Verb::bdat: out += std::to_string(c.chunk_size) + (c.last ? " LAST" : ""); break;
    case Verb::auth: out += c.mechanism + (c.initial_response ? " " + *c.initial_response : ""); break;
    default: out += c.argument;
  }
  return out + ")";
}

void drain(CommandParser& parser, std::vector<std::string>& out) {
  for (;;) {
    ParseResult result = parser.next();
    if (std::holds_alternative<NeedMore>(result)) {
      return;
    }
    if (const auto* command = std::get_if<Command>(&result);
        command && command->verb == Verb::auth && !command->initial_response) {
      parser.expect_sasl_response(12288);
    }
    out.push_back(describe(result));
  }
}

std::vector<std::string> parse_pieces(const std::vector<std::string_view>& pieces, Limits limits = {}) {
  CommandParser parser(limits);
  std::vector<std::string> out;
  for (std::string_view piece : pieces) {
    parser.feed(piece);
    drain(parser, out);
  }
  return out;
}

std::vector<std::string> parse_all(std::string_view input, Limits limits = {}) {
  return parse_pieces({input}, limits);
}

void expect_split_invariant(std::string_view input, Limits limits = {}) {
  const std::vector<std::string> whole = parse_all(input, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(parse_pieces({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  EXPECT_EQ(parse_pieces(bytes, limits), whole) << "byte by byte";
}

Command parse_one(std::string_view line, Limits limits = {}) {
  CommandParser parser(limits);
  parser.feed(line);
  ParseResult result = parser.next();
  EXPECT_TRUE(std::holds_alternative<Command>(result)) << line << " -> " << describe(result);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
  if (auto* command = std::get_if<Command>(&result)) {
    return *command;
  }
  return Command{};
}

std::string one(std::string_view line, Limits limits = {}) {
  const std::vector<std::string> all = parse_all(line, limits);
  EXPECT_EQ(all.size(), 1u) << line;
  return all.empty() ? "" : all[0];
}

ParseError parse_error(std::string_view line, Limits limits = {}) {
  CommandParser parser(limits);
  parser.feed(line);
  ParseResult result = parser.next();
  EXPECT_TRUE(std::holds_alternative<ParseError>(result)) << line << " -> " << describe(result);
  if (auto* error = std::get_if<ParseError>(&result)) {
    return *error;
  }
  return ParseError{};
}

std::string error_reply(std::string_view line, Limits limits = {}) {
  return reply_for(parse_error(line, limits));
}

TEST(SmtpCommand, NoArgumentVerbs) {
  const std::pair<const char*, Verb> cases[] = {
      {"DATA", Verb::data}, {"RSET", Verb::rset}, {"QUIT", Verb::quit}, {"STARTTLS", Verb::starttls}};
  for (const auto& [name, verb] : cases) {
    EXPECT_EQ(parse_one(std::string(name) + "\r\n").verb, verb) << name;
    EXPECT_EQ(parse_one(std::string(name) + " \r\n").verb, verb) << name;  // trailing space tolerated
    EXPECT_EQ(error_reply(std::string(name) + " x\r\n"), "501 5.5.4 " + std::string(name) + " takes no arguments\r\n");
  }
}

TEST(SmtpCommand, VerbsAreCaseInsensitive) {
  EXPECT_EQ(parse_one("quit\r\n").verb, Verb::quit);
  EXPECT_EQ(parse_one("StartTLS\r\n").verb, Verb::starttls);
  EXPECT_EQ(one("mail from:<a@b.example>\r\n"), "MAIL(<a@b.example/0>)");
  EXPECT_EQ(one("rcpt To:<a@b.example>\r\n"), "RCPT(<a@b.example/0>)");
}

TEST(SmtpCommand, Hello) {
  EXPECT_EQ(one("EHLO mx.example.org\r\n"), "EHLO(mx.example.org)");
  EXPECT_EQ(one("HELO [192.0.2.1]\r\n"), "HELO([192.0.2.1])");
  EXPECT_EQ(one("LHLO [IPv6:2001:db8::1]\r\n"), "LHLO([IPv6:2001:db8::1])");
  EXPECT_EQ(one("EHLO  client.example  (extra words)\r\n"), "EHLO(client.example)");
  EXPECT_EQ(one("EHLO my_pc\r\n"), "EHLO(my_pc,invalid)");
  EXPECT_EQ(one("EHLO [local]\r\n"), "EHLO([local],invalid)");
  EXPECT_EQ(one("EHLO -bad.example\r\n"), "EHLO(-bad.example,invalid)");
  EXPECT_EQ(error_reply("EHLO\r\n"), "501 5.5.4 EHLO requires a domain or address literal\r\n");
  EXPECT_EQ(error_reply("HELO \r\n"), "501 5.5.4 HELO requires a domain or address literal\r\n");
  EXPECT_EQ(error_reply("LHLO\r\n"), "501 5.5.4 LHLO requires a domain or address literal\r\n");
}

TEST(SmtpCommand, OptionalAndRequiredArguments) {
  EXPECT_EQ(one("NOOP\r\n"), "NOOP()");
  EXPECT_EQ(one("NOOP anything at all \r\n"), "NOOP(anything at all)");
  EXPECT_EQ(one("HELP\r\n"), "HELP()");
  EXPECT_EQ(one("HELP MAIL\r\n"), "HELP(MAIL)");
  EXPECT_EQ(one("VRFY Smith\r\n"), "VRFY(Smith)");
  EXPECT_EQ(one("EXPN Example-People\r\n"), "EXPN(Example-People)");
  EXPECT_EQ(one("VRFY <j\xc3\xb6rg@example.org>\r\n"), "VRFY(<j\xc3\xb6rg@example.org>)");
  EXPECT_EQ(error_reply("VRFY\r\n"), "501 5.5.4 VRFY requires an argument\r\n");
  EXPECT_EQ(error_reply("EXPN  \r\n"), "501 5.5.4 EXPN requires an argument\r\n");
}

TEST(SmtpCommand, MailFromForms) {
  EXPECT_EQ(one("MAIL FROM:<>\r\n"), "MAIL(<>)");
  EXPECT_EQ(one("MAIL FROM:<alice@example.org>\r\n"), "MAIL(<alice@example.org/0>)");
  // Tolerated client bug: space(s) after the colon.
  EXPECT_EQ(one("MAIL FROM: <alice@example.org>\r\n"), "MAIL(<alice@example.org/0>)");
  EXPECT_EQ(one("MAIL FROM:  <>\r\n"), "MAIL(<>)");
  EXPECT_EQ(one("MAIL  FROM:<a@example.org>  \r\n"), "MAIL(<a@example.org/0>)");
  // Source route accepted and dropped.
  EXPECT_EQ(one("MAIL FROM:<@a.example,@b.example:user@c.example>\r\n"), "MAIL(<user@c.example/0,route>)");
  EXPECT_EQ(error_reply("MAIL FROM:alice@example.org\r\n"), "501 5.1.7 address must be enclosed in angle brackets\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:\r\n"), "501 5.1.7 address must be enclosed in angle brackets\r\n");
  EXPECT_EQ(error_reply("MAIL <a@example.org>\r\n"), "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(error_reply("MAIL FROM <a@example.org>\r\n"), "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(error_reply("MAIL\r\n"), "501 5.5.4 syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:<Postmaster>\r\n"), "501 5.1.7 sender address needs a domain\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:<alice>\r\n"), "501 5.1.7 address needs a domain\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:<a@example.org>x\r\n"), "501 5.1.7 unexpected text after the address\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:<a@example.org\r\n"), "501 5.1.7 bad address syntax\r\n");
}

TEST(SmtpCommand, RcptToForms) {
  EXPECT_EQ(one("RCPT TO:<bob@example.org>\r\n"), "RCPT(<bob@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<Postmaster>\r\n"), "RCPT(<postmaster:Postmaster>)");
  EXPECT_EQ(one("RCPT TO:<postmaster>\r\n"), "RCPT(<postmaster:postmaster>)");
  EXPECT_EQ(one("RCPT TO:<postmaster@example.org>\r\n"), "RCPT(<postmaster@example.org/0>)");
  EXPECT_EQ(one("RCPT TO: <bob@example.org>\r\n"), "RCPT(<bob@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<@relay.example:bob@example.org>\r\n"), "RCPT(<bob@example.org/0,route>)");
  EXPECT_EQ(error_reply("RCPT TO:<>\r\n"), "501 5.1.3 null path not allowed here\r\n");
  EXPECT_EQ(error_reply("RCPT TO:bob@example.org\r\n"), "501 5.1.3 address must be enclosed in angle brackets\r\n");
  EXPECT_EQ(error_reply("RCPT FROM:<bob@example.org>\r\n"), "501 5.5.4 syntax: RCPT TO:<address>\r\n");
  EXPECT_EQ(error_reply("RCPT TO:<postmasterx>\r\n"), "501 5.1.3 address needs a domain\r\n");
}

TEST(SmtpCommand, LocalParts) {
  EXPECT_EQ(one("RCPT TO:<first.last+tag@example.org>\r\n"), "RCPT(<first.last+tag@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<!#$%&'*+-/=?^_`{|}~@example.org>\r\n"), "RCPT(<!#$%&'*+-/=?^_`{|}~@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<\"john doe\"@example.org>\r\n"), "RCPT(<john doe(q)@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<\"a\\\"b\\\\c\"@example.org>\r\n"), "RCPT(<a\"b\\c(q)@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<\"a>b@c\"@example.org>\r\n"), "RCPT(<a>b@c(q)@example.org/0>)");
  EXPECT_EQ(one("RCPT TO:<\"\"@example.org>\r\n"), "RCPT(<(q)@example.org/0>)");
  for (const char* bad :
       {"<.a@example.org>", "<a.@example.org>", "<a..b@example.org>", "<@example.org>", "<a b@example.org>",
        "<\"unterminated@example.org>", "<a(b)@example.org>", "<a@@example.org>", "<a\\b@example.org>"}) {
    const ParseError error = parse_error("RCPT TO:" + std::string(bad) + "\r\n");
    EXPECT_EQ(error.code, 501) << bad;
    EXPECT_EQ(error.enhanced, (EnhancedStatus{5, 1, 3})) << bad;
  }
}

TEST(SmtpCommand, MailboxToWireRequotes) {
  EXPECT_EQ(parse_one("RCPT TO:<\"john doe\"@example.org>\r\n").path.mailbox.to_wire(), "\"john doe\"@example.org");
  EXPECT_EQ(parse_one("RCPT TO:<\"john\"@example.org>\r\n").path.mailbox.to_wire(), "john@example.org");
  EXPECT_EQ(parse_one("RCPT TO:<\"a\\\"b\"@example.org>\r\n").path.mailbox.to_wire(), "\"a\\\"b\"@example.org");
  EXPECT_EQ(parse_one("RCPT TO:<\"a..b\"@example.org>\r\n").path.mailbox.to_wire(), "\"a..b\"@example.org");
}

TEST(SmtpCommand, Domains) {
  EXPECT_EQ(one("RCPT TO:<a@EXAMPLE.org>\r\n"), "RCPT(<a@EXAMPLE.org/0>)");
  EXPECT_EQ(one("RCPT TO:<a@x-1.example>\r\n"), "RCPT(<a@x-1.example/0>)");
  EXPECT_EQ(one("RCPT TO:<a@localhost>\r\n"), "RCPT(<a@localhost/0>)");
  EXPECT_EQ(one("RCPT TO:<a@[192.0.2.1]>\r\n"), "RCPT(<a@[192.0.2.1]/1>)");
  EXPECT_EQ(one("RCPT TO:<a@[IPv6:2001:db8::1]>\r\n"), "RCPT(<a@[IPv6:2001:db8::1]/2>)");
  EXPECT_EQ(one("RCPT TO:<a@[ipv6:::1]>\r\n"), "RCPT(<a@[ipv6:::1]/2>)");
  EXPECT_EQ(one("RCPT TO:<a@[IPv6:2001:db8:0:0:0:0:0:1]>\r\n"), "RCPT(<a@[IPv6:2001:db8:0:0:0:0:0:1]/2>)");
  EXPECT_EQ(one("RCPT TO:<a@[IPv6:::ffff:192.0.2.1]>\r\n"), "RCPT(<a@[IPv6:::ffff:192.0.2.1]/2>)");
  EXPECT_EQ(one("RCPT TO:<a@[IPv6:0:0:0:0:0:ffff:192.0.2.1]>\r\n"), "RCPT(<a@[IPv6:0:0:0:0:0:ffff:192.0.2.1]/2>)");
  EXPECT_EQ(one("RCPT TO:<a@[x-tag:some.thing]>\r\n"), "RCPT(<a@[x-tag:some.thing]/3>)");
  for (const char* bad : {"<a@-x.example>",
                          "<a@x-.example>",
                          "<a@x..example>",
                          "<a@example.org.>",
                          "<a@.example>",
                          "<a@x_y.example>",
                          "<a@[192.0.2.256]>",
                          "<a@[192.0.2]>",
                          "<a@[192.0.2.1.5]>",
                          "<a@[1920.0.2.1]>",
                          "<a@[IPv6:1::2::3]>",
                          "<a@[IPv6:12345::1]>",
                          "<a@[IPv6:1:2:3:4:5:6:7]>",
                          "<a@[IPv6:1:2:3:4:5:6:7:8:9]>",
                          "<a@[IPv6:g::1]>",
                          "<a@[IPv6:1::2:]>",
                          "<a@[IPv6::1:2]>",
                          "<a@[]>",
                          "<a@[192.0.2.1>",
                          "<a@[tag:]>",
                          "<a@[tag-:x]>",
                          "<a@[tag:a[b]>"}) {
    const ParseError error = parse_error("RCPT TO:" + std::string(bad) + "\r\n");
    EXPECT_EQ(error.enhanced, (EnhancedStatus{5, 1, 3})) << bad;
  }
}

TEST(SmtpCommand, Utf8Addresses) {
  EXPECT_EQ(one("MAIL FROM:<j\xc3\xb6rg@b\xc3\xbc"
                "cher.example> SMTPUTF8\r\n"),
            "MAIL(<j\xc3\xb6rg@b\xc3\xbc"
            "cher.example/0,utf8> SMTPUTF8)");
  // The parser only flags UTF-8; the session refuses it when SMTPUTF8 was not given.
  EXPECT_TRUE(parse_one("RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@example.org>\r\n").path.contains_utf8);
  EXPECT_TRUE(parse_one("RCPT TO:<\"\xe7\x94\xa8 x\"@example.org>\r\n").path.contains_utf8);
  EXPECT_FALSE(parse_one("RCPT TO:<user@example.org>\r\n").path.contains_utf8);
  EXPECT_EQ(error_reply("RCPT TO:<\xc3@example.org>\r\n"), "500 5.5.2 command is not valid UTF-8\r\n");
  EXPECT_EQ(error_reply("RCPT TO:<\xc0\xaf@example.org>\r\n"), "500 5.5.2 command is not valid UTF-8\r\n");
  EXPECT_EQ(error_reply("RCPT TO:<\xed\xa0\x80@example.org>\r\n"), "500 5.5.2 command is not valid UTF-8\r\n");
}

TEST(SmtpCommand, AddressLimits) {
  const std::string local64(64, 'l');
  EXPECT_EQ(parse_one("RCPT TO:<" + local64 + "@example.org>\r\n").path.mailbox.local_part, local64);
  EXPECT_EQ(error_reply("RCPT TO:<" + local64 + "l@example.org>\r\n"), "501 5.1.3 local part too long\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:<\"" + std::string(63, 'q') + "\"@example.org>\r\n"),
            "501 5.1.7 local part too long\r\n");  // quotes count
  Limits lenient;
  lenient.address.max_local_part = 256;
  EXPECT_EQ(parse_one("RCPT TO:<" + local64 + "lll@example.org>\r\n", lenient).verb, Verb::rcpt);

  // Domain: labels of 63, total 255.
  const std::string label63(63, 'd');
  const std::string domain255 = label63 + "." + label63 + "." + label63 + "." + std::string(63, 'd');
  ASSERT_EQ(domain255.size(), 255u);
  Limits wide;
  wide.max_command_line = 4096;
  wide.address.max_path = 1000;
  EXPECT_EQ(parse_one("RCPT TO:<a@" + domain255 + ">\r\n", wide).path.mailbox.domain, domain255);
  EXPECT_EQ(error_reply("RCPT TO:<a@" + domain255 + "d>\r\n", wide), "501 5.1.3 domain too long\r\n");
  EXPECT_EQ(error_reply("RCPT TO:<a@" + label63 + "d.example>\r\n", wide), "501 5.1.3 bad domain syntax\r\n");

  // Path: 256 octets including the brackets.
  const std::string at_limit = "<" + std::string(60, 'l') + "@" + label63 + "." + label63 + "." + std::string(32, 'e') +
                               "." + std::string(32, 'f') + ">";
  ASSERT_EQ(at_limit.size(), 256u);
  EXPECT_EQ(parse_one("RCPT TO:" + at_limit + "\r\n").verb, Verb::rcpt);
  const std::string over = "<" + std::string(60, 'l') + "@" + label63 + "." + label63 + "." + std::string(32, 'e') +
                           "." + std::string(33, 'f') + ">";
  EXPECT_EQ(error_reply("RCPT TO:" + over + "\r\n"), "501 5.1.3 path too long\r\n");
  EXPECT_EQ(error_reply("MAIL FROM:" + over + "\r\n"), "501 5.1.7 path too long\r\n");
}

TEST(SmtpCommand, MailParameters) {
  EXPECT_EQ(one("MAIL FROM:<a@b.example> SIZE=12345\r\n"), "MAIL(<a@b.example/0> SIZE=12345)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> size=0\r\n"), "MAIL(<a@b.example/0> SIZE=0)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> SIZE=99999999999999999999\r\n"),
            "MAIL(<a@b.example/0> SIZE=18446744073709551615)");  // saturates
  EXPECT_EQ(one("MAIL FROM:<a@b.example> BODY=7BIT\r\n"), "MAIL(<a@b.example/0> BODY=1)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> BODY=8bitmime\r\n"), "MAIL(<a@b.example/0> BODY=2)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n"), "MAIL(<a@b.example/0> BODY=3)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> smtputf8\r\n"), "MAIL(<a@b.example/0> SMTPUTF8)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> RET=FULL\r\n"), "MAIL(<a@b.example/0> RET=1)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> RET=hdrs\r\n"), "MAIL(<a@b.example/0> RET=2)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> ENVID=QQ314159+2B1\r\n"), "MAIL(<a@b.example/0> ENVID=QQ314159+1)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> AUTH=e+3Dmc2@example.com\r\n"),
            "MAIL(<a@b.example/0> AUTH=e=mc2@example.com)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example> AUTH=<>\r\n"), "MAIL(<a@b.example/0> AUTH=)");
  EXPECT_EQ(one("MAIL FROM:<> SIZE=1 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=x AUTH=<>\r\n"),
            "MAIL(<> SIZE=1 BODY=2 SMTPUTF8 RET=2 ENVID=x AUTH=)");
  EXPECT_EQ(one("MAIL FROM:<a@b.example>   SIZE=1    BODY=7BIT  \r\n"), "MAIL(<a@b.example/0> SIZE=1 BODY=1)");
}

TEST(SmtpCommand, MailParameterErrors) {
  const std::string from = "MAIL FROM:<a@b.example> ";
  EXPECT_EQ(error_reply(from + "FOO=bar\r\n"), "555 5.5.4 MAIL parameter FOO not recognized\r\n");
  EXPECT_EQ(error_reply(from + "x-custom\r\n"), "555 5.5.4 MAIL parameter X-CUSTOM not recognized\r\n");
  EXPECT_EQ(error_reply(from + "NOTIFY=NEVER\r\n"), "555 5.5.4 MAIL parameter NOTIFY not recognized\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=1 SIZE=2\r\n"), "501 5.5.4 duplicate SIZE parameter\r\n");
  EXPECT_EQ(error_reply(from + "SMTPUTF8 smtputf8\r\n"), "501 5.5.4 duplicate SMTPUTF8 parameter\r\n");
  EXPECT_EQ(error_reply(from + "SIZE\r\n"), "501 5.5.4 SIZE requires a value\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=\r\n"), "501 5.5.4 bad parameter syntax\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=-1\r\n"), "501 5.5.4 invalid SIZE value\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=1k\r\n"), "501 5.5.4 invalid SIZE value\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=123456789012345678901\r\n"), "501 5.5.4 invalid SIZE value\r\n");
  EXPECT_EQ(error_reply(from + "BODY=9BIT\r\n"), "501 5.5.4 invalid BODY value\r\n");
  EXPECT_EQ(error_reply(from + "BODY\r\n"), "501 5.5.4 BODY requires a value\r\n");
  EXPECT_EQ(error_reply(from + "SMTPUTF8=yes\r\n"), "501 5.5.4 SMTPUTF8 takes no value\r\n");
  EXPECT_EQ(error_reply(from + "RET=ALL\r\n"), "501 5.5.4 invalid RET value\r\n");
  EXPECT_EQ(error_reply(from + "ENVID=a+2\r\n"), "501 5.5.4 invalid ENVID value\r\n");
  EXPECT_EQ(error_reply(from + "ENVID=a+0D+0Ab\r\n"), "501 5.5.4 invalid ENVID value\r\n");  // no CRLF injection
  EXPECT_EQ(error_reply(from + "ENVID=" + std::string(101, 'e') + "\r\n"), "501 5.5.4 invalid ENVID value\r\n");
  EXPECT_EQ(error_reply(from + "AUTH=+00x\r\n"), "501 5.5.4 invalid AUTH value\r\n");
  EXPECT_EQ(error_reply(from + "-bad=1\r\n"), "501 5.5.4 bad parameter syntax\r\n");
  EXPECT_EQ(error_reply(from + "SIZE=1=2\r\n"), "501 5.5.4 bad parameter syntax\r\n");
  EXPECT_EQ(error_reply(from + "ke_y=1\r\n"), "501 5.5.4 bad parameter syntax\r\n");
}

TEST(SmtpCommand, RcptParameters) {
  const std::string to = "RCPT TO:<b@c.example> ";
  EXPECT_EQ(one(to + "NOTIFY=NEVER\r\n"), "RCPT(<b@c.example/0> NOTIFY=N)");
  EXPECT_EQ(one(to + "NOTIFY=SUCCESS,FAILURE,DELAY\r\n"), "RCPT(<b@c.example/0> NOTIFY=SFD)");
  EXPECT_EQ(one(to + "notify=delay,failure\r\n"), "RCPT(<b@c.example/0> NOTIFY=FD)");
  EXPECT_EQ(one(to + "ORCPT=rfc822;b+40c.example\r\n"), "RCPT(<b@c.example/0> ORCPT=rfc822;b@c.example)");
  EXPECT_EQ(one(to + "ORCPT=utf-8;j\xc3\xb6rg\\x{40}c.example\r\n"),
            "RCPT(<b@c.example/0> ORCPT=utf-8;j\xc3\xb6rg\\x{40}c.example)");
  EXPECT_EQ(one(to + "NOTIFY=FAILURE ORCPT=rfc822;b@c.example\r\n"),
            "RCPT(<b@c.example/0> NOTIFY=F ORCPT=rfc822;b@c.example)");
  EXPECT_EQ(error_reply(to + "NOTIFY=NEVER,SUCCESS\r\n"), "501 5.5.4 NOTIFY=NEVER cannot be combined\r\n");
  EXPECT_EQ(error_reply(to + "NOTIFY=SUCCESS,SUCCESS\r\n"), "501 5.5.4 invalid NOTIFY value\r\n");
  EXPECT_EQ(error_reply(to + "NOTIFY=SUCCESS,\r\n"), "501 5.5.4 invalid NOTIFY value\r\n");
  EXPECT_EQ(error_reply(to + "NOTIFY=ALWAYS\r\n"), "501 5.5.4 invalid NOTIFY value\r\n");
  EXPECT_EQ(error_reply(to + "NOTIFY\r\n"), "501 5.5.4 NOTIFY requires a value\r\n");
  EXPECT_EQ(error_reply(to + "NOTIFY=NEVER NOTIFY=NEVER\r\n"), "501 5.5.4 duplicate NOTIFY parameter\r\n");
  EXPECT_EQ(error_reply(to + "ORCPT=rfc822\r\n"), "501 5.5.4 invalid ORCPT value\r\n");
  EXPECT_EQ(error_reply(to + "ORCPT=;a@b\r\n"), "501 5.5.4 invalid ORCPT value\r\n");
  EXPECT_EQ(error_reply(to + "ORCPT=rfc822;\r\n"), "501 5.5.4 invalid ORCPT value\r\n");
  EXPECT_EQ(error_reply(to + "ORCPT=rfc822;a+ZZ\r\n"), "501 5.5.4 invalid ORCPT value\r\n");
  EXPECT_EQ(error_reply(to + "ORCPT=rfc822;a ORCPT=rfc822;b\r\n"), "501 5.5.4 duplicate ORCPT parameter\r\n");
  EXPECT_EQ(error_reply(to + "SIZE=10\r\n"), "555 5.5.4 RCPT parameter SIZE not recognized\r\n");
}

TEST(SmtpCommand, Bdat) {
  EXPECT_EQ(one("BDAT 0\r\n"), "BDAT(0)");
  EXPECT_EQ(one("BDAT 1000 LAST\r\n"), "BDAT(1000 LAST)");
  EXPECT_EQ(one("bdat 86 last\r\n"), "BDAT(86 LAST)");
  EXPECT_EQ(error_reply("BDAT\r\n"), "501 5.5.4 syntax: BDAT size [LAST]\r\n");
  EXPECT_TRUE(parse_error("BDAT\r\n").close_connection);
  EXPECT_TRUE(parse_error("BDAT x\r\n").close_connection);
  EXPECT_TRUE(parse_error("BDAT -1\r\n").close_connection);
  EXPECT_TRUE(parse_error("BDAT 10 FIRST\r\n").close_connection);
  EXPECT_TRUE(parse_error("BDAT 10 LAST x\r\n").close_connection);
  EXPECT_TRUE(parse_error("BDAT 123456789012345678901\r\n").close_connection);
}

TEST(SmtpCommand, Auth) {
  EXPECT_EQ(one("AUTH plain\r\n"), "AUTH(PLAIN)");
  EXPECT_EQ(one("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), "AUTH(PLAIN AGFsaWNlAHNlY3JldA==)");
  EXPECT_EQ(one("AUTH PLAIN =\r\n"), "AUTH(PLAIN =)");
  EXPECT_EQ(one("AUTH SCRAM-SHA-256\r\n"), "AUTH(SCRAM-SHA-256)");
  EXPECT_EQ(error_reply("AUTH\r\n"), "501 5.5.4 syntax: AUTH mechanism [initial-response]\r\n");
  EXPECT_EQ(error_reply("AUTH PLAIN a b\r\n"), "501 5.5.4 syntax: AUTH mechanism [initial-response]\r\n");
  EXPECT_EQ(error_reply("AUTH PL@IN\r\n"), "501 5.5.4 invalid SASL mechanism name\r\n");
  EXPECT_EQ(error_reply("AUTH ABCDEFGHIJKLMNOPQRSTU\r\n"), "501 5.5.4 invalid SASL mechanism name\r\n");
}

TEST(SmtpCommand, SaslResponses) {
  CommandParser parser(Limits{});
  parser.feed("AUTH LOGIN\r\nYWxpY2U=\r\n*\r\n" + std::string(600, 'A') + "\r\nQUIT\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::auth);
  parser.expect_sasl_response(12288);
  EXPECT_EQ(std::get<SaslResponse>(parser.next()).line, "YWxpY2U=");
  parser.expect_sasl_response(12288);
  EXPECT_TRUE(std::get<SaslResponse>(parser.next()).cancelled);
  parser.expect_sasl_response(12288);  // longer than a command line, fine for SASL
  EXPECT_EQ(std::get<SaslResponse>(parser.next()).line.size(), 600u);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::quit);

  parser.feed(std::string(100, 'A') + "\r\nNOOP\r\n");
  parser.expect_sasl_response(64);
  const ParseError error = std::get<ParseError>(parser.next());
  EXPECT_EQ(reply_for(error), "500 5.5.6 authentication exchange line is too long\r\n");
  EXPECT_TRUE(error.in_sasl_exchange);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::noop);
}

TEST(SmtpCommand, SyntaxErrors) {
  EXPECT_EQ(error_reply("\r\n"), "500 5.5.2 empty command\r\n");
  EXPECT_EQ(error_reply("   \r\n"), "500 5.5.2 empty command\r\n");
  EXPECT_EQ(error_reply("XYZZY\r\n"), "500 5.5.1 command unrecognized\r\n");
  EXPECT_EQ(error_reply("ETRN example.org\r\n"), "500 5.5.1 command unrecognized\r\n");
  EXPECT_EQ(error_reply("NOOP\tx\r\n"), "500 5.5.2 command contains a control character\r\n");
  EXPECT_EQ(error_reply(std::string("HELO a\0b\r\n", 10)), "500 5.5.2 command contains a control character\r\n");
  EXPECT_EQ(error_reply("HELO a\rb\r\n"), "500 5.5.2 command contains a control character\r\n");
  EXPECT_EQ(error_reply("QUIT\r\r\n"), "500 5.5.2 command contains a control character\r\n");
  EXPECT_EQ(error_reply("\xff\xfe\r\n"), "500 5.5.2 command is not valid UTF-8\r\n");
  EXPECT_EQ(to_error(parse_error("XYZZY\r\n")).kind, ErrorKind::bad_syntax);
}

TEST(SmtpCommand, BareLfPolicy) {
  const ParseError error = parse_error("QUIT\n");
  EXPECT_EQ(error.kind, ParseErrorKind::bare_newline);
  EXPECT_EQ(reply_for(error), "500 5.5.2 bare <LF> received; lines must end in <CR><LF>\r\n");
  // The bare LF still ends the line: the next command is in step.
  EXPECT_EQ(parse_all("NOOP\nQUIT\r\n").back(), "QUIT()");
  Limits normalize;
  normalize.bare_newline = BareNewlinePolicy::normalize_to_crlf;
  EXPECT_EQ(parse_one("QUIT\n", normalize).verb, Verb::quit);
}

TEST(SmtpCommand, LineLimitIsExactIncludingCrlf) {
  const std::string at_limit = "NOOP " + std::string(512 - 5 - 2, 'a') + "\r\n";
  ASSERT_EQ(at_limit.size(), 512u);
  EXPECT_EQ(parse_one(at_limit).verb, Verb::noop);
  const std::string over = "NOOP " + std::string(512 - 5 - 1, 'a') + "\r\n";
  const ParseError error = parse_error(over);
  EXPECT_EQ(reply_for(error), "500 5.5.2 line too long\r\n");
  EXPECT_EQ(to_error(error).kind, ErrorKind::limit);
  Limits big;
  big.max_command_line = 4096;
  EXPECT_EQ(parse_one(over, big).verb, Verb::noop);
}

TEST(SmtpCommand, LongLineIsDiscardedNotBuffered) {
  CommandParser parser(Limits{});
  const std::string junk(4096, 'x');
  for (int i = 0; i < 100; ++i) {
    parser.feed(junk);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
    EXPECT_LE(parser.buffered(), 512u);
  }
  parser.feed("xx\r\nNOOP\r\n");
  EXPECT_EQ(std::get<ParseError>(parser.next()).kind, ParseErrorKind::line_too_long);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::noop);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
}

TEST(SmtpCommand, ClearDropsPipelinedBytesAfterStarttls) {
  CommandParser parser(Limits{});
  parser.feed("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::starttls);
  EXPECT_GT(parser.buffered(), 0u);
  parser.clear();
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
}

TEST(SmtpCommand, PendingHandsBytesToDataReader) {
  CommandParser parser(Limits{});
  parser.feed("DATA\r\nSubject: x\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::data);
  EXPECT_EQ(parser.pending(), "Subject: x\r\n");
  parser.consume_pending(8);
  EXPECT_EQ(parser.pending(), " x\r\n");
  parser.consume_pending(4);
  EXPECT_EQ(parser.buffered(), 0u);
  parser.feed("QUIT\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::quit);
}

TEST(SmtpCommand, EverySplitPointGivesSameResults) {
  const std::string session =
      "EHLO client.example\r\nSTARTTLS\r\nEHLO client.example\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"
      "AUTH LOGIN\r\nYWxpY2U=\r\nMAIL FROM:<alice@example.org> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=x+2By\r\n"
      "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.org\r\n"
      "RCPT TO:<Postmaster>\r\nRCPT TO:<\"odd one\"@[192.0.2.1]>\r\nRCPT TO:<x@[IPv6:::1]>\r\n"
      "RCPT TO:<bad@@x>\r\nMAIL FROM:<a@b> FOO=1\r\nDATA\r\nBDAT 10 LAST\r\nBDAT\r\nRSET\r\nNOOP hi\r\n"
      "VRFY x\r\nEXPN y\r\nHELP\r\nXYZZY\r\n\r\nQUIT\nLHLO x\r\nHELO y\r\n"
      "MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8\r\nQUIT\r\n";
  expect_split_invariant(session);
  const std::vector<std::string> results = parse_all(session);
  ASSERT_EQ(results.size(), 28u);
  EXPECT_EQ(results[5], "Sasl(YWxpY2U=)");
  EXPECT_EQ(results[6], "MAIL(<alice@example.org/0> SIZE=1000 BODY=2 RET=2 ENVID=x+y)");
  EXPECT_EQ(results[7], "RCPT(<bob@example.org/0> NOTIFY=SF ORCPT=rfc822;bob@example.org)");
}

TEST(SmtpCommand, EverySplitPointWithLongLines) {
  const std::string input = "NOOP\r\n" + std::string(600, 'y') + "\r\nQUIT\r\n" + std::string(510, 'z') + "\r\n" +
                            "NOOP " + std::string(505, 'n') + "\r\n" + std::string(511, 'w') + "\nRSET\r\n";
  expect_split_invariant(input);
  const std::vector<std::string> results = parse_all(input);
  ASSERT_EQ(results.size(), 7u);
  EXPECT_EQ(results[1], "Error(500 5.5.2 line too long)");
  EXPECT_EQ(results[3], "Error(500 5.5.1 command unrecognized)");
  EXPECT_EQ(results[4].substr(0, 5), "NOOP(");
  EXPECT_EQ(results[5], "Error(500 5.5.2 bare <LF> received; lines must end in <CR><LF>)");
}

}  // namespace
}  // namespace postroom::smtp
