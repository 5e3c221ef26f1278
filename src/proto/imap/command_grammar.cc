// parse_command: the RFC 9051 §9 grammar of one assembled command.
#include <algorithm>

#include "proto/imap/command_parser.h"
#include "proto/imap/grammar.h"
#include "proto/imap/mutf7.h"

namespace postroom::imap {
namespace {

using detail::iequals;
using detail::Reader;
using detail::to_upper;

constexpr std::string_view kSpecialUse[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                            "\\Junk", "\\Sent",    "\\Trash",  "\\Important"};

// RFC 2971 §3.3: at most 30 pairs, field names at most 30 octets, values at most 1024.
constexpr std::size_t kMaxIdPairs = 30;
constexpr std::size_t kMaxIdField = 30;
constexpr std::size_t kMaxIdValue = 1024;

struct StatusName {
  std::string_view name;
  StatusItem item;
};
constexpr StatusName kStatusItems[] = {
    {"MESSAGES", StatusItem::messages},       {"UIDNEXT", StatusItem::uidnext},
    {"UIDVALIDITY", StatusItem::uidvalidity}, {"UNSEEN", StatusItem::unseen},
    {"DELETED", StatusItem::deleted},         {"SIZE", StatusItem::size},
    {"RECENT", StatusItem::recent},           {"HIGHESTMODSEQ", StatusItem::highestmodseq},
    {"APPENDLIMIT", StatusItem::appendlimit}, {"MAILBOXID", StatusItem::mailboxid},
};

class Grammar {
 public:
  Grammar(Reader& r, Command& c) : r_(r), c_(c) {}

  bool parse() {
    switch (c_.kind) {
      case CommandKind::capability:
      case CommandKind::noop:
      case CommandKind::logout:
      case CommandKind::starttls:
      case CommandKind::namespace_:
      case CommandKind::idle:
      case CommandKind::close:
      case CommandKind::unselect:
      case CommandKind::check: c_.args = NoArgs{}; return true;
      case CommandKind::expunge: return expunge();
      case CommandKind::authenticate: return authenticate();
      case CommandKind::login: return login();
      case CommandKind::enable: return enable();
      case CommandKind::select:
      case CommandKind::examine: return select();
      case CommandKind::create: return create();
      case CommandKind::delete_mailbox:
      case CommandKind::subscribe:
      case CommandKind::unsubscribe:
      case CommandKind::getquotaroot: return mailbox_only();
      case CommandKind::rename: return rename();
      case CommandKind::list: return list();
      case CommandKind::lsub: return lsub();
      case CommandKind::status: return status();
      case CommandKind::append: return append();
      case CommandKind::search: return search();
      case CommandKind::fetch: return fetch();
      case CommandKind::store: return store();
      case CommandKind::copy:
      case CommandKind::move: return copy();
      case CommandKind::sort: return sort();
      case CommandKind::thread: return thread();
      case CommandKind::id: return id();
      case CommandKind::getquota: return getquota();
      case CommandKind::setquota: return setquota();
      case CommandKind::compress: return compress();
    }
    return r_.fail("Unknown command");
  }

 private:
  bool expunge() {
    ExpungeArgs a;
    if (c_.uid) {
      if (!r_.sp()) {
        return false;
      }
      auto set = r_.sequence_set(true);
      if (!set) {
        return false;
      }
      a.uids = std::move(*set);
    }
    c_.args = std::move(a);
    return true;
  }

  bool authenticate() {
    AuthenticateArgs a;
    if (!r_.sp()) {
      return false;
    }
    const std::string_view mech = r_.atom();
    if (mech.empty()) {
      return r_.fail("Expected SASL mechanism");
    }
    a.mechanism = to_upper(mech);
    if (r_.eat(' ')) {
      // initial-resp = base64 / "=" (RFC 4959).
      const std::string_view ir = r_.atom();
      if (ir.empty()) {
        return r_.fail("Invalid initial response");
      }
      for (char ch : ir) {
        const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' ||
                        ch == '/' || ch == '=';
        if (!ok) {
          return r_.fail("Invalid initial response");
        }
      }
      a.initial_response = std::string(ir);
    }
    c_.args = std::move(a);
    return true;
  }

