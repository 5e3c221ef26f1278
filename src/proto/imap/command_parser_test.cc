#include "proto/imap/command_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace std::string_literals;

#include "proto/imap/response.h"

namespace postroom::imap {
namespace {

// One result, printable, with the full typed command compared through operator== on args.
struct Item {
  std::string summary;
  std::optional<Command> command;
};

std::string summarize(const ParseResult& r) {
  if (std::holds_alternative<NeedMore>(r)) {
    return "NeedMore";
  }
  if (const auto* c = std::get_if<ContinuationNeeded>(&r)) {
    return "Continue(" + c->text + ")";
  }
  if (const auto* s = std::get_if<SaslResponse>(&r)) {
    return "Sasl(" + s->line + (s->cancelled ? ",cancel" : "") + ")";
  }
  if (std::holds_alternative<IdleDone>(r)) {
    return "IdleDone";
  }
  if (const auto* e = std::get_if<ParseError>(&r)) {
    return "Error(" + e->tag.value_or("-") + "," + std::to_string(static_cast<int>(e->kind)) + "," + e->text +
           (e->close_connection ? ",close" : "") + (e->in_sasl_exchange ? ",sasl" : "") + (e->in_idle ? ",idle" : "") +
           ")";
  }
  const auto& c = std::get<Command>(r);
  return std::string("Command(") + c.tag + "," + (c.uid ? "UID " : "") + std::string(command_name(c.kind)) + ")";
}

bool operator==(const Item& a, const Item& b) {
  if (a.summary != b.summary || a.command.has_value() != b.command.has_value()) {
    return false;
  }
  return !a.command || a.command->args == b.command->args;
}

void PrintTo(const Item& item, std::ostream* os) {
  *os << item.summary;
}

// Drains the parser the way a session would: IDLE → expect DONE, AUTHENTICATE without an
// initial response → one SASL line.
void drain(CommandParser& parser, std::vector<Item>& out) {
  for (;;) {
    ParseResult r = parser.next();
    if (std::holds_alternative<NeedMore>(r)) {
      return;
    }
    if (const auto* c = std::get_if<Command>(&r)) {
      if (c->kind == CommandKind::idle) {
        parser.expect_idle_done();
      } else if (c->kind == CommandKind::authenticate && !c->as<AuthenticateArgs>().initial_response) {
        parser.expect_sasl_response(100);
      }
    }
    Item item{summarize(r), std::nullopt};
    if (auto* c = std::get_if<Command>(&r)) {
      item.command = std::move(*c);
    }
    out.push_back(std::move(item));
  }
}

std::vector<Item> parse_pieces(const std::vector<std::string_view>& pieces, const Limits& limits = {}) {
  CommandParser parser(limits);
  std::vector<Item> out;
  for (std::string_view p : pieces) {
    parser.feed(p);
    drain(parser, out);
  }
  return out;
}

std::vector<Item> parse_all(std::string_view input, const Limits& limits = {}) {
  return parse_pieces({input}, limits);
}

void expect_split_invariant(std::string_view input, const Limits& limits = {}) {
  const std::vector<Item> whole = parse_all(input, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(parse_pieces({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  ASSERT_EQ(parse_pieces(bytes, limits), whole) << "byte by byte";
}

Command parse_one(std::string_view text, const Limits& limits = {}) {
  auto r = parse_command(text, limits);
  if (auto* e = std::get_if<ParseError>(&r)) {
    ADD_FAILURE() << text << " -> " << e->text;
    return Command{};
  }
  return std::get<Command>(std::move(r));
}

ParseError parse_bad(std::string_view text, const Limits& limits = {}) {
  auto r = parse_command(text, limits);
  if (std::holds_alternative<Command>(r)) {
    ADD_FAILURE() << text << " parsed but should not";
    return ParseError{};
  }
  return std::get<ParseError>(std::move(r));
}

std::vector<std::string> summaries(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& i : items) {
    out.push_back(i.summary);
  }
  return out;
}

TEST(ImapParser, NoArgumentCommands) {
  const std::pair<const char*, CommandKind> cases[] = {
      {"CAPABILITY", CommandKind::capability}, {"NOOP", CommandKind::noop},
      {"LOGOUT", CommandKind::logout},         {"STARTTLS", CommandKind::starttls},
      {"NAMESPACE", CommandKind::namespace_},  {"IDLE", CommandKind::idle},
      {"CLOSE", CommandKind::close},           {"UNSELECT", CommandKind::unselect},
      {"CHECK", CommandKind::check},           {"EXPUNGE", CommandKind::expunge},
  };
  for (const auto& [name, kind] : cases) {
    const Command c = parse_one(std::string("a1 ") + name + "\r\n");
    EXPECT_EQ(c.kind, kind) << name;
    EXPECT_EQ(c.tag, "a1");
    EXPECT_FALSE(c.uid);
    EXPECT_EQ(parse_bad(std::string("a1 ") + name + " x").text, "Unexpected extra arguments") << name;
    EXPECT_EQ(parse_one(std::string("t ") + name).kind, kind) << "lower-case and no CRLF";
  }
  EXPECT_EQ(parse_one("x noop").kind, CommandKind::noop);
  EXPECT_FALSE(parse_one("a EXPUNGE").as<ExpungeArgs>().uids.has_value());
}

TEST(ImapParser, TagsAndUnknownCommands) {
  EXPECT_EQ(parse_bad("a1 FROB").text, "Unknown command");
  EXPECT_EQ(parse_bad("a1 FROB").tag, "a1");
  EXPECT_EQ(parse_bad("a1 UID NOOP").text, "Unknown command");
  EXPECT_EQ(parse_bad("a1").text, "Missing command");
  EXPECT_FALSE(parse_bad("+a NOOP").tag.has_value());
  EXPECT_FALSE(parse_bad("* NOOP").tag.has_value());
  EXPECT_FALSE(parse_bad("").tag.has_value());
  EXPECT_EQ(parse_bad("a{ NOOP").tag, std::nullopt);
  EXPECT_EQ(parse_one("A.b]c NOOP").tag, "A.b]c");  // ']' is an ASTRING-CHAR
  EXPECT_EQ(parse_bad("a  NOOP").text, "Missing command");
}

TEST(ImapParser, LoginStrings) {
  LoginArgs a = parse_one("a LOGIN alice secret").as<LoginArgs>();
  EXPECT_EQ(a.user, "alice");
  EXPECT_EQ(a.password, "secret");
  a = parse_one(R"(a LOGIN "al ice" "p\"w\\d")").as<LoginArgs>();
  EXPECT_EQ(a.user, "al ice");
  EXPECT_EQ(a.password, "p\"w\\d");
  a = parse_one("a LOGIN {5}\r\nalice {3}\r\na b").as<LoginArgs>();
  EXPECT_EQ(a.user, "alice");
  EXPECT_EQ(a.password, "a b");
  a = parse_one("a LOGIN \"\" \"\"").as<LoginArgs>();
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(parse_bad(R"(a LOGIN "a\x" b)").text, "Invalid escape in quoted string");
  EXPECT_EQ(parse_bad("a LOGIN \"abc").text, "Unterminated quoted string");
  EXPECT_EQ(parse_bad("a LOGIN alice").text, "Missing space between arguments");
  EXPECT_EQ(parse_bad("a LOGIN {3}\r\na\0b x"s).text, "NUL in literal");
  EXPECT_EQ(parse_bad("a LOGIN ~{1}\r\na x").text, "literal8 not allowed here");
  EXPECT_EQ(parse_bad("a LOGIN a\x01 x").text, "Missing space between arguments");
}

TEST(ImapParser, AuthenticateAndEnable) {
  AuthenticateArgs a = parse_one("a AUTHENTICATE plain").as<AuthenticateArgs>();
  EXPECT_EQ(a.mechanism, "PLAIN");
  EXPECT_FALSE(a.initial_response);
  a = parse_one("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==").as<AuthenticateArgs>();
  EXPECT_EQ(a.initial_response, "AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(parse_one("a AUTHENTICATE EXTERNAL =").as<AuthenticateArgs>().initial_response, "=");
  EXPECT_EQ(parse_bad("a AUTHENTICATE PLAIN a$b").text, "Invalid initial response");
  EXPECT_EQ(parse_bad("a AUTHENTICATE").text, "Missing space between arguments");

  EXPECT_EQ(parse_one("a ENABLE condstore UTF8=ACCEPT").as<EnableArgs>().capabilities,
            (std::vector<std::string>{"CONDSTORE", "UTF8=ACCEPT"}));
  EXPECT_EQ(parse_bad("a ENABLE").text, "Missing space between arguments");
}

TEST(ImapParser, SelectAndExamine) {
  SelectArgs s = parse_one("a SELECT inbox").as<SelectArgs>();
  EXPECT_EQ(s.mailbox, "INBOX");
  EXPECT_FALSE(s.condstore);
  EXPECT_EQ(parse_one("a EXAMINE \"Sent Items\"").kind, CommandKind::examine);
  EXPECT_TRUE(parse_one("a SELECT INBOX (CONDSTORE)").as<SelectArgs>().condstore);
  s = parse_one("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))").as<SelectArgs>();
  ASSERT_TRUE(s.qresync);
  EXPECT_EQ(s.qresync->uidvalidity, 67890007u);
  EXPECT_EQ(s.qresync->modseq, 20050715194045000ull);
  EXPECT_EQ(s.qresync->known_uids->to_string(), "41,43:211,214:541");
  EXPECT_FALSE(s.qresync->known_sequence_set);
  s = parse_one(
          "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
          "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))")
          .as<SelectArgs>();
  EXPECT_EQ(s.qresync->known_sequence_set->to_string(), "5000,7500,9000,9990:9999");
  EXPECT_EQ(s.qresync->known_uid_set->ranges().size(), 13u);
  s = parse_one("a SELECT x (QRESYNC (1 2 (1:3 4:6)) CONDSTORE)").as<SelectArgs>();
  EXPECT_FALSE(s.qresync->known_uids);
  EXPECT_EQ(s.qresync->known_uid_set->to_string(), "4:6");
  EXPECT_TRUE(s.condstore);
  EXPECT_EQ(parse_bad("a SELECT INBOX (QRESYNC (0 1))").text, "Number must not be zero");
  EXPECT_EQ(parse_bad("a SELECT INBOX (QRESYNC (1 0))").text, "Number must not be zero");
  EXPECT_EQ(parse_bad("a SELECT INBOX (FOO)").text, "Unknown SELECT parameter");
  EXPECT_EQ(parse_bad("a SELECT").text, "Missing space between arguments");
}

TEST(ImapParser, MailboxNames) {
  EXPECT_EQ(parse_one("a SELECT &Jjo-!").as<SelectArgs>().mailbox, "\xe2\x98\xba!");
  EXPECT_EQ(parse_one("a SELECT \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"").as<SelectArgs>().mailbox,
            "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  EXPECT_EQ(parse_one("a SELECT InBoX").as<SelectArgs>().mailbox, "INBOX");
  EXPECT_EQ(parse_one("a SELECT \"INBOX.Sent\"").as<SelectArgs>().mailbox, "INBOX.Sent");
  const ParseError e = parse_bad("a SELECT &Jjo!");
  EXPECT_EQ(e.kind, ParseErrorKind::bad_mailbox_name);
  EXPECT_EQ(response_for(e), "a NO [CANNOT] Mailbox name is not valid modified UTF-7\r\n");
  EXPECT_EQ(parse_bad("a CREATE \"caf\xc3\xa9\"").kind, ParseErrorKind::bad_mailbox_name);
  Limits utf8;
  utf8.utf8_names = true;
  EXPECT_EQ(parse_one("a CREATE \"caf\xc3\xa9\"", utf8).as<CreateArgs>().mailbox, "caf\xc3\xa9");
  EXPECT_EQ(parse_one("a CREATE &Jjo-", utf8).as<CreateArgs>().mailbox, "&Jjo-");  // no mUTF-7 in UTF-8 mode
  EXPECT_EQ(parse_bad("a CREATE \"caf\xc3\"", utf8).kind, ParseErrorKind::bad_mailbox_name);
}

TEST(ImapParser, CreateDeleteRenameSubscribe) {
  CreateArgs c = parse_one("a CREATE Drafts (USE (\\drafts \\Sent \\X-Custom))").as<CreateArgs>();
  EXPECT_EQ(c.mailbox, "Drafts");
  EXPECT_EQ(c.special_use, (std::vector<std::string>{"\\Drafts", "\\Sent", "\\X-Custom"}));
  EXPECT_TRUE(parse_one("a CREATE foo/bar").as<CreateArgs>().special_use.empty());
  EXPECT_EQ(parse_bad("a CREATE x (FOO)").text, "Invalid CREATE parameters");
  EXPECT_EQ(parse_one("a DELETE foo").as<MailboxArgs>().mailbox, "foo");
  EXPECT_EQ(parse_one("a SUBSCRIBE foo").kind, CommandKind::subscribe);
  EXPECT_EQ(parse_one("a UNSUBSCRIBE foo").kind, CommandKind::unsubscribe);
  const RenameArgs r = parse_one("a RENAME old \"new name\"").as<RenameArgs>();
  EXPECT_EQ(r.from, "old");
  EXPECT_EQ(r.to, "new name");
  EXPECT_EQ(parse_bad("a RENAME old").text, "Missing space between arguments");
}

TEST(ImapParser, ListAndLsub) {
  ListArgs l = parse_one("a LIST \"\" *").as<ListArgs>();
  EXPECT_FALSE(l.extended);
  EXPECT_EQ(l.reference, "");
  EXPECT_EQ(l.patterns, (std::vector<std::string>{"*"}));
  l = parse_one("a LIST ~/Mail/ %/foo]").as<ListArgs>();
  EXPECT_EQ(l.reference, "~/Mail/");
  EXPECT_EQ(l.patterns[0], "%/foo]");
  l = parse_one(
          "A02 LIST (SUBSCRIBED RECURSIVEMATCH REMOTE SPECIAL-USE) \"\" (\"INBOX\" \"Drafts\" &Jjo-*) RETURN "
          "(CHILDREN SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))")
          .as<ListArgs>();
  EXPECT_TRUE(l.extended && l.select_subscribed && l.select_recursivematch && l.select_remote && l.select_special_use);
  EXPECT_EQ(l.patterns, (std::vector<std::string>{"INBOX", "Drafts", "\xe2\x98\xba*"}));
  EXPECT_TRUE(l.return_children && l.return_subscribed && l.return_special_use);
  EXPECT_EQ(*l.return_status, (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  l = parse_one("a LIST () \"\" % RETURN ()").as<ListArgs>();
  EXPECT_TRUE(l.extended);
  EXPECT_FALSE(l.return_status);
  EXPECT_EQ(parse_bad("a LIST (RECURSIVEMATCH) \"\" %").text, "RECURSIVEMATCH needs another selection option");
  EXPECT_EQ(parse_bad("a LIST (FOO) \"\" %").text, "Unknown LIST selection option");
  EXPECT_EQ(parse_bad("a LIST \"\" % RETURN (FOO)").text, "Unknown LIST return option");
  EXPECT_EQ(parse_bad("a LIST \"\" % FOO").text, "Expected RETURN options");
  l = parse_one("a LSUB \"#news.\" \"comp.mail.*\"").as<ListArgs>();
  EXPECT_EQ(parse_one("a LSUB \"\" *").kind, CommandKind::lsub);
  EXPECT_EQ(l.reference, "#news.");
  EXPECT_EQ(l.patterns[0], "comp.mail.*");
}

TEST(ImapParser, Status) {
  const StatusArgs s = parse_one(
                           "a STATUS blurdybloop (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT "
                           "HIGHESTMODSEQ APPENDLIMIT MAILBOXID)")
                           .as<StatusArgs>();
  EXPECT_EQ(s.mailbox, "blurdybloop");
  EXPECT_EQ(s.items.size(), 10u);
  EXPECT_EQ(s.items[9], StatusItem::mailboxid);
  EXPECT_EQ(parse_bad("a STATUS x (FOO)").text, "Unknown STATUS item");
  EXPECT_EQ(parse_bad("a STATUS x ()").text, "Unknown STATUS item");
}

TEST(ImapParser, Append) {
  AppendArgs a =
      parse_one("A003 APPEND saved-messages (\\Seen $Label) \" 7-Feb-1994 21:52:25 -0800\" {11}\r\nHello World")
          .as<AppendArgs>();
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.mailbox, "saved-messages");
  EXPECT_EQ(a.messages[0].flags, (std::vector<std::string>{"\\Seen", "$Label"}));
  ASSERT_TRUE(a.messages[0].internal_date);
  EXPECT_EQ(a.messages[0].internal_date->date, (Date{1994, 2, 7}));
  EXPECT_EQ(a.messages[0].internal_date->zone_minutes, -480);
  EXPECT_EQ(a.messages[0].data, "Hello World");
  EXPECT_FALSE(a.messages[0].literal8);
  // MULTIAPPEND, literal8, UTF8 form, NUL tolerated in a plain APPEND literal.
  a = parse_one("a APPEND INBOX {3+}\r\nabc (\\seen) ~{2}\r\n\0x UTF8 (~{2}\r\n\xc3\xa9) {2}\r\na\0"s).as<AppendArgs>();
  ASSERT_EQ(a.messages.size(), 4u);
  EXPECT_EQ(a.messages[0].data, "abc");
  EXPECT_EQ(a.messages[1].flags, (std::vector<std::string>{"\\Seen"}));
  EXPECT_TRUE(a.messages[1].literal8);
  EXPECT_EQ(a.messages[1].data, std::string("\0x", 2));
  EXPECT_TRUE(a.messages[2].utf8);
  EXPECT_TRUE(a.messages[2].literal8);
  EXPECT_EQ(a.messages[3].data, std::string("a\0", 2));
  EXPECT_EQ(parse_bad("a APPEND INBOX \"text\"").text, "Invalid date-time");
  EXPECT_EQ(parse_bad("a APPEND INBOX (\\Seen) x").text, "APPEND message must be a literal");
  EXPECT_EQ(parse_bad("a APPEND INBOX \"31-Feb-2020 00:00:00 +0000\" {1}\r\nx").text, "Invalid date-time");
  EXPECT_EQ(parse_bad("a APPEND INBOX UTF8 ({1}\r\nx)").text, "UTF8 APPEND needs a literal8");
  EXPECT_EQ(parse_bad("a APPEND INBOX (\\*) {1}\r\nx").text, "\\* is not a flag");
  EXPECT_EQ(parse_bad("a APPEND INBOX").text, "Missing space between arguments");
}

TEST(ImapParser, SearchCommand) {
  SearchArgs s = parse_one("a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"").as<SearchArgs>();
  EXPECT_FALSE(s.ret.present);
  EXPECT_FALSE(s.charset);
  EXPECT_EQ(to_string(s.key), "(FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\")");
  s = parse_one("a UID SEARCH CHARSET utf-8 TEXT {6}\r\nXXXXXX").as<SearchArgs>();
  EXPECT_EQ(s.charset, "UTF-8");
  EXPECT_EQ(to_string(s.key), "(TEXT \"XXXXXX\")");
  s = parse_one("a SEARCH RETURN (MIN COUNT SAVE) UNSEEN").as<SearchArgs>();
  EXPECT_TRUE(s.ret.present && s.ret.min && s.ret.count && s.ret.save);
  EXPECT_FALSE(s.ret.max || s.ret.all);
  s = parse_one("a SEARCH RETURN () ALL").as<SearchArgs>();
  EXPECT_TRUE(s.ret.present && s.ret.all);
  s = parse_one("a SEARCH RETURN (MAX ALL) $").as<SearchArgs>();
  EXPECT_TRUE(uses_saved_result(s.key));
  EXPECT_EQ(parse_bad("a SEARCH RETURN (FOO) ALL").text, "Unknown RETURN option");
  EXPECT_EQ(parse_bad("a SEARCH").text, "Missing space between arguments");
  EXPECT_EQ(parse_bad("a SEARCH FOO").text, "Unknown search key");
}

TEST(ImapParser, SearchKeys) {
  const std::pair<const char*, const char*> cases[] = {
      {"ALL", "(ALL)"},
      {"ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN", "(ANSWERED DELETED DRAFT FLAGGED NEW OLD RECENT SEEN)"},
      {"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN", "(UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)"},
      {"BCC a CC b FROM c SUBJECT \"d e\" TEXT f TO g BODY h",
       "(BCC \"a\" CC \"b\" FROM \"c\" SUBJECT \"d e\" TEXT \"f\" TO \"g\" BODY \"h\")"},
      {"HEADER Message-ID \"<x@y>\"", "(HEADER \"Message-ID\" \"<x@y>\")"},
      {"HEADER X-Spam \"\"", "(HEADER \"X-Spam\" \"\")"},
      {"KEYWORD $Forwarded UNKEYWORD foo", "(KEYWORD $Forwarded UNKEYWORD foo)"},
      {"BEFORE 1-Feb-1994 ON \"01-Mar-2000\" SINCE 29-Feb-2024", "(BEFORE 1-Feb-1994 ON 1-Mar-2000 SINCE 29-Feb-2024)"},
      {"SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-jan-2000",
       "(SENTBEFORE 1-Jan-2000 SENTON 2-Jan-2000 SENTSINCE 3-Jan-2000)"},
      {"SAVEDBEFORE 1-Jan-2020 SAVEDON 2-Jan-2020 SAVEDSINCE 3-Jan-2020 SAVEDATESUPPORTED",
       "(SAVEDBEFORE 1-Jan-2020 SAVEDON 2-Jan-2020 SAVEDSINCE 3-Jan-2020 SAVEDATESUPPORTED)"},
      {"LARGER 1000 SMALLER 9223372036854775807", "(LARGER 1000 SMALLER 9223372036854775807)"},
      {"OLDER 3600 YOUNGER 60", "(OLDER 3600 YOUNGER 60)"},
      {"UID 1:5,7 2,4:*", "(UID 1:5,7 2,4:*)"},
      {"$ UID $", "($ UID $)"},
      {"OR SEEN (FLAGGED ANSWERED)", "(OR SEEN (FLAGGED ANSWERED))"},
      {"NOT NOT (OR a:b c)", ""},
      {"MODSEQ 620162338", "(MODSEQ 620162338)"},
      {"MODSEQ \"/flags/\\\\draft\" all 620162338", "(MODSEQ \"/flags/\\\\draft\" all 620162338)"},
      {"MODSEQ 0", "(MODSEQ 0)"},
      {"EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9", "(EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9)"},
      {"(((SEEN)))", "((((SEEN))))"},
      {"seen unseen", "(SEEN UNSEEN)"},
  };
  for (const auto& [text, expected] : cases) {
    auto r = parse_search_program(text, SearchLimits{});
    if (std::string(expected).empty()) {
      EXPECT_FALSE(r.ok()) << text;
      continue;
    }
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().detail;
    EXPECT_EQ(to_string(*r), expected) << text;
  }
  const SearchKey k = *parse_search_program("MODSEQ \"/flags/\\\\draft\" all 620162338", SearchLimits{});
  EXPECT_TRUE(uses_modseq(k));
  EXPECT_EQ(k.children[0].field, "/flags/\\draft");
  EXPECT_EQ(k.children[0].entry_type, ModseqEntryType::all);
  const SearchKey h = *parse_search_program("HEADER Subject foo SINCE 1-Feb-1994 LARGER 5", SearchLimits{});
  EXPECT_EQ(h.children[0].kind, SearchKeyKind::header);
  EXPECT_EQ(h.children[0].field, "Subject");
  EXPECT_EQ(h.children[0].text, "foo");
  EXPECT_EQ(h.children[1].date, (Date{1994, 2, 1}));
  EXPECT_EQ(h.children[2].number, 5u);
  // Errors.
  for (const char* bad : {"",
                          "(",
                          "()",
                          "SEEN ",
                          " SEEN",
                          "OR SEEN",
                          "NOT",
                          "SINCE 30-Feb-2020",
                          "SINCE 1-Foo-2020",
                          "SINCE 1-Feb-94",
                          "LARGER -1",
                          "LARGER 9223372036854775808",
                          "UID 0",
                          "UID 1:0",
                          "0",
                          "4294967296",
                          "EMAILID a.b",
                          "MODSEQ \"/x/y\" all 1",
                          "MODSEQ \"/flags/x\" foo 1",
                          "KEYWORD \\Seen",
                          "OLDER 0",
                          "SEEN  UNSEEN",
                          "1,2,",
                          "$,1"}) {
    EXPECT_FALSE(parse_search_program(bad, SearchLimits{}).ok()) << bad;
  }
}

TEST(ImapParser, SearchLimits) {
  SearchLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(parse_search_program("((((SEEN))))", limits).ok());
  EXPECT_FALSE(parse_search_program("(((((SEEN)))))", limits).ok());
  EXPECT_FALSE(parse_search_program("NOT NOT NOT NOT NOT SEEN", limits).ok());
  limits = SearchLimits{};
  limits.max_keys = 3;
  EXPECT_TRUE(parse_search_program("SEEN SEEN SEEN", limits).ok());
  auto r = parse_search_program("SEEN SEEN SEEN SEEN", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::limit);
  // Deep nesting through the command parser is BAD, not a stack overflow.
  std::string deep = "a SEARCH " + std::string(10000, '(') + "SEEN" + std::string(10000, ')');
  EXPECT_EQ(parse_bad(deep).text, "Too deeply nested");
}

TEST(ImapParser, FetchItems) {
  FetchArgs f = parse_one("a FETCH 1:* ALL").as<FetchArgs>();
  EXPECT_EQ(f.macro, FetchMacro::all);
  ASSERT_EQ(f.items.size(), 4u);
  EXPECT_EQ(f.items[3].attr, FetchAttr::envelope);
  EXPECT_EQ(parse_one("a FETCH 1 FAST").as<FetchArgs>().items.size(), 3u);
  f = parse_one("a FETCH 1 FULL").as<FetchArgs>();
  EXPECT_EQ(f.items.size(), 5u);
  EXPECT_EQ(f.items[4].attr, FetchAttr::body);
  f = parse_one(
          "a UID FETCH 2:4 (ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY "
          "BODYSTRUCTURE UID MODSEQ SAVEDATE EMAILID THREADID)")
          .as<FetchArgs>();
  const FetchAttr expected[] = {FetchAttr::envelope,    FetchAttr::flags,         FetchAttr::internaldate,
                                FetchAttr::rfc822,      FetchAttr::rfc822_header, FetchAttr::rfc822_size,
                                FetchAttr::rfc822_text, FetchAttr::body,          FetchAttr::bodystructure,
                                FetchAttr::uid,         FetchAttr::modseq,        FetchAttr::savedate,
                                FetchAttr::emailid,     FetchAttr::threadid};
  ASSERT_EQ(f.items.size(), std::size(expected));
  for (std::size_t i = 0; i < f.items.size(); ++i) {
    EXPECT_EQ(f.items[i].attr, expected[i]) << i;
  }
  const std::pair<const char*, const char*> sections[] = {
      {"BODY[]", "BODY[]"},
      {"body.peek[]", "BODY.PEEK[]"},
      {"BODY[HEADER]", "BODY[HEADER]"},
      {"BODY[TEXT]<0.2048>", "BODY[TEXT]<0.2048>"},
      {"BODY.PEEK[HEADER.FIELDS (From To \"X Y\")]", "BODY.PEEK[HEADER.FIELDS (From To \"X Y\")]"},
      {"BODY[header.fields.not (Received)]", "BODY[HEADER.FIELDS.NOT (Received)]"},
      {"BODY[1]", "BODY[1]"},
      {"BODY[1.2.3.MIME]", "BODY[1.2.3.MIME]"},
      {"BODY[4.2.HEADER]", "BODY[4.2.HEADER]"},
      {"BODY[3.TEXT]<10.1>", "BODY[3.TEXT]<10.1>"},
      {"BINARY[]", "BINARY[]"},
      {"BINARY.PEEK[1.2]<0.100>", "BINARY.PEEK[1.2]<0.100>"},
      {"BINARY.SIZE[2]", "BINARY.SIZE[2]"},
  };
  for (const auto& [item, canonical] : sections) {
    f = parse_one(std::string("a FETCH 1 ") + item).as<FetchArgs>();
    ASSERT_EQ(f.items.size(), 1u) << item;
    EXPECT_EQ(to_string(f.items[0]), canonical) << item;
  }
  f = parse_one("a FETCH 1 BODY.PEEK[1.2.HEADER.FIELDS (DATE FROM)]<5.10>").as<FetchArgs>();
  EXPECT_EQ(f.items[0].section.part, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(f.items[0].section.text, SectionText::header_fields);
  EXPECT_EQ(f.items[0].section.fields, (std::vector<std::string>{"DATE", "FROM"}));
  EXPECT_EQ(f.items[0].partial, (Partial{5, 10}));
  EXPECT_TRUE(f.items[0].peek);
  EXPECT_EQ(fetch_response_name(f.items[0]), "BODY[1.2.HEADER.FIELDS (DATE FROM)]<5>");
  EXPECT_FALSE(sets_seen(f.items[0]));
  EXPECT_TRUE(sets_seen(parse_one("a FETCH 1 BODY[]").as<FetchArgs>().items[0]));
  EXPECT_TRUE(sets_seen(parse_one("a FETCH 1 RFC822").as<FetchArgs>().items[0]));
  EXPECT_FALSE(sets_seen(parse_one("a FETCH 1 RFC822.HEADER").as<FetchArgs>().items[0]));
  // Modifiers.
  f = parse_one("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)").as<FetchArgs>();
  EXPECT_EQ(f.changedsince, 12345u);
  EXPECT_TRUE(f.vanished);
  EXPECT_EQ(parse_one("a FETCH 1:* FLAGS (CHANGEDSINCE 1)").as<FetchArgs>().changedsince, 1u);
  EXPECT_EQ(parse_bad("a FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)").text, "VANISHED needs UID FETCH and CHANGEDSINCE");
  EXPECT_EQ(parse_bad("a UID FETCH 1 FLAGS (VANISHED)").text, "VANISHED needs UID FETCH and CHANGEDSINCE");
  EXPECT_EQ(parse_bad("a FETCH 1 FLAGS (FOO)").text, "Unknown fetch modifier");
  // Errors.
  for (const char* bad : {"a FETCH 1 FOO", "a FETCH 1 BODY[MIME]", "a FETCH 1 BODY[0]", "a FETCH 1 BODY[1.]",
                          "a FETCH 1 BODY[HEADER.FIELDS ()]", "a FETCH 1 BODY[HEADER.FIELDS]", "a FETCH 1 BODY[TEXT",
                          "a FETCH 1 BODY[]<1.0>", "a FETCH 1 BODY[]<1>", "a FETCH 1 BINARY[HEADER]",
                          "a FETCH 1 BINARY.SIZE", "a FETCH 1 BODY.PEEK", "a FETCH 1 ()", "a FETCH 1 (FLAGS",
                          "a FETCH 0 FLAGS", "a FETCH 1", "a FETCH 1 FLAGS UID"}) {
    parse_bad(bad);
  }
}

TEST(ImapParser, Store) {
  StoreArgs s = parse_one("A003 STORE 2:4 +FLAGS (\\Deleted)").as<StoreArgs>();
  EXPECT_EQ(s.mode, StoreMode::add);
  EXPECT_FALSE(s.silent);
  EXPECT_EQ(s.flags, (std::vector<std::string>{"\\Deleted"}));
  s = parse_one("a UID STORE 1 -FLAGS.SILENT \\seen $Junk").as<StoreArgs>();
  EXPECT_EQ(s.mode, StoreMode::remove);
  EXPECT_TRUE(s.silent);
  EXPECT_EQ(s.flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
  s = parse_one("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)").as<StoreArgs>();
  EXPECT_EQ(s.unchangedsince, 320162338u);
  s = parse_one("a STORE 1 FLAGS ()").as<StoreArgs>();
  EXPECT_EQ(s.mode, StoreMode::replace);
  EXPECT_TRUE(s.flags.empty());
  EXPECT_EQ(parse_one("a STORE 1 (UNCHANGEDSINCE 0) FLAGS x", Limits{}).kind, CommandKind::store);
  EXPECT_EQ(parse_bad("a STORE 1 LABELS x").text, "Expected FLAGS, +FLAGS or -FLAGS");
  EXPECT_EQ(parse_bad("a STORE 1 FLAGS").text, "Missing space between arguments");
  EXPECT_EQ(parse_bad("a STORE 1 (FOO 1) FLAGS x").text, "Unknown STORE modifier");
}

TEST(ImapParser, CopyMoveExpunge) {
  CopyArgs c = parse_one("a COPY 2:4 MEETING").as<CopyArgs>();
  EXPECT_EQ(c.set.to_string(), "2:4");
  EXPECT_EQ(c.mailbox, "MEETING");
  const Command m = parse_one("a UID MOVE 42:69 \"Trash\"");
  EXPECT_EQ(m.kind, CommandKind::move);
  EXPECT_TRUE(m.uid);
  const Command e = parse_one("a UID EXPUNGE 3000:3002");
  EXPECT_EQ(e.as<ExpungeArgs>().uids->to_string(), "3000:3002");
  EXPECT_EQ(parse_bad("a UID EXPUNGE").text, "Missing space between arguments");
  EXPECT_EQ(parse_bad("a COPY 1").text, "Missing space between arguments");
}

TEST(ImapParser, SortAndThread) {
  SortArgs s = parse_one("A282 SORT (SUBJECT REVERSE DATE) UTF-8 SINCE 1-Feb-1994").as<SortArgs>();
  ASSERT_EQ(s.criteria.size(), 2u);
  EXPECT_EQ(s.criteria[0], (SortCriterion{SortKey::subject, false}));
  EXPECT_EQ(s.criteria[1], (SortCriterion{SortKey::date, true}));
  EXPECT_EQ(s.charset, "UTF-8");
  EXPECT_EQ(to_string(s.key), "(SINCE 1-Feb-1994)");
  s = parse_one("a UID SORT RETURN (MIN MAX) (ARRIVAL CC FROM SIZE TO DISPLAYFROM DISPLAYTO) us-ascii ALL")
          .as<SortArgs>();
  EXPECT_TRUE(s.ret.present && s.ret.min && s.ret.max);
  EXPECT_EQ(s.criteria.size(), 7u);
  EXPECT_EQ(parse_bad("a SORT (FOO) UTF-8 ALL").text, "Unknown sort criterion");
  EXPECT_EQ(parse_bad("a SORT (DATE) ALL").text, "Missing space between arguments");
  ThreadArgs t = parse_one("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000").as<ThreadArgs>();
  EXPECT_EQ(t.algorithm, ThreadAlgorithm::orderedsubject);
  t = parse_one("a UID THREAD references US-ASCII TEXT \"gewp\"").as<ThreadArgs>();
  EXPECT_EQ(t.algorithm, ThreadAlgorithm::references);
  EXPECT_EQ(parse_bad("a THREAD FOO UTF-8 ALL").text, "Unknown THREAD algorithm");
}

TEST(ImapParser, IdQuotaCompress) {
  EXPECT_FALSE(parse_one("a ID NIL").as<IdArgs>().params);
  IdArgs id = parse_one("a ID (\"name\" \"sodr\" \"version\" NIL)").as<IdArgs>();
  ASSERT_EQ(id.params->size(), 2u);
  EXPECT_EQ((*id.params)[0].first, "name");
  EXPECT_EQ((*id.params)[0].second, "sodr");
  EXPECT_FALSE((*id.params)[1].second);
  EXPECT_TRUE(parse_one("a ID ()").as<IdArgs>().params->empty());
  EXPECT_EQ(parse_bad("a ID (\"" + std::string(31, 'x') + "\" NIL)").text, "ID field or value too long");
  std::string many = "a ID (";
  for (int i = 0; i < 31; ++i) {
    many += (i ? " " : "") + std::string("\"k\" \"v\"");
  }
  EXPECT_EQ(parse_bad(many + ")").text, "Too many ID fields");
  EXPECT_EQ(parse_one("a GETQUOTA \"\"").as<QuotaRootArgs>().root, "");
  EXPECT_EQ(parse_one("a GETQUOTAROOT INBOX").as<MailboxArgs>().mailbox, "INBOX");
  SetQuotaArgs q = parse_one("a SETQUOTA \"\" (storage 512 MESSAGE 1000)").as<SetQuotaArgs>();
  EXPECT_EQ(q.limits, (std::vector<std::pair<std::string, std::uint64_t>>{{"STORAGE", 512}, {"MESSAGE", 1000}}));
  EXPECT_TRUE(parse_one("a SETQUOTA x ()").as<SetQuotaArgs>().limits.empty());
  EXPECT_EQ(parse_one("a COMPRESS deflate").as<CompressArgs>().algorithm, "DEFLATE");
  EXPECT_EQ(parse_bad("a COMPRESS").text, "Missing space between arguments");
}

// --- Framing: literals, limits, modes. ---

TEST(ImapFraming, SynchronizingLiteralAsksForContinuation) {
  CommandParser p(Limits{});
  p.feed("a LOGIN {5}\r\n");
  EXPECT_EQ(summarize(p.next()), "Continue(Ready for literal data)");
  EXPECT_EQ(summarize(p.next()), "NeedMore");
  p.feed("alice {6}\r\n");
  EXPECT_EQ(summarize(p.next()), "Continue(Ready for literal data)");
  p.feed("secret\r\n");
  ParseResult r = p.next();
  ASSERT_TRUE(std::holds_alternative<Command>(r));
  EXPECT_EQ(std::get<Command>(r).as<LoginArgs>().password, "secret");
  EXPECT_EQ(summarize(p.next()), "NeedMore");
}

TEST(ImapFraming, NonSynchronizingLiteralAndQuotedBrace) {
  EXPECT_EQ(summaries(parse_all("a LOGIN {5+}\r\nalice \"{3}\"\r\nb NOOP\r\n")),
            (std::vector<std::string>{"Command(a,LOGIN)", "Command(b,NOOP)"}));
  // A "{3}" inside a quoted string is text, not a literal.
  auto items = parse_all("a LOGIN \"x {3}\" y\r\n");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].command->as<LoginArgs>().user, "x {3}");
  // Escaped quote inside the string does not end it.
  items = parse_all("a LOGIN \"x\\\" {3}\" y\r\n");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].command->as<LoginArgs>().user, "x\" {3}");
  // Literal content that looks like commands stays literal content.
  items = parse_all("a LOGIN {13+}\r\nb LOGOUT\r\nxyz y\r\n");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].command->as<LoginArgs>().user, "b LOGOUT\r\nxyz");
}

TEST(ImapFraming, TooBigSynchronizingLiteralResyncs) {
  Limits limits;
  limits.max_literal = 10;
  const auto items = summaries(parse_all("a LOGIN {11}\r\nb NOOP\r\n", limits));
  EXPECT_EQ(items, (std::vector<std::string>{"Error(a,1,Literal too big)", "Command(b,NOOP)"}));
  ParseError e;
  e.tag = "a";
  e.kind = ParseErrorKind::too_big;
  e.text = "Literal too big";
  EXPECT_EQ(response_for(e), "a BAD [TOOBIG] Literal too big\r\n");
  // APPEND uses its own limit.
  limits.max_append_literal = 20;
  EXPECT_EQ(summaries(parse_all("a APPEND INBOX {21}\r\nb NOOP\r\n", limits)),
            (std::vector<std::string>{"Error(a,1,Message too big)", "Command(b,NOOP)"}));
  EXPECT_EQ(summaries(parse_all("a APPEND INBOX {20}\r\n", limits)),
            (std::vector<std::string>{"Continue(Ready for literal data)"}));
  // Total of a MULTIAPPEND.
  limits.max_append_total = 30;
  EXPECT_EQ(summaries(parse_all("a APPEND INBOX {20+}\r\n01234567890123456789 {11}\r\nb NOOP\r\n", limits)),
            (std::vector<std::string>{"Error(a,1,Message too big)", "Command(b,NOOP)"}));
}

TEST(ImapFraming, TooBigNonSynchronizingLiteralIsDiscarded) {
  Limits limits;
  limits.max_literal = 4;
  // The literal bytes (which look like a command) are dropped, then the rest of the line,
  // including a further non-sync literal, then BAD [TOOBIG]; the next command is parsed.
  const std::string input = "a LOGIN {10+}\r\nc LOGOUT\r\n {3+}\r\nxyz\r\nb NOOP\r\n";
  EXPECT_EQ(summaries(parse_all(input, limits)),
            (std::vector<std::string>{"Error(a,1,Literal too big)", "Command(b,NOOP)"}));
  expect_split_invariant(input, limits);
  // Beyond max_discard: BYE and stop.
  limits.max_discard = 5;
  const auto items = summaries(parse_all("a LOGIN {10+}\r\n0123456789 x\r\nb NOOP\r\n", limits));
  EXPECT_EQ(items, (std::vector<std::string>{"Error(a,1,Literal too big to skip; closing,close)"}));
  // Unparseable size (more than 19 digits) on a non-sync literal: BYE.
  EXPECT_EQ(summaries(parse_all("a LOGIN {99999999999999999999+}\r\n")),
            (std::vector<std::string>{"Error(a,1,Literal too big to skip; closing,close)"}));
  // ... on a sync literal: BAD, the client sends nothing.
  EXPECT_EQ(summaries(parse_all("a LOGIN {99999999999999999999}\r\nb NOOP\r\n")),
            (std::vector<std::string>{"Error(a,1,Literal too big)", "Command(b,NOOP)"}));
}

TEST(ImapFraming, LiteralModes) {
  Limits minus;
  minus.literal_mode = LiteralMode::literal_minus;
  minus.max_literal = 10000;
  EXPECT_EQ(summaries(parse_all("a LOGIN {4096+}\r\n" + std::string(4096, 'x') + " y\r\n", minus)),
            (std::vector<std::string>{"Command(a,LOGIN)"}));
  EXPECT_EQ(
      summaries(parse_all("a LOGIN {4097+}\r\n" + std::string(4097, 'x') + " y\r\nb NOOP\r\n", minus)),
      (std::vector<std::string>{"Error(a,1,Non-synchronizing literal larger than 4096 octets)", "Command(b,NOOP)"}));
  Limits none;
  none.literal_mode = LiteralMode::none;
  EXPECT_EQ(summaries(parse_all("a LOGIN {1+}\r\nx y\r\nb NOOP\r\n", none)),
            (std::vector<std::string>{"Error(a,1,Non-synchronizing literals are not supported)", "Command(b,NOOP)"}));
}

TEST(ImapFraming, CommandLineTooLong) {
  Limits limits;
  limits.max_command_line = 32;
  const std::string long_line = "a LOGIN " + std::string(100, 'x') + " y\r\nb NOOP\r\n";
  EXPECT_EQ(summaries(parse_all(long_line, limits)),
            (std::vector<std::string>{"Error(a,1,Command line too long)", "Command(b,NOOP)"}));
  expect_split_invariant(long_line, limits);
  // A too-long line that announces a non-sync literal: the literal bytes are skipped, never
  // read as commands.
  const std::string sneaky = "a LOGIN " + std::string(40, 'x') + " {10+}\r\nc LOGOUT\r\n\r\nb NOOP\r\n";
  EXPECT_EQ(summaries(parse_all(sneaky, limits)),
            (std::vector<std::string>{"Error(a,1,Command line too long)", "Command(b,NOOP)"}));
  // ... a sync literal: the client waits for "+", so the error comes at once.
  EXPECT_EQ(summaries(parse_all("a LOGIN " + std::string(40, 'x') + " {10}\r\nb NOOP\r\n", limits)),
            (std::vector<std::string>{"Error(a,1,Command line too long)", "Command(b,NOOP)"}));
  // The limit counts every line of the command but not literal bytes.
  limits.max_command_line = 40;
  EXPECT_EQ(summaries(parse_all("a LOGIN {30+}\r\n" + std::string(30, 'x') + " y\r\n", limits)),
            (std::vector<std::string>{"Command(a,LOGIN)"}));
}

TEST(ImapFraming, TooManyLiterals) {
  Limits limits;
  limits.max_literals = 2;
  EXPECT_EQ(summaries(parse_all("a APPEND x {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nb NOOP\r\n", limits)),
            (std::vector<std::string>{"Error(a,1,Too many literals)", "Command(b,NOOP)"}));
}

TEST(ImapFraming, SaslAndIdle) {
  EXPECT_EQ(summaries(parse_all("a AUTHENTICATE PLAIN\r\nAGFsaWNl\r\nb AUTHENTICATE PLAIN\r\n*\r\nc NOOP\r\n")),
            (std::vector<std::string>{"Command(a,AUTHENTICATE)", "Sasl(AGFsaWNl)", "Command(b,AUTHENTICATE)",
                                      "Sasl(,cancel)", "Command(c,NOOP)"}));
  EXPECT_EQ(summaries(parse_all("a AUTHENTICATE PLAIN\r\n" + std::string(200, 'A') + "\r\nb NOOP\r\n")),
            (std::vector<std::string>{"Command(a,AUTHENTICATE)", "Error(-,1,SASL response too long,sasl)",
                                      "Command(b,NOOP)"}));
  EXPECT_EQ(summaries(parse_all("a IDLE\r\ndone\r\nb IDLE\r\nNOOP\r\nc NOOP\n")),
            (std::vector<std::string>{"Command(a,IDLE)", "IdleDone", "Command(b,IDLE)", "Error(-,0,Expected DONE,idle)",
                                      "Command(c,NOOP)"}));
}

TEST(ImapFraming, StarttlsAndCompressHandOff) {
  CommandParser p(Limits{});
  p.feed("a STARTTLS\r\nb LOGIN x y\r\n");
  ASSERT_TRUE(std::holds_alternative<Command>(p.next()));
  EXPECT_EQ(p.pending(), "b LOGIN x y\r\n");
  p.clear();  // RFC 9051 §6.2.1: nothing sent before TLS may be used after it
  EXPECT_EQ(p.buffered(), 0u);
  EXPECT_EQ(summarize(p.next()), "NeedMore");
  p.feed("c COMPRESS DEFLATE\r\n\x01\x02");
  ASSERT_TRUE(std::holds_alternative<Command>(p.next()));
  EXPECT_EQ(p.pending(), "\x01\x02");
  p.consume_pending(2);
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(ImapFraming, EmptyLinesAndBareLf) {
  EXPECT_EQ(summaries(parse_all("\r\na NOOP\nb NOOP\r\n")),
            (std::vector<std::string>{"Error(-,0,Empty command line)", "Command(a,NOOP)", "Command(b,NOOP)"}));
  // A bare CR inside a line is not a line end and not valid syntax.
  EXPECT_EQ(summaries(parse_all("a NOOP\rb NOOP\r\n")),
            (std::vector<std::string>{"Error(a,0,Unexpected extra arguments)"}));
}

TEST(ImapFraming, UnicodeUtf8Switch) {
  CommandParser p(Limits{});
  p.feed("a SELECT \"caf\xc3\xa9\"\r\n");
  auto r = p.next();
  ASSERT_TRUE(std::holds_alternative<ParseError>(r));
  EXPECT_EQ(std::get<ParseError>(r).kind, ParseErrorKind::bad_mailbox_name);
  p.set_utf8_names(true);
  p.feed("a SELECT \"caf\xc3\xa9\"\r\n");
  r = p.next();
  ASSERT_TRUE(std::holds_alternative<Command>(r));
  EXPECT_EQ(std::get<Command>(r).as<SelectArgs>().mailbox, "caf\xc3\xa9");
}

TEST(ImapFraming, EverySplitPointGivesTheSameResults) {
  const std::string session =
      "a1 CAPABILITY\r\n"
      "a2 LOGIN {5}\r\nalice \"pa\\\"ss\"\r\n"
      "a3 SELECT INBOX (CONDSTORE)\r\n"
      "a4 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)]<0.512>) (CHANGEDSINCE 5 VANISHED)\r\n"
      "a5 APPEND Sent (\\Seen) \" 1-Jan-2024 10:00:00 +0100\" {13+}\r\nHi\r\nthere\r\n\r\n ~{3}\r\nx\0y\r\n"
      "a6 SEARCH RETURN (COUNT) CHARSET UTF-8 OR FROM {3+}\r\nbob SUBJECT \"{5}\" UNSEEN 1:5,7\r\n"
      "a7 IDLE\r\nDONE\r\n"
      "a8 STORE 1 +FLAGS.SILENT (\\Deleted)\r\n"
      "bad line here\r\n"
      "a9 AUTHENTICATE PLAIN\r\ndGVzdA==\r\n"
      "a10 LIST (SUBSCRIBED) \"\" (INBOX \"%\") RETURN (CHILDREN STATUS (MESSAGES))\r\n"
      "a11 ID (\"name\" NIL)\n"
      "a12 LOGOUT\r\n"s;
  const auto whole = parse_all(session);
  EXPECT_EQ(summaries(whole), (std::vector<std::string>{
                                  "Command(a1,CAPABILITY)", "Continue(Ready for literal data)", "Command(a2,LOGIN)",
                                  "Command(a3,SELECT)", "Command(a4,UID FETCH)", "Continue(Ready for literal data)",
                                  "Command(a5,APPEND)", "Command(a6,SEARCH)", "Command(a7,IDLE)", "IdleDone",
                                  "Command(a8,STORE)", "Error(bad,0,Unknown command)", "Command(a9,AUTHENTICATE)",
                                  "Sasl(dGVzdA==)", "Command(a10,LIST)", "Command(a11,ID)", "Command(a12,LOGOUT)"}));
  const AppendArgs& a = whole[6].command->as<AppendArgs>();
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_EQ(a.messages[0].data, "Hi\r\nthere\r\n\r\n");
  EXPECT_EQ(a.messages[1].data, std::string("x\0y", 3));
  expect_split_invariant(session);
}

TEST(ImapFraming, ToError) {
  ParseError e;
  e.kind = ParseErrorKind::too_big;
  EXPECT_EQ(to_error(e).kind, ErrorKind::limit);
  e.kind = ParseErrorKind::bad;
  EXPECT_EQ(to_error(e).kind, ErrorKind::bad_syntax);
}

}  // namespace
}  // namespace postroom::imap
