#include "proto/imap/search.h"

#include "proto/imap/grammar.h"

namespace postroom::imap {
namespace detail {
namespace {

struct KeyName {
  std::string_view name;
  SearchKeyKind kind;
};

// Keys without arguments.
constexpr KeyName kPlainKeys[] = {
    {"ALL", SearchKeyKind::all},
    {"ANSWERED", SearchKeyKind::answered},
    {"DELETED", SearchKeyKind::deleted},
    {"DRAFT", SearchKeyKind::draft},
    {"FLAGGED", SearchKeyKind::flagged},
    {"RECENT", SearchKeyKind::recent},
    {"SEEN", SearchKeyKind::seen},
    {"NEW", SearchKeyKind::new_},
    {"OLD", SearchKeyKind::old},
    {"UNANSWERED", SearchKeyKind::unanswered},
    {"UNDELETED", SearchKeyKind::undeleted},
    {"UNDRAFT", SearchKeyKind::undraft},
    {"UNFLAGGED", SearchKeyKind::unflagged},
    {"UNSEEN", SearchKeyKind::unseen},
    {"SAVEDATESUPPORTED", SearchKeyKind::savedatesupported},
};
// Keys followed by one astring.
constexpr KeyName kStringKeys[] = {
    {"BCC", SearchKeyKind::bcc},   {"BODY", SearchKeyKind::body},       {"CC", SearchKeyKind::cc},
    {"FROM", SearchKeyKind::from}, {"SUBJECT", SearchKeyKind::subject}, {"TEXT", SearchKeyKind::text},
    {"TO", SearchKeyKind::to},
};
// Keys followed by a date.
constexpr KeyName kDateKeys[] = {
    {"BEFORE", SearchKeyKind::before},
    {"ON", SearchKeyKind::on},
    {"SINCE", SearchKeyKind::since},
    {"SENTBEFORE", SearchKeyKind::sentbefore},
    {"SENTON", SearchKeyKind::senton},
    {"SENTSINCE", SearchKeyKind::sentsince},
    {"SAVEDBEFORE", SearchKeyKind::savedbefore},
    {"SAVEDON", SearchKeyKind::savedon},
    {"SAVEDSINCE", SearchKeyKind::savedsince},
};

bool is_objectid(std::string_view s) {
  if (s.empty() || s.size() > 255) {
    return false;
  }
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

class SearchParser {
 public:
  explicit SearchParser(Reader& r) : r_(r) {}

  std::optional<SearchKey> key() {
    if (++keys_ > r_.limits().max_search_keys) {
      r_.fail("Too many search keys");
      return std::nullopt;
    }
    SearchKey k;
    const char c = r_.peek();
    if (c == '(') {
      r_.eat('(');
      if (!r_.enter()) {
        return std::nullopt;
      }
      k.kind = SearchKeyKind::and_;
      for (;;) {
        auto child = key();
        if (!child) {
          return std::nullopt;
        }
        k.children.push_back(std::move(*child));
        if (r_.eat(')')) {
          break;
        }
        if (!r_.sp()) {
          return std::nullopt;
        }
      }
      r_.leave();
      return k;
    }
    if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
      auto set = r_.sequence_set(true);
      if (!set) {
        return std::nullopt;
      }
      k.kind = SearchKeyKind::sequence_set;
      k.set = std::move(*set);
      return k;
    }
    const std::string_view name = r_.word();
    if (name.empty()) {
      r_.fail("Expected search key");
      return std::nullopt;
    }
    for (const KeyName& kn : kPlainKeys) {
      if (iequals(name, kn.name)) {
        k.kind = kn.kind;
        return k;
      }
    }
    for (const KeyName& kn : kStringKeys) {
      if (iequals(name, kn.name)) {
        k.kind = kn.kind;
        if (!r_.sp()) {
          return std::nullopt;
        }
        auto s = r_.astring();
        if (!s) {
          return std::nullopt;
        }
        k.text = std::move(*s);
        return k;
      }
    }
    for (const KeyName& kn : kDateKeys) {
      if (iequals(name, kn.name)) {
        k.kind = kn.kind;
        if (!r_.sp()) {
          return std::nullopt;
        }
        auto d = r_.date();
        if (!d) {
          return std::nullopt;
        }
        k.date = *d;
        return k;
      }
    }
    if (iequals(name, "NOT")) {
      k.kind = SearchKeyKind::not_;
      if (!r_.sp() || !r_.enter()) {
        return std::nullopt;
      }
      auto child = key();
      if (!child) {
        return std::nullopt;
      }
      r_.leave();
      k.children.push_back(std::move(*child));
      return k;
    }
    if (iequals(name, "OR")) {
      k.kind = SearchKeyKind::or_;
      if (!r_.sp() || !r_.enter()) {
        return std::nullopt;
      }
      auto a = key();
      if (!a || !r_.sp()) {
        return std::nullopt;
      }
      auto b = key();
      if (!b) {
        return std::nullopt;
      }
      r_.leave();
      k.children.push_back(std::move(*a));
      k.children.push_back(std::move(*b));
      return k;
    }
    if (iequals(name, "UID")) {
      k.kind = SearchKeyKind::uid;
      if (!r_.sp()) {
        return std::nullopt;
      }
      auto set = r_.sequence_set(true);
      if (!set) {
        return std::nullopt;
      }
      k.set = std::move(*set);
      return k;
    }
    if (iequals(name, "HEADER")) {
      k.kind = SearchKeyKind::header;
      if (!r_.sp()) {
        return std::nullopt;
      }
      auto field = r_.astring();
      if (!field || !r_.sp()) {
        return std::nullopt;
      }
      auto value = r_.astring();
      if (!value) {
        return std::nullopt;
      }
      k.field = std::move(*field);
      k.text = std::move(*value);
      return k;
    }
    if (iequals(name, "KEYWORD") || iequals(name, "UNKEYWORD")) {
      k.kind = iequals(name, "KEYWORD") ? SearchKeyKind::keyword : SearchKeyKind::unkeyword;
      if (!r_.sp()) {
        return std::nullopt;
      }
      const std::string_view kw = r_.atom();
      if (kw.empty()) {
        r_.fail("Invalid keyword");
        return std::nullopt;
      }
      k.text = std::string(kw);
      return k;
    }
    if (iequals(name, "LARGER") || iequals(name, "SMALLER")) {
      k.kind = iequals(name, "LARGER") ? SearchKeyKind::larger : SearchKeyKind::smaller;
      if (!r_.sp()) {
        return std::nullopt;
      }
      auto n = r_.number64();
      if (!n) {
        return std::nullopt;
      }
      k.number = *n;
      return k;
    }
    if (iequals(name, "OLDER") || iequals(name, "YOUNGER")) {
      k.kind = iequals(name, "OLDER") ? SearchKeyKind::older : SearchKeyKind::younger;
      if (!r_.sp()) {
        return std::nullopt;
      }
      auto n = r_.nz_number();
      if (!n) {
        return std::nullopt;
      }
      k.number = *n;
      return k;
    }
    if (iequals(name, "MODSEQ")) {
      k.kind = SearchKeyKind::modseq;
      if (!r_.sp()) {
        return std::nullopt;
      }
      if (r_.peek() == '"') {
        auto entry = r_.string();
        if (!entry || !r_.sp()) {
          return std::nullopt;
        }
        if (entry->size() <= 7 || !iequals(entry->substr(0, 7), "/flags/")) {
          r_.fail("Invalid MODSEQ entry name");
          return std::nullopt;
        }
        const std::string_view type = r_.word();
        if (iequals(type, "priv")) {
          k.entry_type = ModseqEntryType::priv;
        } else if (iequals(type, "shared")) {
          k.entry_type = ModseqEntryType::shared;
        } else if (iequals(type, "all")) {
          k.entry_type = ModseqEntryType::all;
        } else {
          r_.fail("Invalid MODSEQ entry type");
          return std::nullopt;
        }
        if (!r_.sp()) {
          return std::nullopt;
        }
        k.field = std::move(*entry);
      }
      auto n = r_.number64();
      if (!n) {
        return std::nullopt;
      }
      k.number = *n;
      return k;
    }
    if (iequals(name, "EMAILID") || iequals(name, "THREADID")) {
      k.kind = iequals(name, "EMAILID") ? SearchKeyKind::emailid : SearchKeyKind::threadid;
      if (!r_.sp()) {
        return std::nullopt;
      }
      const std::string_view id = r_.atom();
      if (!is_objectid(id)) {
        r_.fail("Invalid object id");
        return std::nullopt;
      }
      k.text = std::string(id);
      return k;
    }
    r_.fail("Unknown search key");
    return std::nullopt;
  }

 private:
  Reader& r_;
  std::size_t keys_ = 0;
};

}  // namespace

std::optional<SearchKey> search_program(Reader& r) {
  SearchParser parser(r);
  SearchKey top;
  top.kind = SearchKeyKind::and_;
  for (;;) {
    auto k = parser.key();
    if (!k) {
      return std::nullopt;
    }
    top.children.push_back(std::move(*k));
    if (r.at_end()) {
      return top;
    }
    if (!r.sp()) {
      return std::nullopt;
    }
  }
}

}  // namespace detail

Result<SearchKey> parse_search_program(std::string_view text, const SearchLimits& limits) {
  Limits l;
  l.max_search_keys = limits.max_keys;
  l.max_depth = limits.max_depth;
  l.sequence = limits.sequence;
  detail::Reader r(text, l);
  auto key = detail::search_program(r);
  if (!key) {
    return make_error(r.error().find("Too") == 0 ? ErrorKind::limit : ErrorKind::bad_syntax, r.error());
  }
  return std::move(*key);
}

namespace {

std::string_view kind_name(SearchKeyKind kind) {
  switch (kind) {
    case SearchKeyKind::and_: return "AND";
    case SearchKeyKind::or_: return "OR";
    case SearchKeyKind::not_: return "NOT";
    case SearchKeyKind::all: return "ALL";
    case SearchKeyKind::sequence_set: return "SEQ";
    case SearchKeyKind::uid: return "UID";
    case SearchKeyKind::answered: return "ANSWERED";
    case SearchKeyKind::deleted: return "DELETED";
    case SearchKeyKind::draft: return "DRAFT";
    case SearchKeyKind::flagged: return "FLAGGED";
    case SearchKeyKind::recent: return "RECENT";
    case SearchKeyKind::seen: return "SEEN";
    case SearchKeyKind::new_: return "NEW";
    case SearchKeyKind::old: return "OLD";
    case SearchKeyKind::unanswered: return "UNANSWERED";
    case SearchKeyKind::undeleted: return "UNDELETED";
    case SearchKeyKind::undraft: return "UNDRAFT";
    case SearchKeyKind::unflagged: return "UNFLAGGED";
    case SearchKeyKind::unseen: return "UNSEEN";
    case SearchKeyKind::keyword: return "KEYWORD";
    case SearchKeyKind::unkeyword: return "UNKEYWORD";
    case SearchKeyKind::bcc: return "BCC";
    case SearchKeyKind::body: return "BODY";
    case SearchKeyKind::cc: return "CC";
    case SearchKeyKind::from: return "FROM";
    case SearchKeyKind::subject: return "SUBJECT";
    case SearchKeyKind::text: return "TEXT";
    case SearchKeyKind::to: return "TO";
    case SearchKeyKind::header: return "HEADER";
    case SearchKeyKind::before: return "BEFORE";
    case SearchKeyKind::on: return "ON";
    case SearchKeyKind::since: return "SINCE";
    case SearchKeyKind::sentbefore: return "SENTBEFORE";
    case SearchKeyKind::senton: return "SENTON";
    case SearchKeyKind::sentsince: return "SENTSINCE";
    case SearchKeyKind::savedbefore: return "SAVEDBEFORE";
    case SearchKeyKind::savedon: return "SAVEDON";
    case SearchKeyKind::savedsince: return "SAVEDSINCE";
    case SearchKeyKind::savedatesupported: return "SAVEDATESUPPORTED";
    case SearchKeyKind::larger: return "LARGER";
    case SearchKeyKind::smaller: return "SMALLER";
    case SearchKeyKind::older: return "OLDER";
    case SearchKeyKind::younger: return "YOUNGER";
    case SearchKeyKind::modseq: return "MODSEQ";
    case SearchKeyKind::emailid: return "EMAILID";
    case SearchKeyKind::threadid: return "THREADID";
  }
  return "?";
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

void write_key(std::string& out, const SearchKey& k) {
  switch (k.kind) {
    case SearchKeyKind::and_:
      out += '(';
      for (std::size_t i = 0; i < k.children.size(); ++i) {
        if (i > 0) {
          out += ' ';
        }
        write_key(out, k.children[i]);
      }
      out += ')';
      return;
    case SearchKeyKind::or_:
    case SearchKeyKind::not_:
      out += kind_name(k.kind);
      for (const SearchKey& c : k.children) {
        out += ' ';
        write_key(out, c);
      }
      return;
    case SearchKeyKind::sequence_set: out += k.set.to_string(); return;
    case SearchKeyKind::uid: out += "UID " + k.set.to_string(); return;
    case SearchKeyKind::keyword:
    case SearchKeyKind::unkeyword:
    case SearchKeyKind::emailid:
    case SearchKeyKind::threadid: out += std::string(kind_name(k.kind)) + " " + k.text; return;
    case SearchKeyKind::bcc:
    case SearchKeyKind::body:
    case SearchKeyKind::cc:
    case SearchKeyKind::from:
    case SearchKeyKind::subject:
    case SearchKeyKind::text:
    case SearchKeyKind::to: out += std::string(kind_name(k.kind)) + " " + quote(k.text); return;
    case SearchKeyKind::header: out += "HEADER " + quote(k.field) + " " + quote(k.text); return;
    case SearchKeyKind::before:
    case SearchKeyKind::on:
    case SearchKeyKind::since:
    case SearchKeyKind::sentbefore:
    case SearchKeyKind::senton:
    case SearchKeyKind::sentsince:
    case SearchKeyKind::savedbefore:
    case SearchKeyKind::savedon:
    case SearchKeyKind::savedsince: out += std::string(kind_name(k.kind)) + " " + format_date(k.date); return;
    case SearchKeyKind::larger:
    case SearchKeyKind::smaller:
    case SearchKeyKind::older:
    case SearchKeyKind::younger: out += std::string(kind_name(k.kind)) + " " + std::to_string(k.number); return;
    case SearchKeyKind::modseq:
      out += "MODSEQ ";
      if (!k.field.empty()) {
        static constexpr std::string_view kTypes[] = {"", "priv", "shared", "all"};
        out += quote(k.field) + " " + std::string(kTypes[static_cast<int>(k.entry_type)]) + " ";
      }
      out += std::to_string(k.number);
      return;
    default: out += kind_name(k.kind); return;
  }
}

template <typename Pred>
bool any_key(const SearchKey& k, Pred pred) {
  if (pred(k)) {
    return true;
  }
  for (const SearchKey& c : k.children) {
    if (any_key(c, pred)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string to_string(const SearchKey& key) {
  std::string out;
  write_key(out, key);
  return out;
}

bool uses_modseq(const SearchKey& key) {
  return any_key(key, [](const SearchKey& k) { return k.kind == SearchKeyKind::modseq; });
}

bool uses_saved_result(const SearchKey& key) {
  return any_key(key, [](const SearchKey& k) {
    return (k.kind == SearchKeyKind::sequence_set || k.kind == SearchKeyKind::uid) && k.set.is_saved();
  });
}

}  // namespace postroom::imap