  bool login() {
    LoginArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto user = r_.astring();
    if (!user || !r_.sp()) {
      return false;
    }
    auto pass = r_.astring();
    if (!pass) {
      return false;
    }
    a.user = std::move(*user);
    a.password = std::move(*pass);
    c_.args = std::move(a);
    return true;
  }

  bool enable() {
    EnableArgs a;
    std::size_t count = 0;
    do {
      if (!r_.sp() || !r_.count_item(count)) {
        return false;
      }
      const std::string_view cap = r_.atom();
      if (cap.empty()) {
        return r_.fail("Expected capability name");
      }
      a.capabilities.push_back(to_upper(cap));
    } while (!r_.at_end());
    c_.args = std::move(a);
    return true;
  }

  std::optional<SequenceSet> uid_set_no_saved() { return r_.sequence_set(false); }

  bool select() {
    SelectArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox) {
      return false;
    }
    a.mailbox = std::move(*mbox);
    if (r_.eat(' ')) {
      if (!r_.expect('(')) {
        return false;
      }
      std::size_t count = 0;
      for (;;) {
        if (!r_.count_item(count)) {
          return false;
        }
        if (r_.keyword("CONDSTORE")) {
          a.condstore = true;
        } else if (r_.keyword("QRESYNC")) {
          if (a.qresync || !r_.sp() || !r_.expect('(')) {
            return r_.fail("Invalid QRESYNC parameters");
          }
          QresyncParams q;
          auto uidvalidity = r_.nz_number();
          if (!uidvalidity || !r_.sp()) {
            return false;
          }
          auto modseq = r_.nz_number64();
          if (!modseq) {
            return false;
          }
          q.uidvalidity = *uidvalidity;
          q.modseq = *modseq;
          if (r_.eat(' ')) {
            if (r_.peek() != '(') {
              auto known = uid_set_no_saved();
              if (!known) {
                return false;
              }
              q.known_uids = std::move(*known);
              r_.eat(' ');
            }
            if (r_.eat('(')) {
              auto seqs = uid_set_no_saved();
              if (!seqs || !r_.sp()) {
                return false;
              }
              auto uids = uid_set_no_saved();
              if (!uids || !r_.expect(')')) {
                return false;
              }
              q.known_sequence_set = std::move(*seqs);
              q.known_uid_set = std::move(*uids);
            }
          }
          if (!r_.expect(')')) {
            return false;
          }
          a.qresync = std::move(q);
        } else {
          return r_.fail("Unknown SELECT parameter");
        }
        if (r_.eat(')')) {
          break;
        }
        if (!r_.sp()) {
          return false;
        }
      }
    }
    c_.args = std::move(a);
    return true;
  }

  bool create() {
    CreateArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox) {
      return false;
    }
    a.mailbox = std::move(*mbox);
    if (r_.eat(' ')) {
      if (!r_.expect('(') || !r_.keyword("USE") || !r_.sp() || !r_.expect('(')) {
        return r_.fail("Invalid CREATE parameters");
      }
      std::size_t count = 0;
      for (;;) {
        if (!r_.count_item(count) || !r_.expect('\\')) {
          return r_.fail("Invalid special-use attribute");
        }
        const std::string_view name = r_.atom();
        const std::string attr = "\\" + std::string(name);
        auto it = std::find_if(std::begin(kSpecialUse), std::end(kSpecialUse),
                               [&](std::string_view s) { return iequals(s, attr); });
        if (name.empty()) {
          return r_.fail("Invalid special-use attribute");
        }
        a.special_use.push_back(it != std::end(kSpecialUse) ? std::string(*it) : attr);
        if (r_.eat(')')) {
          break;
        }
        if (!r_.sp()) {
          return false;
        }
      }
      if (!r_.expect(')')) {
        return false;
      }
    }
    c_.args = std::move(a);
    return true;
  }

  bool mailbox_only() {
    if (!r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox) {
      return false;
    }
    c_.args = MailboxArgs{std::move(*mbox)};
    return true;
  }

  bool rename() {
    if (!r_.sp()) {
      return false;
    }
    auto from = r_.mailbox();
    if (!from || !r_.sp()) {
      return false;
    }
    auto to = r_.mailbox();
    if (!to) {
      return false;
    }
    c_.args = RenameArgs{std::move(*from), std::move(*to)};
    return true;
  }

