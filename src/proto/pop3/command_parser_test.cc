#include "proto/pop3/command_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace postroom::pop3 {
namespace {

// A printable summary of one result, so that whole sequences can be compared.
std::string describe(const ParseResult& result) {
  if (std::holds_alternative<NeedMore>(result)) {
    return "NeedMore";
  }
  if (const auto* sasl = std::get_if<SaslResponse>(&result)) {
    return "Sasl(" + sasl->line + (sasl->cancelled ? ",cancel" : "") + ")";
  }
  if (const auto* error = std::get_if<ParseError>(&result)) {
    return "Error(" + std::to_string(static_cast<int>(error->kind)) + "," + error->text +
           (error->in_sasl_exchange ? ",sasl" : "") + ")";
  }
  const auto& c = std::get<Command>(result);
  std::string out = std::string(verb_name(c.verb)) + "(";
  out += "user=" + c.user + ";pass=" + c.password + ";digest=" + c.digest + ";mech=" + c.mechanism;
  out += ";ir=" + (c.initial_response ? "[" + *c.initial_response + "]" : std::string("none"));
  out += ";msg=" + (c.message ? std::to_string(*c.message) : std::string("none"));
  out += ";n=" + std::to_string(c.line_count) + ")";
  return out;
}

// Drains the parser. A command line "AUTH ..." switches the next line to SASL mode, the way
// the server would after sending its challenge.
void drain(CommandParser& parser, std::vector<std::string>& out) {
  for (;;) {
    ParseResult result = parser.next();
    if (std::holds_alternative<NeedMore>(result)) {
      return;
    }
    if (const auto* command = std::get_if<Command>(&result); command && command->verb == Verb::auth) {
      parser.expect_sasl_response(1024);
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

// Every split into two pieces, and byte by byte, must give the same results as one feed.
void expect_split_invariant(std::string_view input, Limits limits = {}) {
  const std::vector<std::string> whole = parse_all(input, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    EXPECT_EQ(parse_pieces({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  EXPECT_EQ(parse_pieces(bytes, limits), whole) << "byte by byte";
}

Command parse_one(std::string_view line) {
  CommandParser parser(Limits{});
  parser.feed(line);
  ParseResult result = parser.next();
  EXPECT_TRUE(std::holds_alternative<Command>(result)) << line << " -> " << describe(result);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
  if (auto* command = std::get_if<Command>(&result)) {
    return *command;
  }
  return Command{};
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

TEST(Pop3Parser, NoArgumentVerbs) {
  const std::pair<const char*, Verb> cases[] = {
      {"STAT", Verb::stat}, {"NOOP", Verb::noop}, {"RSET", Verb::rset}, {"QUIT", Verb::quit},
      {"CAPA", Verb::capa}, {"STLS", Verb::stls}, {"UTF8", Verb::utf8},
  };
  for (const auto& [name, verb] : cases) {
    EXPECT_EQ(parse_one(std::string(name) + "\r\n").verb, verb) << name;
    const ParseError error = parse_error(std::string(name) + " 1\r\n");
    EXPECT_EQ(error.kind, ParseErrorKind::bad_syntax);
    EXPECT_EQ(error.text, std::string(name) + " takes no arguments");
  }
}

TEST(Pop3Parser, CaseInsensitiveAndBareLf) {
  EXPECT_EQ(parse_one("stat\n").verb, Verb::stat);
  EXPECT_EQ(parse_one("Retr 3\r\n").verb, Verb::retr);
  EXPECT_EQ(parse_one("tOp 1 0\n").verb, Verb::top);
}

TEST(Pop3Parser, User) {
  EXPECT_EQ(parse_one("USER alice@example.test\r\n").user, "alice@example.test");
  EXPECT_EQ(parse_one("USER   bob  \r\n").user, "bob");
  EXPECT_EQ(parse_one("USER j\xc3\xbcrgen\r\n").user, "j\xc3\xbcrgen");  // UTF-8 passes through
  EXPECT_EQ(parse_error("USER\r\n").text, "USER requires exactly one argument: the user name");
  EXPECT_EQ(parse_error("USER a b\r\n").text, "USER requires exactly one argument: the user name");
}

TEST(Pop3Parser, PassKeepsSpaces) {
  EXPECT_EQ(parse_one("PASS secret\r\n").password, "secret");
  EXPECT_EQ(parse_one("PASS correct horse battery \r\n").password, "correct horse battery ");
  EXPECT_EQ(parse_one("PASS  lead\r\n").password, " lead");
  EXPECT_EQ(parse_error("PASS\r\n").text, "PASS requires a password");
  EXPECT_EQ(parse_error("PASS \r\n").text, "PASS requires a password");
}

TEST(Pop3Parser, Apop) {
  const Command c = parse_one("APOP mrose C4C9334BAC560ECC979E58001B3E22FB\r\n");
  EXPECT_EQ(c.verb, Verb::apop);
  EXPECT_EQ(c.user, "mrose");
  EXPECT_EQ(c.digest, "c4c9334bac560ecc979e58001b3e22fb");
  EXPECT_EQ(parse_error("APOP mrose\r\n").text, "APOP requires a user name and a digest");
  EXPECT_EQ(parse_error("APOP mrose abc\r\n").text, "APOP digest must be 32 hexadecimal digits");
  EXPECT_EQ(parse_error("APOP mrose c4c9334bac560ecc979e58001b3e22fg\r\n").text,
            "APOP digest must be 32 hexadecimal digits");
}

TEST(Pop3Parser, ListAndUidl) {
  for (const char* verb : {"LIST", "UIDL"}) {
    const std::string v(verb);
    EXPECT_FALSE(parse_one(v + "\r\n").message.has_value());
    EXPECT_EQ(parse_one(v + " 7\r\n").message, 7u);
    EXPECT_EQ(parse_error(v + " 1 2\r\n").text, v + " takes at most one message number");
    EXPECT_EQ(parse_error(v + " 0\r\n").text, "message numbers start at 1");
    EXPECT_EQ(parse_error(v + " -1\r\n").text, "message number must be a positive decimal number");
    EXPECT_EQ(parse_error(v + " +1\r\n").text, "message number must be a positive decimal number");
    EXPECT_EQ(parse_error(v + " 1x\r\n").text, "message number must be a positive decimal number");
  }
}

TEST(Pop3Parser, RetrDeleNumbers) {
  for (const char* verb : {"RETR", "DELE"}) {
    const std::string v(verb);
    EXPECT_EQ(parse_one(v + " 1\r\n").message, 1u);
    EXPECT_EQ(parse_one(v + " 0042\r\n").message, 42u);
    EXPECT_EQ(parse_one(v + " 4294967295\r\n").message, 4294967295u);
    EXPECT_EQ(parse_error(v + " 4294967296\r\n").text, "message number too large");
    EXPECT_EQ(parse_error(v + " 99999999999999999999999999\r\n").text, "message number too large");
    EXPECT_EQ(parse_error(v + "\r\n").text, v + " requires exactly one message number");
    EXPECT_EQ(parse_error(v + " 1 2\r\n").text, v + " requires exactly one message number");
  }
}

TEST(Pop3Parser, Top) {
  const Command c = parse_one("TOP 3 10\r\n");
  EXPECT_EQ(c.message, 3u);
  EXPECT_EQ(c.line_count, 10u);
  EXPECT_EQ(parse_one("TOP 3 0\r\n").line_count, 0u);
  EXPECT_EQ(parse_error("TOP 3\r\n").text, "TOP requires a message number and a line count");
  EXPECT_EQ(parse_error("TOP 0 1\r\n").text, "message numbers start at 1");
  EXPECT_EQ(parse_error("TOP 1 x\r\n").text, "line count must be a non-negative decimal number");
  EXPECT_EQ(parse_error("TOP 1 -5\r\n").text, "line count must be a non-negative decimal number");
  EXPECT_EQ(parse_error("TOP 1 5000000000\r\n").text, "line count too large");
}

TEST(Pop3Parser, Auth) {
  Command c = parse_one("AUTH plain\r\n");
  EXPECT_EQ(c.mechanism, "PLAIN");
  EXPECT_FALSE(c.initial_response.has_value());
  c = parse_one("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  EXPECT_EQ(c.initial_response, "AGFsaWNlAHNlY3JldA==");
  c = parse_one("AUTH PLAIN =\r\n");
  EXPECT_EQ(c.initial_response, "=");
  c = parse_one("AUTH\r\n");
  EXPECT_EQ(c.mechanism, "");
  EXPECT_EQ(parse_one("AUTH SCRAM-SHA-256\r\n").mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(parse_error("AUTH PL@IN\r\n").text, "invalid SASL mechanism name");
  EXPECT_EQ(parse_error("AUTH ABCDEFGHIJKLMNOPQRSTU\r\n").text, "invalid SASL mechanism name");
  EXPECT_EQ(parse_error("AUTH PLAIN a b\r\n").text, "AUTH takes a mechanism and an optional initial response");
}

TEST(Pop3Parser, SyntaxErrors) {
  EXPECT_EQ(parse_error("\r\n").text, "empty command");
  EXPECT_EQ(parse_error("   \r\n").text, "empty command");
  EXPECT_EQ(parse_error("STAT\tX\r\n").text, "command contains a control character");
  EXPECT_EQ(parse_error(std::string("USER a\0b\r\n", 10)).text, "command contains a control character");
  EXPECT_EQ(parse_error("USER a\rb\r\n").text, "command contains a control character");
  const ParseError unknown = parse_error("XTND XMIT\r\n");
  EXPECT_EQ(unknown.kind, ParseErrorKind::unknown_command);
  EXPECT_EQ(unknown.text, "unknown command");
  EXPECT_EQ(parse_error("STATS\r\n").kind, ParseErrorKind::unknown_command);
  EXPECT_EQ(parse_error("ST\r\n").kind, ParseErrorKind::unknown_command);
  EXPECT_EQ(to_error(unknown).kind, ErrorKind::bad_syntax);
}

TEST(Pop3Parser, NeedMoreUntilLineEnd) {
  CommandParser parser(Limits{});
  parser.feed("STA");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
  parser.feed("T\r");
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
  parser.feed("\nNOOP\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::stat);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::noop);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
  EXPECT_EQ(parser.buffered(), 0u);
}

TEST(Pop3Parser, LineLimitIsExactIncludingCrlf) {
  const std::string at_limit = "USER " + std::string(255 - 5 - 2, 'a') + "\r\n";
  ASSERT_EQ(at_limit.size(), 255u);
  EXPECT_EQ(parse_one(at_limit).verb, Verb::user);
  const std::string bare_lf = "USER " + std::string(255 - 5 - 1, 'a') + "\n";
  EXPECT_EQ(parse_one(bare_lf).verb, Verb::user);
  const std::string over = "USER " + std::string(255 - 5 - 1, 'a') + "\r\n";
  const ParseError error = parse_error(over);
  EXPECT_EQ(error.kind, ParseErrorKind::line_too_long);
  EXPECT_EQ(error.text, "line too long (limit 255 octets)");
  EXPECT_EQ(to_error(error).kind, ErrorKind::limit);
}

TEST(Pop3Parser, LongLineIsDiscardedNotBuffered) {
  CommandParser parser(Limits{});
  const std::string junk(4096, 'x');
  for (int i = 0; i < 100; ++i) {
    parser.feed(junk);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
    EXPECT_LE(parser.buffered(), 255u);
  }
  parser.feed("xx\r\nNOOP\r\n");
  EXPECT_EQ(std::get<ParseError>(parser.next()).kind, ParseErrorKind::line_too_long);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::noop);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
}

TEST(Pop3Parser, SaslResponses) {
  CommandParser parser(Limits{});
  parser.feed("AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nNOOP\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::auth);
  parser.expect_sasl_response(1024);
  SaslResponse response = std::get<SaslResponse>(parser.next());
  EXPECT_EQ(response.line, "AGFsaWNlAHNlY3JldA==");
  EXPECT_FALSE(response.cancelled);
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::noop);  // back to commands

  parser.feed("*\r\n");
  parser.expect_sasl_response(1024);
  response = std::get<SaslResponse>(parser.next());
  EXPECT_TRUE(response.cancelled);

  parser.feed("\r\n");
  parser.expect_sasl_response(1024);
  response = std::get<SaslResponse>(parser.next());
  EXPECT_EQ(response.line, "");
  EXPECT_FALSE(response.cancelled);
}

TEST(Pop3Parser, SaslResponseMayExceedCommandLimit) {
  CommandParser parser(Limits{});
  const std::string long_response(1000, 'A');
  parser.expect_sasl_response(1024);
  parser.feed(long_response + "\r\n");
  EXPECT_EQ(std::get<SaslResponse>(parser.next()).line, long_response);

  parser.expect_sasl_response(1024);
  parser.feed(std::string(1023, 'A') + "\r\nQUIT\r\n");
  const ParseError error = std::get<ParseError>(parser.next());
  EXPECT_EQ(error.kind, ParseErrorKind::line_too_long);
  EXPECT_TRUE(error.in_sasl_exchange);
  EXPECT_EQ(error.text, "line too long (limit 1024 octets)");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::quit);
}

TEST(Pop3Parser, ClearDropsPipelinedBytesAfterStls) {
  CommandParser parser(Limits{});
  parser.feed("STLS\r\nUSER injected\r\n");
  EXPECT_EQ(std::get<Command>(parser.next()).verb, Verb::stls);
  EXPECT_GT(parser.buffered(), 0u);
  parser.clear();
  EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.next()));
}

TEST(Pop3Parser, EverySplitPointGivesSameResults) {
  const std::string session =
      "CAPA\r\nUSER alice\r\nPASS pa ss\r\nSTAT\nLIST\r\nLIST 2\r\nUIDL\r\nTOP 1 5\r\nRETR 1\r\n"
      "DELE 1\r\nRSET\r\nNOOP\r\nXYZZY\r\nLIST 0\r\n\r\nAUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n"
      "AUTH LOGIN\r\n*\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nUTF8\r\nQUIT\r\n";
  expect_split_invariant(session);
  const std::vector<std::string> results = parse_all(session);
  ASSERT_EQ(results.size(), 22u);
  EXPECT_EQ(results[15], "AUTH(user=;pass=;digest=;mech=PLAIN;ir=none;msg=none;n=0)");
  EXPECT_EQ(results[16], "Sasl(AGFsaWNlAHNlY3JldA==)");
  EXPECT_EQ(results[18], "Sasl(*,cancel)");
}

TEST(Pop3Parser, EverySplitPointWithLongLines) {
  const std::string input = "NOOP\r\n" + std::string(300, 'y') + "\r\nSTAT\r\n" + std::string(254, 'z') + "\r\n" +
                            "USER " + std::string(248, 'u') + "\r\nQUIT\r\n";
  expect_split_invariant(input);
  const std::vector<std::string> results = parse_all(input);
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(results[1], "Error(0,line too long (limit 255 octets))");
  EXPECT_EQ(results[3], "Error(0,line too long (limit 255 octets))");
  EXPECT_EQ(results[4].substr(0, 5), "USER(");
}

TEST(Pop3Parser, EverySplitPointWithSmallLimit) {
  Limits limits;
  limits.max_command_line = 8;
  expect_split_invariant("STAT\r\nLIST 10\r\nLIST 1\r\nLIST 1\n\r\nRETR 123456\r\nQUIT\r\n", limits);
}

}  // namespace
}  // namespace postroom::pop3
