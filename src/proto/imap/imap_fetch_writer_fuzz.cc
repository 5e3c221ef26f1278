// fuzz-lib: postroom_imapproto
// The response writers given fuzzed strings and numbers must always produce syntactically
// valid IMAP (checked by check_response_syntax): no client- or store-controlled value may
// break a line, unbalance a list or desynchronise a literal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "proto/imap/response.h"
#include "proto/imap/response_syntax.h"

namespace {

// Splits the input into fields at 0xff bytes.
std::vector<std::string> fields(std::string_view in) {
  std::vector<std::string> out(1);
  for (char c : in) {
    if (static_cast<unsigned char>(c) == 0xff) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::uint32_t number_of(const std::string& s) {
  std::uint32_t n = 2166136261u;
  for (unsigned char c : s) {
    n = (n ^ c) * 16777619u;
  }
  return n;
}

void check(const std::string& out) {
  std::string why;
  if (!postroom::imap::check_response_syntax(out, &why)) {
    std::fprintf(stderr, "invalid: %s\n[%s]\n", why.c_str(), out.substr(0, 300).c_str());
    POSTROOM_CHECK(false, "writer produced invalid IMAP");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::imap;
  const std::vector<std::string> f = fields(std::string_view(reinterpret_cast<const char*>(data), size));
  auto field = [&](std::size_t i) -> const std::string& { return f[i % f.size()]; };
  const bool utf8 = size > 0 && (data[0] & 1);

  FetchResponse fetch(number_of(field(0)));
  fetch.uid(number_of(field(1)));
  const std::vector<std::string> flags = {field(2), "\\" + field(3), "\\Seen", "\\*"};
  fetch.flags(flags);
  DateTime dt;
  dt.date.day = static_cast<std::uint8_t>(1 + number_of(field(4)) % 31);
  dt.date.month = static_cast<std::uint8_t>(1 + number_of(field(4)) % 12);
  dt.date.year = static_cast<std::uint16_t>(number_of(field(4)) % 10000);
  dt.zone_minutes = static_cast<std::int16_t>(static_cast<int>(number_of(field(5)) % 2879) - 1439);
  fetch.internaldate(dt);
  fetch.rfc822_size(number_of(field(5)));
  fetch.modseq(number_of(field(6)));
  fetch.emailid(field(7));
  fetch.threadid(field(8));
  fetch.savedate(dt);
  fetch.string("BODY[HEADER.FIELDS (SUBJECT)]", field(9));
  fetch.string("BODY[1]", std::nullopt);
  fetch.body("BODY[]<0>", field(10));
  fetch.body("BINARY[1]", field(11), true);
  check(std::move(fetch).finish());

  check(tagged("A1", Condition::ok, field(0)));
  check(tagged("A1", Condition::no, ResponseCode{Code::alert, field(1)}, field(2)));
  check(untagged(Condition::bye, codes::permanentflags(flags), field(3)));
  check(untagged(Condition::ok, codes::mailboxid(field(4)), field(4)));
  const std::vector<std::string> caps = {field(5), "IMAP4rev2"};
  check(capability_response(caps));
  check(enabled_response(caps));
  check(untagged(Condition::ok, codes::capability(caps), ""));
  check(untagged(Condition::ok, codes::badcharset(caps), "x"));
  check(flags_response(flags));
  check(continuation(field(6)));

  ListEntry entry;
  entry.attributes = {field(7), "\\HasNoChildren"};
  entry.delimiter = field(8).empty() ? std::optional<char>() : std::optional<char>(field(8)[0]);
  entry.mailbox = field(9);
  entry.childinfo = {field(10)};
  entry.oldname = field(11);
  check(list_response(entry, utf8));
  check(list_response(entry, utf8, true));

  const std::vector<std::pair<StatusItem, std::uint64_t>> items = {{StatusItem::messages, number_of(field(1))},
                                                                   {StatusItem::mailboxid, 5}};
  check(status_response(field(12), items, utf8));

  std::vector<std::uint32_t> numbers;
  for (const std::string& s : f) {
    numbers.push_back(number_of(s) % 64);
  }
  check(search_response(numbers, number_of(field(0))));
  check(sort_response(numbers));
  check(vanished_response(numbers, true).empty() ? "* OK x\r\n" : vanished_response(numbers, true));
  EsearchResult es;
  es.tag = field(13);
  es.min = number_of(field(1));
  es.all = to_intervals(numbers);
  check(esearch_response(es));

  // A thread shape from the bytes: each byte adds a child to the node at depth (byte % depth).
  std::vector<ThreadNode> roots(1);
  roots[0].number = 1;
  std::vector<ThreadNode*> path = {&roots[0]};
  for (std::size_t i = 0; i < size && i < 200; ++i) {
    ThreadNode* parent = path[data[i] % path.size()];
    parent->children.push_back(ThreadNode{static_cast<std::uint32_t>(i % 3 == 0 ? 0 : i + 2), {}});
    path.assign({&roots[0]});
    ThreadNode* n = &roots[0];
    while (!n->children.empty()) {
      n = &n->children.back();
      path.push_back(n);
    }
  }
  check(thread_response(roots));

  std::vector<std::pair<std::string, std::optional<std::string>>> id = {{field(0), field(1)}, {field(2), std::nullopt}};
  check(id_response(id));
  const std::vector<NamespaceEntry> ns = {{field(3), '/'}, {field(4), std::nullopt}};
  check(namespace_response(ns, {}, ns, utf8));
  const std::vector<QuotaResource> quota = {{field(5), 1, 2}, {"STORAGE", number_of(field(6)), 7}};
  check(quota_response(field(7), quota));
  const std::vector<std::string> roots_names = {field(8), ""};
  check(quotaroot_response(field(9), roots_names, utf8));
  ParseError error;
  error.tag = field(10);
  error.text = field(11);
  error.kind = static_cast<ParseErrorKind>(size % 3);
  check(response_for(error));
  return 0;
}