  std::optional<std::vector<StatusItem>> status_items() {
    if (!r_.expect('(')) {
      return std::nullopt;
    }
    std::vector<StatusItem> items;
    std::size_t count = 0;
    for (;;) {
      if (!r_.count_item(count)) {
        return std::nullopt;
      }
      const std::string_view name = r_.atom();
      auto it = std::find_if(std::begin(kStatusItems), std::end(kStatusItems),
                             [&](const StatusName& s) { return iequals(s.name, name); });
      if (it == std::end(kStatusItems)) {
        r_.fail("Unknown STATUS item");
        return std::nullopt;
      }
      items.push_back(it->item);
      if (r_.eat(')')) {
        return items;
      }
      if (!r_.sp()) {
        return std::nullopt;
      }
    }
  }

  bool list() {
    ListArgs a;
    if (!r_.sp()) {
      return false;
    }
    if (r_.eat('(')) {
      a.extended = true;
      std::size_t count = 0;
      bool other_than_recursive = false;
      while (!r_.eat(')')) {
        if (count > 0 && !r_.sp()) {
          return false;
        }
        if (!r_.count_item(count)) {
          return false;
        }
        if (r_.keyword("SUBSCRIBED")) {
          a.select_subscribed = true;
          other_than_recursive = true;
        } else if (r_.keyword("REMOTE")) {
          a.select_remote = true;
        } else if (r_.keyword("RECURSIVEMATCH")) {
          a.select_recursivematch = true;
        } else if (r_.keyword("SPECIAL-USE")) {
          a.select_special_use = true;
          other_than_recursive = true;
        } else {
          return r_.fail("Unknown LIST selection option");
        }
      }
      // RFC 5258 §3.1: RECURSIVEMATCH alone (or with only REMOTE) is BAD.
      if (a.select_recursivematch && !other_than_recursive) {
        return r_.fail("RECURSIVEMATCH needs another selection option");
      }
      if (!r_.sp()) {
        return false;
      }
    }
    auto reference = r_.mailbox();
    if (!reference) {
      // An empty reference "" is a valid mailbox astring; errors are real errors.
      return false;
    }
    a.reference = std::move(*reference);
    if (!r_.sp()) {
      return false;
    }
    if (r_.eat('(')) {
      a.extended = true;
      std::size_t count = 0;
      for (;;) {
        if (!r_.count_item(count)) {
          return false;
        }
        auto p = r_.list_mailbox();
        if (!p) {
          return false;
        }
        a.patterns.push_back(std::move(*p));
        if (r_.eat(')')) {
          break;
        }
        if (!r_.sp()) {
          return false;
        }
      }
    } else {
      auto p = r_.list_mailbox();
      if (!p) {
        return false;
      }
      a.patterns.push_back(std::move(*p));
    }
    if (r_.eat(' ')) {
      a.extended = true;
      if (!r_.keyword("RETURN") || !r_.sp() || !r_.expect('(')) {
        return r_.fail("Expected RETURN options");
      }
      std::size_t count = 0;
      while (!r_.eat(')')) {
        if (count > 0 && !r_.sp()) {
          return false;
        }
        if (!r_.count_item(count)) {
          return false;
        }
        if (r_.keyword("CHILDREN")) {
          a.return_children = true;
        } else if (r_.keyword("SUBSCRIBED")) {
          a.return_subscribed = true;
        } else if (r_.keyword("SPECIAL-USE")) {
          a.return_special_use = true;
        } else if (r_.keyword("STATUS")) {
          if (a.return_status || !r_.sp()) {
            return r_.fail("Invalid STATUS return option");
          }
          auto items = status_items();
          if (!items) {
            return false;
          }
          a.return_status = std::move(*items);
        } else {
          return r_.fail("Unknown LIST return option");
        }
      }
    }
    c_.args = std::move(a);
    return true;
  }

  bool lsub() {
    ListArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto reference = r_.mailbox();
    if (!reference || !r_.sp()) {
      return false;
    }
    auto p = r_.list_mailbox();
    if (!p) {
      return false;
    }
    a.reference = std::move(*reference);
    a.patterns.push_back(std::move(*p));
    c_.args = std::move(a);
    return true;
  }

  bool status() {
    if (!r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox || !r_.sp()) {
      return false;
    }
    auto items = status_items();
    if (!items) {
      return false;
    }
    c_.args = StatusArgs{std::move(*mbox), std::move(*items)};
    return true;
  }

