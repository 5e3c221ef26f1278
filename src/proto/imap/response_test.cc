#include "proto/imap/response.h"

#include <gtest/gtest.h>

#include "proto/imap/response_syntax.h"

using namespace std::string_literals;

namespace postroom::imap {
namespace {

void expect_valid(const std::string& s) {
  std::string why;
  EXPECT_TRUE(check_response_syntax(s, &why)) << s << ": " << why;
}

TEST(ImapResponse, StatusLines) {
  EXPECT_EQ(tagged("a1", Condition::ok, "LOGIN completed"), "a1 OK LOGIN completed\r\n");
  EXPECT_EQ(tagged("a1", Condition::no, ResponseCode{Code::trycreate, ""}, "No such mailbox"),
            "a1 NO [TRYCREATE] No such mailbox\r\n");
  EXPECT_EQ(untagged(Condition::ok, codes::uidvalidity(3857529045u), "UIDs valid"),
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
  EXPECT_EQ(untagged(Condition::bye, "Logging out"), "* BYE Logging out\r\n");
  EXPECT_EQ(untagged(Condition::preauth, "Welcome"), "* PREAUTH Welcome\r\n");
  EXPECT_EQ(tagged("a", Condition::bad, "line1\r\na2 OK injected"), "a BAD line1  a2 OK injected\r\n");
  EXPECT_EQ(tagged("a", Condition::ok, "[ALERT] fake"), "a OK  [ALERT] fake\r\n");
  EXPECT_EQ(tagged("a", Condition::ok, ""), "a OK done\r\n");
  EXPECT_EQ(continuation("Ready"), "+ Ready\r\n");
  EXPECT_EQ(continuation(""), "+ \r\n");
}

TEST(ImapResponse, EveryCodeName) {
  const std::pair<Code, const char*> names[] = {
      {Code::alert, "ALERT"},
      {Code::badcharset, "BADCHARSET"},
      {Code::capability, "CAPABILITY"},
      {Code::parse, "PARSE"},
      {Code::permanentflags, "PERMANENTFLAGS"},
      {Code::read_only, "READ-ONLY"},
      {Code::read_write, "READ-WRITE"},
      {Code::trycreate, "TRYCREATE"},
      {Code::uidnext, "UIDNEXT"},
      {Code::uidvalidity, "UIDVALIDITY"},
      {Code::unseen, "UNSEEN"},
      {Code::appenduid, "APPENDUID"},
      {Code::copyuid, "COPYUID"},
      {Code::uidnotsticky, "UIDNOTSTICKY"},
      {Code::highestmodseq, "HIGHESTMODSEQ"},
      {Code::nomodseq, "NOMODSEQ"},
      {Code::modified, "MODIFIED"},
      {Code::closed, "CLOSED"},
      {Code::toobig, "TOOBIG"},
      {Code::overquota, "OVERQUOTA"},
      {Code::alreadyexists, "ALREADYEXISTS"},
      {Code::nonexistent, "NONEXISTENT"},
      {Code::cannot, "CANNOT"},
      {Code::limit, "LIMIT"},
      {Code::inuse, "INUSE"},
      {Code::noperm, "NOPERM"},
      {Code::serverbug, "SERVERBUG"},
      {Code::unavailable, "UNAVAILABLE"},
      {Code::authenticationfailed, "AUTHENTICATIONFAILED"},
      {Code::authorizationfailed, "AUTHORIZATIONFAILED"},
      {Code::expired, "EXPIRED"},
      {Code::privacyrequired, "PRIVACYREQUIRED"},
      {Code::contactadmin, "CONTACTADMIN"},
      {Code::expungeissued, "EXPUNGEISSUED"},
      {Code::corruption, "CORRUPTION"},
      {Code::mailboxid, "MAILBOXID"},
      {Code::notsaved, "NOTSAVED"},
      {Code::haschildren, "HASCHILDREN"},
      {Code::unknown_cte, "UNKNOWN-CTE"},
      {Code::clientbug, "CLIENTBUG"},
      {Code::useattr, "USEATTR"},
  };
  for (const auto& [code, name] : names) {
    EXPECT_EQ(code_name(code), name);
    const std::string line = tagged("t", Condition::no, ResponseCode{code, ""}, "x");
    EXPECT_EQ(line, std::string("t NO [") + name + "] x\r\n");
    expect_valid(line);
  }
}

TEST(ImapResponse, CodesWithData) {
  const std::vector<std::uint32_t> uids = {3955, 3956, 3957, 3960};
  EXPECT_EQ(tagged("A003", Condition::ok, codes::appenduid(38505, uids), "APPEND completed"),
            "A003 OK [APPENDUID 38505 3955:3957,3960] APPEND completed\r\n");
  const std::vector<std::uint32_t> src = {304, 319, 320, 321};
  const std::vector<std::uint32_t> dst = {3956, 3957, 3958, 3959};
  EXPECT_EQ(tagged("A004", Condition::ok, codes::copyuid(38505, src, dst), "Done"),
            "A004 OK [COPYUID 38505 304,319:321 3956:3959] Done\r\n");
  const std::vector<std::string> flags = {"\\Deleted", "\\Seen", "\\*"};
  EXPECT_EQ(untagged(Condition::ok, codes::permanentflags(flags), "Limited"),
            "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
  EXPECT_EQ(untagged(Condition::ok, codes::highestmodseq(715194045007ull), "Highest"),
            "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
  EXPECT_EQ(untagged(Condition::ok, codes::uidnext(4392), "Predicted next UID"),
            "* OK [UIDNEXT 4392] Predicted next UID\r\n");
  EXPECT_EQ(untagged(Condition::ok, codes::unseen(12), "first unseen"), "* OK [UNSEEN 12] first unseen\r\n");
  const std::vector<std::uint32_t> modified = {7, 9, 8};
  EXPECT_EQ(tagged("d105", Condition::ok, codes::modified(modified), "Conditional STORE failed"),
            "d105 OK [MODIFIED 7:9] Conditional STORE failed\r\n");
  const std::vector<std::string> charsets = {"UTF-8", "US-ASCII"};
  EXPECT_EQ(tagged("a", Condition::no, codes::badcharset(charsets), "x"), "a NO [BADCHARSET (UTF-8 US-ASCII)] x\r\n");
  const std::vector<std::string> caps = {"IMAP4rev2", "IMAP4rev1", "bad cap", "LITERAL+"};
  EXPECT_EQ(untagged(Condition::ok, codes::capability(caps), "ready"),
            "* OK [CAPABILITY IMAP4rev2 IMAP4rev1 LITERAL+] ready\r\n");
  EXPECT_EQ(tagged("a", Condition::ok, codes::mailboxid("F2212ea87-6097-4256-9d51-71338625"), "Completed"),
            "a OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Completed\r\n");
}

TEST(ImapResponse, ParseErrors) {
  ParseError e;
  e.text = "Unknown command";
  EXPECT_EQ(response_for(e), "* BAD Unknown command\r\n");
  e.tag = "a1";
  EXPECT_EQ(response_for(e), "a1 BAD Unknown command\r\n");
  e.kind = ParseErrorKind::too_big;
  e.text = "Literal too big";
  EXPECT_EQ(response_for(e), "a1 BAD [TOOBIG] Literal too big\r\n");
  e.close_connection = true;
  EXPECT_EQ(response_for(e), "* BYE [TOOBIG] Literal too big\r\n");
}

TEST(ImapResponse, UntaggedData) {
  EXPECT_EQ(exists_response(23), "* 23 EXISTS\r\n");
  EXPECT_EQ(recent_response(0), "* 0 RECENT\r\n");
  EXPECT_EQ(expunge_response(5), "* 5 EXPUNGE\r\n");
  const std::vector<std::uint32_t> v = {41, 43, 44, 45, 46, 100};
  EXPECT_EQ(vanished_response(v, true), "* VANISHED (EARLIER) 41,43:46,100\r\n");
  EXPECT_EQ(vanished_response(v, false), "* VANISHED 41,43:46,100\r\n");
  EXPECT_EQ(vanished_response(std::vector<std::uint32_t>{}, false), "");
  const std::vector<std::string> flags = {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "$Forwarded"};
  EXPECT_EQ(flags_response(flags), "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n");
  const std::vector<std::string> caps = {"IMAP4rev2", "IMAP4rev1", "STARTTLS", "AUTH=PLAIN"};
  EXPECT_EQ(capability_response(caps), "* CAPABILITY IMAP4rev2 IMAP4rev1 STARTTLS AUTH=PLAIN\r\n");
  EXPECT_EQ(enabled_response(std::vector<std::string>{"CONDSTORE", "QRESYNC"}), "* ENABLED CONDSTORE QRESYNC\r\n");
  EXPECT_EQ(search_response(std::vector<std::uint32_t>{2, 84, 882}), "* SEARCH 2 84 882\r\n");
  EXPECT_EQ(search_response(std::vector<std::uint32_t>{}, 5), "* SEARCH\r\n");
  EXPECT_EQ(search_response(std::vector<std::uint32_t>{2, 5}, 917162500), "* SEARCH 2 5 (MODSEQ 917162500)\r\n");
  EXPECT_EQ(sort_response(std::vector<std::uint32_t>{5, 3, 4}), "* SORT 5 3 4\r\n");
}

TEST(ImapResponse, ListAndStatus) {
  ListEntry e;
  e.attributes = {"\\HasNoChildren", "\\Sent"};
  e.delimiter = '/';
  e.mailbox = "Sent Items";
  EXPECT_EQ(list_response(e, false), "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n");
  e.attributes = {};
  e.delimiter.reset();
  e.mailbox = "INBOX";
  EXPECT_EQ(list_response(e, false, true), "* LSUB () NIL INBOX\r\n");
  e.delimiter = '.';
  e.mailbox = "\xe2\x98\xba";
  EXPECT_EQ(list_response(e, false), "* LIST () \".\" &Jjo-\r\n");
  EXPECT_EQ(list_response(e, true), "* LIST () \".\" \"\xe2\x98\xba\"\r\n");
  e.mailbox = "Foo";
  e.delimiter = '\\';
  e.attributes = {"\\NonExistent"};
  e.childinfo = {"SUBSCRIBED"};
  EXPECT_EQ(list_response(e, false), "* LIST (\\NonExistent) \"\\\\\" Foo (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
  e.childinfo.clear();
  e.oldname = "Old";
  e.delimiter = '/';
  EXPECT_EQ(list_response(e, false), "* LIST (\\NonExistent) \"/\" Foo (\"OLDNAME\" (Old))\r\n");
  expect_valid(list_response(e, false));
  const std::vector<std::pair<StatusItem, std::uint64_t>> items = {{StatusItem::messages, 231},
                                                                   {StatusItem::uidnext, 44292}};
  EXPECT_EQ(status_response("blurdybloop", items, false), "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n");
  EXPECT_EQ(status_response("a b", {}, false), "* STATUS \"a b\" ()\r\n");
  EXPECT_EQ(status_response("INBOX", items, false, "F2212ea87-6097"),
            "* STATUS INBOX (MESSAGES 231 UIDNEXT 44292 MAILBOXID (F2212ea87-6097))\r\n");
  EXPECT_EQ(status_response("INBOX", {}, false, "Fx"), "* STATUS INBOX (MAILBOXID (Fx))\r\n");
}

TEST(ImapResponse, EsearchThreadIdNamespaceQuota) {
  EsearchResult r;
  r.tag = "A282";
  r.min = 2;
  r.count = 3;
  EXPECT_EQ(esearch_response(r), "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n");
  r.uid = true;
  r.all = std::vector<Interval>{{1, 5}, {7, 7}};
  r.min.reset();
  r.count.reset();
  r.modseq = 9;
  EXPECT_EQ(esearch_response(r), "* ESEARCH (TAG \"A282\") UID ALL 1:5,7 MODSEQ 9\r\n");
  EXPECT_EQ(esearch_response(EsearchResult{}), "* ESEARCH\r\n");

  // RFC 5256 example: (2)(3 6 (4 23)(44 7 96))
  std::vector<ThreadNode> roots(2);
  roots[0].number = 2;
  roots[1].number = 3;
  roots[1].children.resize(1);
  ThreadNode& six = roots[1].children[0];
  six.number = 6;
  six.children.resize(2);
  six.children[0].number = 4;
  six.children[0].children.push_back(ThreadNode{23, {}});
  six.children[1].number = 44;
  six.children[1].children.push_back(ThreadNode{7, {ThreadNode{96, {}}}});
  EXPECT_EQ(thread_response(roots), "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
  // A dummy parent: ((3)(5)).
  std::vector<ThreadNode> dummy(1);
  dummy[0].children = {ThreadNode{3, {}}, ThreadNode{5, {}}};
  EXPECT_EQ(thread_response(dummy), "* THREAD ((3)(5))\r\n");
  EXPECT_EQ(thread_response({}), "* THREAD\r\n");
  // A deep chain does not recurse.
  ThreadNode deep{1, {}};
  ThreadNode* tip = &deep;
  for (std::uint32_t i = 2; i < 20000; ++i) {
    tip->children.push_back(ThreadNode{i, {}});
    tip = &tip->children[0];
  }
  std::vector<ThreadNode> deep_roots;
  deep_roots.push_back(std::move(deep));
  expect_valid(thread_response(deep_roots));

  EXPECT_EQ(id_response(std::nullopt), "* ID NIL\r\n");
  std::vector<std::pair<std::string, std::optional<std::string>>> id = {{"name", "Postroom"}, {"os", std::nullopt}};
  EXPECT_EQ(id_response(id), "* ID (\"name\" \"Postroom\" \"os\" NIL)\r\n");

  const std::vector<NamespaceEntry> personal = {{"", '/'}};
  const std::vector<NamespaceEntry> other = {{"~", '/'}};
  EXPECT_EQ(namespace_response(personal, {}, {}, false), "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
  EXPECT_EQ(namespace_response(personal, other, {}, false), "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL\r\n");

  const std::vector<QuotaResource> res = {{"STORAGE", 10, 512}, {"MESSAGE", 1, 100}};
  EXPECT_EQ(quota_response("", res), "* QUOTA \"\" (STORAGE 10 512 MESSAGE 1 100)\r\n");
  EXPECT_EQ(quotaroot_response("INBOX", std::vector<std::string>{""}, false), "* QUOTAROOT INBOX \"\"\r\n");
}

TEST(ImapResponse, Fetch) {
  FetchResponse f(12);
  f.uid(50);
  const std::vector<std::string> flags = {"\\Seen", "$Junk"};
  f.flags(flags);
  f.internaldate(*parse_date_time("17-Jul-1996 02:44:25 -0700"));
  f.rfc822_size(4286);
  f.modseq(624140003);
  f.emailid("M6d99ac3275bb4e");
  f.threadid(std::nullopt);
  f.savedate(std::nullopt);
  f.string("BODY[HEADER.FIELDS (X)]", std::nullopt);
  f.body("BODY[]<0>", "Hello\r\n");
  f.body("BINARY[1]", std::string("a\0b", 3), true);
  f.raw("ENVELOPE", "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
  const std::string out = std::move(f).finish();
  EXPECT_EQ(out, std::string("* 12 FETCH (UID 50 FLAGS (\\Seen $Junk) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
                             "RFC822.SIZE 4286 MODSEQ (624140003) EMAILID (M6d99ac3275bb4e) THREADID NIL SAVEDATE NIL "
                             "BODY[HEADER.FIELDS (X)] NIL BODY[]<0> {7}\r\nHello\r\n BINARY[1] ~{3}\r\na\0b "
                             "ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n"s));
  expect_valid(out);
}

TEST(ImapResponse, StringChoice) {
  std::string out;
  append_astring(out, "INBOX");
  EXPECT_EQ(out, "INBOX");
  out.clear();
  append_astring(out, "NIL");
  EXPECT_EQ(out, "\"NIL\"");
  out.clear();
  append_astring(out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  append_string(out, "a \"b\" \\c");
  EXPECT_EQ(out, "\"a \\\"b\\\" \\\\c\"");
  out.clear();
  append_string(out, "line\r\nbreak");
  EXPECT_EQ(out, "{11}\r\nline\r\nbreak");
  out.clear();
  append_string(out, "caf\xc3\xa9");
  EXPECT_EQ(out, "{5}\r\ncaf\xc3\xa9");
  out.clear();
  append_string(out, "caf\xc3\xa9", true);
  EXPECT_EQ(out, "\"caf\xc3\xa9\"");
  out.clear();
  append_string(out, std::string(1025, 'x'));
  EXPECT_EQ(out.substr(0, 8), "{1025}\r\n");
  out.clear();
  append_string(out, std::string("a\0b", 3));
  EXPECT_EQ(out,
            "{3}\r\na\x80"
            "b");
  out.clear();
  append_literal(out, std::string("a\0b", 3), true);
  EXPECT_EQ(out, std::string("~{3}\r\na\0b", 9));
  out.clear();
  append_nstring(out, std::nullopt);
  EXPECT_EQ(out, "NIL");
  out.clear();
  append_mailbox(out, "Entw\xc3\xbcrfe & Co", false);
  EXPECT_EQ(out, "\"Entw&APw-rfe &- Co\"");
}

TEST(ImapResponse, SyntaxCheckerRejectsBrokenOutput) {
  for (const char* bad : {"* OK", "* FETCH (1\r\n", "* 1 FETCH (a))\r\n", "* 1 FETCH {5}\r\nabc\r\n", "a1 FETCH x\r\n",
                          "* 1 FETCH \"a\r\n", "* LIST  x\r\n", "* LIST (x )\r\n", "* OK [ALERT text\r\n",
                          "* X \"a\\b\"\r\n", "+x\r\n"}) {
    EXPECT_FALSE(check_response_syntax(bad)) << bad;
  }
  expect_valid("* 1 FETCH (BODY[HEADER.FIELDS (\"A B\" C)]<0> {2}\r\nab)\r\n+ go\r\n* OK [READ-WRITE] x\r\n");
}

}  // namespace
}  // namespace postroom::imap