  bool append() {
    AppendArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox) {
      return false;
    }
    a.mailbox = std::move(*mbox);
    std::size_t count = 0;
    do {
      if (!r_.sp() || !r_.count_item(count)) {
        return false;
      }
      AppendMessage m;
      if (r_.peek() == '(') {
        auto flags = r_.flag_list();
        if (!flags || !r_.sp()) {
          return false;
        }
        m.flags = std::move(*flags);
      }
      if (r_.peek() == '"') {
        auto text = r_.string();
        if (!text) {
          return false;
        }
        auto dt = parse_date_time(*text);
        if (!dt) {
          return r_.fail("Invalid date-time");
        }
        m.internal_date = *dt;
        if (!r_.sp()) {
          return false;
        }
      }
      if (r_.keyword("UTF8")) {
        // RFC 6855 §4: "UTF8" SP "(" literal8 ")".
        m.utf8 = true;
        if (!r_.sp() || !r_.expect('(')) {
          return false;
        }
        if (r_.peek() != '~') {
          return r_.fail("UTF8 APPEND needs a literal8");
        }
        auto data = r_.string(true, true, &m.literal8);
        if (!data || !r_.expect(')')) {
          return false;
        }
        m.data = std::move(*data);
      } else {
        if (r_.peek() != '{' && r_.peek() != '~') {
          return r_.fail("APPEND message must be a literal");
        }
        // NUL in a plain literal is tolerated for APPEND: real mail contains it and
        // rejecting would lose the message; the store keeps the bytes as sent.
        auto data = r_.string(true, true, &m.literal8);
        if (!data) {
          return false;
        }
        m.data = std::move(*data);
      }
      a.messages.push_back(std::move(m));
    } while (!r_.at_end());
    c_.args = std::move(a);
    return true;
  }

  // search-return-opts (RFC 4731, RFC 5182, RFC 5267); after the verb. Consumes nothing when
  // the next token is not RETURN.
  bool search_return(SearchReturn& ret) {
    const std::size_t save = r_.pos();
    (void)save;
    if (r_.peek() != ' ') {
      return true;
    }
    // Look for " RETURN ".
    Reader probe = r_;
    probe.eat(' ');
    if (!probe.keyword("RETURN")) {
      return true;
    }
    r_.eat(' ');
    r_.keyword("RETURN");
    if (!r_.sp() || !r_.expect('(')) {
      return false;
    }
    ret.present = true;
    std::size_t count = 0;
    while (!r_.eat(')')) {
      if (count > 0 && !r_.sp()) {
        return false;
      }
      if (!r_.count_item(count)) {
        return false;
      }
      if (r_.keyword("MIN")) {
        ret.min = true;
      } else if (r_.keyword("MAX")) {
        ret.max = true;
      } else if (r_.keyword("ALL")) {
        ret.all = true;
      } else if (r_.keyword("COUNT")) {
        ret.count = true;
      } else if (r_.keyword("SAVE")) {
        ret.save = true;
      } else {
        return r_.fail("Unknown RETURN option");
      }
    }
    if (count == 0) {
      ret.all = true;  // RFC 4731 §3.1: RETURN () is RETURN (ALL)
    }
    return true;
  }

  std::optional<std::string> charset() {
    auto cs = r_.astring();
    if (!cs) {
      return std::nullopt;
    }
    return to_upper(*cs);
  }

  bool search() {
    SearchArgs a;
    if (!search_return(a.ret) || !r_.sp()) {
      return false;
    }
    if (r_.keyword("CHARSET")) {
      if (!r_.sp()) {
        return false;
      }
      auto cs = charset();
      if (!cs || !r_.sp()) {
        return false;
      }
      a.charset = std::move(*cs);
    }
    auto key = detail::search_program(r_);
    if (!key) {
      return false;
    }
    a.key = std::move(*key);
    c_.args = std::move(a);
    return true;
  }

  bool fetch() {
    FetchArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto set = r_.sequence_set(true);
    if (!set || !r_.sp()) {
      return false;
    }
    a.set = std::move(*set);
    if (!detail::fetch_items(r_, a, c_.uid)) {
      return false;
    }
    c_.args = std::move(a);
    return true;
  }

  bool store() {
    StoreArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto set = r_.sequence_set(true);
    if (!set || !r_.sp()) {
      return false;
    }
    a.set = std::move(*set);
    if (r_.eat('(')) {
      if (!r_.keyword("UNCHANGEDSINCE") || !r_.sp()) {
        return r_.fail("Unknown STORE modifier");
      }
      auto n = r_.number64();
      if (!n || !r_.expect(')') || !r_.sp()) {
        return false;
      }
      a.unchangedsince = *n;
    }
    if (r_.eat('+')) {
      a.mode = StoreMode::add;
    } else if (r_.eat('-')) {
      a.mode = StoreMode::remove;
    }
    const std::string_view item = r_.word();
    if (iequals(item, "FLAGS.SILENT")) {
      a.silent = true;
    } else if (!iequals(item, "FLAGS")) {
      return r_.fail("Expected FLAGS, +FLAGS or -FLAGS");
    }
    if (!r_.sp()) {
      return false;
    }
    if (r_.peek() == '(') {
      auto flags = r_.flag_list();
      if (!flags) {
        return false;
      }
      a.flags = std::move(*flags);
    } else {
      std::size_t count = 0;
      for (;;) {
        if (!r_.count_item(count)) {
          return false;
        }
        auto f = r_.flag();
        if (!f) {
          return false;
        }
        a.flags.push_back(std::move(*f));
        if (r_.at_end()) {
          break;
        }
        if (!r_.sp()) {
          return false;
        }
      }
    }
    c_.args = std::move(a);
    return true;
  }

  bool copy() {
    if (!r_.sp()) {
      return false;
    }
    auto set = r_.sequence_set(true);
    if (!set || !r_.sp()) {
      return false;
    }
    auto mbox = r_.mailbox();
    if (!mbox) {
      return false;
    }
    c_.args = CopyArgs{std::move(*set), std::move(*mbox)};
    return true;
  }

  bool sort() {
    SortArgs a;
    if (!search_return(a.ret) || !r_.sp() || !r_.expect('(')) {
      return false;
    }
    std::size_t count = 0;
    for (;;) {
      if (!r_.count_item(count)) {
        return false;
      }
      SortCriterion crit;
      if (r_.keyword("REVERSE")) {
        crit.reverse = true;
        if (!r_.sp()) {
          return false;
        }
      }
      static constexpr std::pair<std::string_view, SortKey> kKeys[] = {
          {"ARRIVAL", SortKey::arrival},
          {"CC", SortKey::cc},
          {"DATE", SortKey::date},
          {"FROM", SortKey::from},
          {"SIZE", SortKey::size},
          {"SUBJECT", SortKey::subject},
          {"TO", SortKey::to},
          {"DISPLAYFROM", SortKey::displayfrom},
          {"DISPLAYTO", SortKey::displayto},
      };
      const std::string_view name = r_.atom();
      auto it = std::find_if(std::begin(kKeys), std::end(kKeys), [&](const auto& k) { return iequals(k.first, name); });
      if (it == std::end(kKeys)) {
        return r_.fail("Unknown sort criterion");
      }
      crit.key = it->second;
      a.criteria.push_back(crit);
      if (r_.eat(')')) {
        break;
      }
      if (!r_.sp()) {
        return false;
      }
    }
    if (!r_.sp()) {
      return false;
    }
    auto cs = charset();
    if (!cs || !r_.sp()) {
      return false;
    }
    a.charset = std::move(*cs);
    auto key = detail::search_program(r_);
    if (!key) {
      return false;
    }
    a.key = std::move(*key);
    c_.args = std::move(a);
    return true;
  }

  bool thread() {
    ThreadArgs a;
    if (!r_.sp()) {
      return false;
    }
    const std::string_view alg = r_.atom();
    if (iequals(alg, "ORDEREDSUBJECT")) {
      a.algorithm = ThreadAlgorithm::orderedsubject;
    } else if (iequals(alg, "REFERENCES")) {
      a.algorithm = ThreadAlgorithm::references;
    } else if (iequals(alg, "REFS")) {
      a.algorithm = ThreadAlgorithm::refs;
    } else {
      return r_.fail("Unknown THREAD algorithm");
    }
    if (!r_.sp()) {
      return false;
    }
    auto cs = charset();
    if (!cs || !r_.sp()) {
      return false;
    }
    a.charset = std::move(*cs);
    auto key = detail::search_program(r_);
    if (!key) {
      return false;
    }
    a.key = std::move(*key);
    c_.args = std::move(a);
    return true;
  }

  bool id() {
    IdArgs a;
    if (!r_.sp()) {
      return false;
    }
    if (r_.nil()) {
      c_.args = std::move(a);
      return true;
    }
    if (!r_.expect('(')) {
      return false;
    }
    a.params.emplace();
    while (!r_.eat(')')) {
      if (!a.params->empty() && !r_.sp()) {
        return false;
      }
      if (a.params->size() >= kMaxIdPairs) {
        return r_.fail("Too many ID fields");
      }
      auto field = r_.string();
      if (!field || !r_.sp()) {
        return false;
      }
      auto value = r_.nstring();
      if (!value) {
        return false;
      }
      if (field->size() > kMaxIdField || (*value && (*value)->size() > kMaxIdValue)) {
        return r_.fail("ID field or value too long");
      }
      a.params->emplace_back(std::move(*field), std::move(*value));
    }
    c_.args = std::move(a);
    return true;
  }

  bool getquota() {
    if (!r_.sp()) {
      return false;
    }
    auto root = r_.astring();
    if (!root) {
      return false;
    }
    c_.args = QuotaRootArgs{std::move(*root)};
    return true;
  }

  bool setquota() {
    SetQuotaArgs a;
    if (!r_.sp()) {
      return false;
    }
    auto root = r_.astring();
    if (!root || !r_.sp() || !r_.expect('(')) {
      return false;
    }
    a.root = std::move(*root);
    std::size_t count = 0;
    while (!r_.eat(')')) {
      if (count > 0 && !r_.sp()) {
        return false;
      }
      if (!r_.count_item(count)) {
        return false;
      }
      const std::string_view name = r_.atom();
      if (name.empty() || !r_.sp()) {
        return r_.fail("Invalid quota resource");
      }
      auto limit = r_.number64();
      if (!limit) {
        return false;
      }
      a.limits.emplace_back(to_upper(name), *limit);
    }
    c_.args = std::move(a);
    return true;
  }

  bool compress() {
    if (!r_.sp()) {
      return false;
    }
    const std::string_view alg = r_.atom();
    if (alg.empty()) {
      return r_.fail("Expected compression algorithm");
    }
    c_.args = CompressArgs{to_upper(alg)};
    return true;
  }

  Reader& r_;
  Command& c_;
};

}  // namespace

namespace detail {

std::variant<Command, ParseError> parse_assembled(std::string_view text, const Limits& limits) {
  ParseError error;
  std::size_t tag_end = 0;
  while (tag_end < text.size() && detail::is_tag_char(static_cast<unsigned char>(text[tag_end]))) {
    ++tag_end;
  }
  if (tag_end == 0 || (tag_end < text.size() && text[tag_end] != ' ')) {
    error.text = text.empty() ? "Empty command line" : "Missing or invalid tag";
    return error;
  }
  if (tag_end == text.size()) {
    error.tag = std::string(text);
    error.text = "Missing command";
    return error;
  }
  error.tag = std::string(text.substr(0, tag_end));
  Reader r(text.substr(tag_end + 1), limits);
  Command c;
  c.tag = *error.tag;
  std::string_view name = r.atom();
  if (iequals(name, "UID")) {
    c.uid = true;
    if (!r.eat(' ')) {
      error.text = "UID needs a command";
      return error;
    }
    name = r.atom();
  }
  const auto kind = command_from_keyword(name);
  if (!kind || (c.uid && !allows_uid_prefix(*kind))) {
    error.text = name.empty() ? "Missing command" : "Unknown command";
    return error;
  }
  c.kind = *kind;
  Grammar g(r, c);
  if (g.parse() && !r.at_end()) {
    r.fail("Unexpected extra arguments");
  }
  if (r.failed()) {
    error.text = r.error();
    if (r.bad_name()) {
      error.kind = ParseErrorKind::bad_mailbox_name;
    } else if (r.too_big()) {
      error.kind = ParseErrorKind::too_big;
    }
    return error;
  }
  return c;
}

}  // namespace detail

std::variant<Command, ParseError> parse_command(std::string_view text, const Limits& limits) {
  if (text.size() >= 2 && text.substr(text.size() - 2) == "\r\n") {
    text.remove_suffix(2);
  } else if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  return detail::parse_assembled(text, limits);
}

}  // namespace postroom::imap
