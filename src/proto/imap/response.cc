#include "proto/imap/response.h"

#include "proto/imap/mutf7.h"
#include "proto/imap/reader.h"

namespace postroom::imap {
namespace {

// Quoted strings longer than this are sent as literals: keeps lines short and avoids
// escaping cost on big values.
constexpr std::size_t kMaxQuoted = 1024;

// resp-text: one line, no controls, cannot start with "[" (which would read as a code).
void append_text(std::string& out, std::string_view text) {
  if (text.empty()) {
    return;
  }
  const std::size_t start = out.size();
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (out[start] == '[') {
    out.insert(start, 1, ' ');
  }
}

std::string_view condition_name(Condition c) {
  switch (c) {
    case Condition::ok: return "OK";
    case Condition::no: return "NO";
    case Condition::bad: return "BAD";
    case Condition::bye: return "BYE";
    case Condition::preauth: return "PREAUTH";
  }
  return "BAD";
}

std::string status_line(std::string_view prefix, Condition condition, const ResponseCode* code, std::string_view text) {
  std::string out(prefix);
  out += ' ';
  out += condition_name(condition);
  if (code != nullptr) {
    out += " [";
    out += code_name(code->code);
    if (!code->data.empty()) {
      out += ' ';
      for (char c : code->data) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f || c == ']') ? ' ' : c;
      }
    }
    out += ']';
  }
  // resp-text = ["[" resp-text-code "]" SP] [text]; RFC 9051 needs the SP before text.
  out += ' ';
  std::string body;
  append_text(body, text.empty() ? std::string_view(condition == Condition::ok ? "done" : "failed") : text);
  out += body;
  out += "\r\n";
  return out;
}

bool is_atom(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (unsigned char c : s) {
    // '[' is an ATOM-CHAR, but clients read "x[" as the start of a section: never written
    // unquoted.
    if (!detail::is_atom_char(c) || c == '[') {
      return false;
    }
  }
  return !detail::iequals(s, "NIL");
}

bool quotable(std::string_view s, bool allow_utf8) {
  if (s.size() > kMaxQuoted) {
    return false;
  }
  for (unsigned char c : s) {
    if (c == 0 || c == '\r' || c == '\n') {
      return false;
    }
    if (c >= 0x80 && !allow_utf8) {
      return false;
    }
  }
  return !allow_utf8 || is_valid_utf8(s);
}

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
}

std::string numbers_line(std::string_view name, std::span<const std::uint32_t> numbers,
                         std::optional<std::uint64_t> modseq) {
  std::string out = "* ";
  out += name;
  for (std::uint32_t n : numbers) {
    out += ' ';
    out += std::to_string(n);
  }
  if (modseq) {
    out += " (MODSEQ " + std::to_string(*modseq) + ")";
  }
  out += "\r\n";
  return out;
}

void append_delimiter(std::string& out, std::optional<char> d) {
  if (!d) {
    out += "NIL";
    return;
  }
  const char c = *d;
  out += '"';
  if (c == '"' || c == '\\') {
    out += '\\';
  }
  // A delimiter is QUOTED-CHAR: a CR/LF/NUL delimiter is a configuration error; write '/'.
  out += (c == '\r' || c == '\n' || c == '\0' || static_cast<unsigned char>(c) >= 0x80) ? '/' : c;
  out += '"';
}

void append_flag_list(std::string& out, std::span<const std::string> flags) {
  out += '(';
  bool first = true;
  for (const std::string& f : flags) {
    // Flags are atoms, optionally "\" + atom, or "\*". Anything else cannot be written as a
    // flag and is skipped rather than allowed to break the syntax.
    std::string_view body = f;
    if (!body.empty() && body[0] == '\\') {
      body.remove_prefix(1);
    }
    // '[' is an ATOM-CHAR, but clients' tokenizers read "x[" as the start of a section
    // ("BODY["), so such flags are not written at all.
    const bool valid =
        (body == "*" && f.size() == 2) || is_atom(body) || (f.size() > 1 && detail::iequals(body, "NIL"));
    if (!valid || body.find('[') != std::string_view::npos) {
      continue;
    }
    if (!first) {
      out += ' ';
    }
    first = false;
    out += f;
  }
  out += ')';
}

}  // namespace

std::string_view code_name(Code code) {
  switch (code) {
    case Code::alert: return "ALERT";
    case Code::badcharset: return "BADCHARSET";
    case Code::capability: return "CAPABILITY";
    case Code::parse: return "PARSE";
    case Code::permanentflags: return "PERMANENTFLAGS";
    case Code::read_only: return "READ-ONLY";
    case Code::read_write: return "READ-WRITE";
    case Code::trycreate: return "TRYCREATE";
    case Code::uidnext: return "UIDNEXT";
    case Code::uidvalidity: return "UIDVALIDITY";
    case Code::unseen: return "UNSEEN";
    case Code::appenduid: return "APPENDUID";
    case Code::copyuid: return "COPYUID";
    case Code::uidnotsticky: return "UIDNOTSTICKY";
    case Code::highestmodseq: return "HIGHESTMODSEQ";
    case Code::nomodseq: return "NOMODSEQ";
    case Code::modified: return "MODIFIED";
    case Code::closed: return "CLOSED";
    case Code::toobig: return "TOOBIG";
    case Code::overquota: return "OVERQUOTA";
    case Code::alreadyexists: return "ALREADYEXISTS";
    case Code::nonexistent: return "NONEXISTENT";
    case Code::cannot: return "CANNOT";
    case Code::limit: return "LIMIT";
    case Code::inuse: return "INUSE";
    case Code::noperm: return "NOPERM";
    case Code::serverbug: return "SERVERBUG";
    case Code::unavailable: return "UNAVAILABLE";
    case Code::authenticationfailed: return "AUTHENTICATIONFAILED";
    case Code::authorizationfailed: return "AUTHORIZATIONFAILED";
    case Code::expired: return "EXPIRED";
    case Code::privacyrequired: return "PRIVACYREQUIRED";
    case Code::contactadmin: return "CONTACTADMIN";
    case Code::expungeissued: return "EXPUNGEISSUED";
    case Code::corruption: return "CORRUPTION";
    case Code::mailboxid: return "MAILBOXID";
    case Code::notsaved: return "NOTSAVED";
    case Code::haschildren: return "HASCHILDREN";
    case Code::unknown_cte: return "UNKNOWN-CTE";
    case Code::clientbug: return "CLIENTBUG";
    case Code::useattr: return "USEATTR";
  }
  return "ALERT";
}

namespace codes {
ResponseCode uidnext(std::uint32_t uid) {
  return {Code::uidnext, std::to_string(uid)};
}
ResponseCode uidvalidity(std::uint32_t v) {
  return {Code::uidvalidity, std::to_string(v)};
}
ResponseCode unseen(std::uint32_t seq) {
  return {Code::unseen, std::to_string(seq)};
}
ResponseCode highestmodseq(std::uint64_t m) {
  return {Code::highestmodseq, std::to_string(m)};
}
ResponseCode permanentflags(std::span<const std::string> flags) {
  std::string data;
  append_flag_list(data, flags);
  return {Code::permanentflags, data};
}
ResponseCode capability(std::span<const std::string> capabilities) {
  std::string data;
  for (const std::string& c : capabilities) {
    if (!is_atom(c)) {
      continue;
    }
    if (!data.empty()) {
      data += ' ';
    }
    data += c;
  }
  return {Code::capability, data};
}
ResponseCode badcharset(std::span<const std::string> charsets) {
  if (charsets.empty()) {
    return {Code::badcharset, ""};
  }
  std::string data = "(";
  bool first = true;
  for (const std::string& c : charsets) {
    // Charset names are server-chosen; one that would need a literal cannot sit inside a
    // response code, so it is left out.
    if (!is_atom(c) && !quotable(c, false)) {
      continue;
    }
    if (!first) {
      data += ' ';
    }
    first = false;
    if (is_atom(c) && c.find('[') == std::string::npos) {
      data += c;
    } else {
      append_quoted(data, c);
    }
  }
  data += ')';
  return {Code::badcharset, data};
}
ResponseCode appenduid(std::uint32_t uidvalidity, std::span<const std::uint32_t> uids) {
  return {Code::appenduid, std::to_string(uidvalidity) + " " + format_uid_set(uids)};
}
ResponseCode copyuid(std::uint32_t uidvalidity, std::span<const std::uint32_t> source_uids,
                     std::span<const std::uint32_t> dest_uids) {
  // The two sets correspond element by element (RFC 4315 §3), so they are written in the
  // given order, compacting only runs that ascend by one in both.
  auto write = [](std::span<const std::uint32_t> v) {
    std::string out;
    std::size_t i = 0;
    while (i < v.size()) {
      std::size_t j = i;
      while (j + 1 < v.size() && v[j + 1] == v[j] + 1) {
        ++j;
      }
      if (!out.empty()) {
        out += ',';
      }
      out += std::to_string(v[i]);
      if (j > i) {
        out += ':' + std::to_string(v[j]);
      }
      i = j + 1;
    }
    return out;
  };
  return {Code::copyuid, std::to_string(uidvalidity) + " " + write(source_uids) + " " + write(dest_uids)};
}
ResponseCode modified(std::span<const std::uint32_t> numbers) {
  return {Code::modified, format_uid_set(numbers)};
}
ResponseCode mailboxid(std::string_view objectid) {
  std::string id;
  for (char c : objectid) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      id += c;
    }
  }
  return {Code::mailboxid, "(" + id + ")"};
}
}  // namespace codes

std::string tagged(std::string_view tag, Condition condition, std::string_view text) {
  return status_line(tag, condition, nullptr, text);
}
std::string tagged(std::string_view tag, Condition condition, const ResponseCode& code, std::string_view text) {
  return status_line(tag, condition, &code, text);
}
std::string untagged(Condition condition, std::string_view text) {
  return status_line("*", condition, nullptr, text);
}
std::string untagged(Condition condition, const ResponseCode& code, std::string_view text) {
  return status_line("*", condition, &code, text);
}

std::string continuation(std::string_view text) {
  std::string out = "+ ";
  append_text(out, text);
  out += "\r\n";
  return out;
}

std::string response_for(const ParseError& error) {
  if (error.close_connection) {
    return untagged(Condition::bye, ResponseCode{Code::toobig, ""}, error.text);
  }
  // The tag is echoed; it was validated as tag chars by the parser.
  bool tag_ok = error.tag && !error.tag->empty();
  if (tag_ok) {
    for (unsigned char c : *error.tag) {
      if (!detail::is_tag_char(c)) {
        tag_ok = false;
      }
    }
  }
  const std::string tag = tag_ok ? *error.tag : "*";
  switch (error.kind) {
    case ParseErrorKind::too_big:
      return status_line(tag, Condition::bad, &static_cast<const ResponseCode&>(ResponseCode{Code::toobig, ""}),
                         error.text);
    case ParseErrorKind::bad_mailbox_name:
      if (tag_ok) {
        const ResponseCode code{Code::cannot, ""};
        return status_line(tag, Condition::no, &code, error.text);
      }
      break;
    case ParseErrorKind::bad: break;
  }
  return status_line(tag, Condition::bad, nullptr, error.text);
}

std::string exists_response(std::uint32_t count) {
  return "* " + std::to_string(count) + " EXISTS\r\n";
}
std::string recent_response(std::uint32_t count) {
  return "* " + std::to_string(count) + " RECENT\r\n";
}
std::string expunge_response(std::uint32_t seq) {
  return "* " + std::to_string(seq) + " EXPUNGE\r\n";
}

std::string vanished_response(std::span<const Interval> uids, bool earlier) {
  if (uids.empty()) {
    return "";
  }
  std::string out = earlier ? "* VANISHED (EARLIER) " : "* VANISHED ";
  out += format_intervals(uids);
  out += "\r\n";
  return out;
}

std::string vanished_response(std::span<const std::uint32_t> uids, bool earlier) {
  const std::vector<Interval> iv = to_intervals(uids);
  return vanished_response(std::span<const Interval>(iv), earlier);
}

std::string flags_response(std::span<const std::string> flags) {
  std::string out = "* FLAGS ";
  append_flag_list(out, flags);
  out += "\r\n";
  return out;
}

std::string capability_response(std::span<const std::string> capabilities) {
  std::string out = "* CAPABILITY";
  for (const std::string& c : capabilities) {
    if (is_atom(c)) {
      out += ' ';
      out += c;
    }
  }
  out += "\r\n";
  return out;
}

std::string enabled_response(std::span<const std::string> capabilities) {
  std::string out = "* ENABLED";
  for (const std::string& c : capabilities) {
    if (is_atom(c)) {
      out += ' ';
      out += c;
    }
  }
  out += "\r\n";
  return out;
}

std::string list_response(const ListEntry& entry, bool utf8, bool lsub) {
  std::string out = lsub ? "* LSUB " : "* LIST ";
  append_flag_list(out, entry.attributes);
  out += ' ';
  append_delimiter(out, entry.delimiter);
  out += ' ';
  append_mailbox(out, entry.mailbox, utf8);
  if (!entry.childinfo.empty() || entry.oldname) {
    out += " (";
    bool first = true;
    if (!entry.childinfo.empty()) {
      out += "\"CHILDINFO\" (";
      for (std::size_t i = 0; i < entry.childinfo.size(); ++i) {
        if (i > 0) {
          out += ' ';
        }
        append_string(out, entry.childinfo[i]);
      }
      out += ')';
      first = false;
    }
    if (entry.oldname) {
      if (!first) {
        out += ' ';
      }
      out += "\"OLDNAME\" (";
      append_mailbox(out, *entry.oldname, utf8);
      out += ')';
    }
    out += ')';
  }
  out += "\r\n";
  return out;
}

std::string status_response(std::string_view mailbox, std::span<const std::pair<StatusItem, std::uint64_t>> items,
                            bool utf8) {
  std::string out = "* STATUS ";
  append_mailbox(out, mailbox, utf8);
  out += " (";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    out += status_item_name(items[i].first);
    out += ' ';
    if (items[i].first == StatusItem::mailboxid) {
      out += "(" + std::to_string(items[i].second) + ")";
    } else {
      out += std::to_string(items[i].second);
    }
  }
  out += ")\r\n";
  return out;
}

std::string status_response(std::string_view mailbox, std::span<const std::pair<StatusItem, std::uint64_t>> items,
                            bool utf8, std::string_view mailboxid) {
  std::vector<std::pair<StatusItem, std::uint64_t>> rest;
  for (const auto& item : items) {
    if (item.first != StatusItem::mailboxid) {
      rest.push_back(item);
    }
  }
  std::string out = status_response(mailbox, rest, utf8);
  out.resize(out.size() - 3);  // ")\r\n"
  if (!rest.empty()) {
    out += ' ';
  }
  out += "MAILBOXID " + codes::mailboxid(mailboxid).data + ")\r\n";
  return out;
}

std::string esearch_response(const EsearchResult& r) {
  std::string out = "* ESEARCH";
  if (!r.tag.empty()) {
    out += " (TAG ";
    append_string(out, r.tag);
    out += ')';
  }
  if (r.uid) {
    out += " UID";
  }
  if (r.min) {
    out += " MIN " + std::to_string(*r.min);
  }
  if (r.max) {
    out += " MAX " + std::to_string(*r.max);
  }
  if (r.count) {
    out += " COUNT " + std::to_string(*r.count);
  }
  if (r.all && !r.all->empty()) {
    out += " ALL " + format_intervals(*r.all);
  }
  if (r.modseq) {
    out += " MODSEQ " + std::to_string(*r.modseq);
  }
  out += "\r\n";
  return out;
}

std::string search_response(std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq) {
  return numbers_line("SEARCH", numbers, numbers.empty() ? std::nullopt : modseq);
}

std::string sort_response(std::span<const std::uint32_t> numbers, std::optional<std::uint64_t> modseq) {
  return numbers_line("SORT", numbers, numbers.empty() ? std::nullopt : modseq);
}

void release_threads(std::vector<ThreadNode>& roots) {
  std::vector<ThreadNode> pending = std::move(roots);
  roots.clear();
  while (!pending.empty()) {
    ThreadNode node = std::move(pending.back());
    pending.pop_back();
    for (auto& child : node.children) {
      pending.push_back(std::move(child));
    }
    node.children.clear();  // only moved-from, childless nodes are destroyed here
  }
}

std::string thread_response(std::span<const ThreadNode> roots) {
  // RFC 5256 §4: thread-list = "(" (thread-members / thread-nested) ")"; members are a chain
  // of single children written with SP; a node with two or more children ends the chain
  // with one nested list per child. Dummy nodes (number 0) print nothing. Written with an
  // explicit stack so that a deep thread cannot overflow ours.
  std::string out = "* THREAD";
  std::vector<const ThreadNode*> stack;  // nullptr: close a list
  bool first_root = true;
  for (auto it = roots.begin(); it != roots.end(); ++it) {
    stack.push_back(&*it);
    while (!stack.empty()) {
      const ThreadNode* node = stack.back();
      stack.pop_back();
      if (node == nullptr) {
        out += ')';
        continue;
      }
      // Walk the chain first: a chain that prints nothing and does not branch is skipped.
      std::string members;
      const ThreadNode* n = node;
      for (;;) {
        if (n->number != 0) {
          if (!members.empty()) {
            members += ' ';
          }
          members += std::to_string(n->number);
        }
        if (n->children.size() == 1) {
          n = &n->children[0];
          continue;
        }
        break;
      }
      if (members.empty() && n->children.size() < 2) {
        continue;
      }
      if (first_root) {
        out += ' ';
        first_root = false;
      }
      out += '(';
      out += members;
      stack.push_back(nullptr);
      if (n->children.size() >= 2) {
        if (!members.empty()) {
          out += ' ';
        }
        for (auto c = n->children.rbegin(); c != n->children.rend(); ++c) {
          stack.push_back(&*c);
        }
      }
    }
  }
  out += "\r\n";
  return out;
}

std::string id_response(const std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>>& params) {
  if (!params || params->empty()) {
    return "* ID NIL\r\n";
  }
  std::string out = "* ID (";
  for (std::size_t i = 0; i < params->size(); ++i) {
    if (i > 0) {
      out += ' ';
    }
    append_string(out, (*params)[i].first);
    out += ' ';
    const auto& v = (*params)[i].second;
    append_nstring(out, v ? std::optional<std::string_view>(*v) : std::nullopt);
  }
  out += ")\r\n";
  return out;
}

std::string namespace_response(std::span<const NamespaceEntry> personal, std::span<const NamespaceEntry> other,
                               std::span<const NamespaceEntry> shared, bool utf8) {
  std::string out = "* NAMESPACE";
  for (auto list : {personal, other, shared}) {
    out += ' ';
    if (list.empty()) {
      out += "NIL";
      continue;
    }
    out += '(';
    for (const NamespaceEntry& e : list) {
      out += '(';
      // The prefix is a string (not an astring): always quoted or literal.
      std::string wire = e.prefix;
      if (!utf8) {
        if (auto enc = mutf7_encode(e.prefix)) {
          wire = *enc;
        }
      }
      append_string(out, wire, utf8);
      out += ' ';
      append_delimiter(out, e.delimiter);
      out += ')';
    }
    out += ')';
  }
  out += "\r\n";
  return out;
}

std::string quota_response(std::string_view root, std::span<const QuotaResource> resources) {
  std::string out = "* QUOTA ";
  append_astring(out, root);
  out += " (";
  bool first = true;
  for (const QuotaResource& r : resources) {
    if (!is_atom(r.name)) {
      continue;
    }
    if (!first) {
      out += ' ';
    }
    first = false;
    out += r.name + " " + std::to_string(r.usage) + " " + std::to_string(r.limit);
  }
  out += ")\r\n";
  return out;
}

std::string quotaroot_response(std::string_view mailbox, std::span<const std::string> roots, bool utf8) {
  std::string out = "* QUOTAROOT ";
  append_mailbox(out, mailbox, utf8);
  for (const std::string& r : roots) {
    out += ' ';
    append_astring(out, r);
  }
  out += "\r\n";
  return out;
}

FetchResponse::FetchResponse(std::uint32_t seq) : out_("* " + std::to_string(seq) + " FETCH (") {}

void FetchResponse::begin_item(std::string_view name) {
  if (!first_) {
    out_ += ' ';
  }
  first_ = false;
  out_ += name;
  out_ += ' ';
}

void FetchResponse::uid(std::uint32_t uid) {
  begin_item("UID");
  out_ += std::to_string(uid);
}

void FetchResponse::flags(std::span<const std::string> flags) {
  begin_item("FLAGS");
  append_flag_list(out_, flags);
}

void FetchResponse::internaldate(const DateTime& dt) {
  begin_item("INTERNALDATE");
  out_ += format_date_time(dt);
}

void FetchResponse::rfc822_size(std::uint64_t size) {
  number("RFC822.SIZE", size);
}

void FetchResponse::modseq(std::uint64_t modseq) {
  begin_item("MODSEQ");
  out_ += "(" + std::to_string(modseq) + ")";
}

namespace {
std::string objectid(std::string_view id) {
  std::string out;
  for (char c : id) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
      out += c;
    }
  }
  return out.empty() ? "_" : out;
}
}  // namespace

void FetchResponse::emailid(std::string_view id) {
  begin_item("EMAILID");
  out_ += "(" + objectid(id) + ")";
}

void FetchResponse::threadid(std::optional<std::string_view> id) {
  begin_item("THREADID");
  out_ += id ? "(" + objectid(*id) + ")" : std::string("NIL");
}

void FetchResponse::savedate(const std::optional<DateTime>& dt) {
  begin_item("SAVEDATE");
  out_ += dt ? format_date_time(*dt) : std::string("NIL");
}

void FetchResponse::string(std::string_view name, std::optional<std::string_view> value) {
  begin_item(name);
  append_nstring(out_, value);
}

void FetchResponse::body(std::string_view name, std::string_view bytes, bool binary) {
  begin_item(name);
  append_literal(out_, bytes, binary);
}

void FetchResponse::number(std::string_view name, std::uint64_t value) {
  begin_item(name);
  out_ += std::to_string(value);
}

void FetchResponse::raw(std::string_view name, std::string_view value) {
  begin_item(name);
  out_ += value;
}

std::string FetchResponse::finish() && {
  out_ += ")\r\n";
  return std::move(out_);
}

void append_astring(std::string& out, std::string_view value) {
  bool atom = !value.empty();
  for (unsigned char c : value) {
    // '[' and ']' are allowed in an astring, but quoting them keeps client tokenizers from
    // reading a section ("x[...]<n>").
    if (!detail::is_astring_char(c) || c == '[' || c == ']') {
      atom = false;
      break;
    }
  }
  if (atom && !detail::iequals(value, "NIL")) {
    out += value;
  } else {
    append_string(out, value);
  }
}

void append_string(std::string& out, std::string_view value, bool allow_utf8) {
  if (quotable(value, allow_utf8)) {
    append_quoted(out, value);
  } else {
    append_literal(out, value, false);
  }
}

void append_nstring(std::string& out, std::optional<std::string_view> value, bool allow_utf8) {
  if (!value) {
    out += "NIL";
    return;
  }
  append_string(out, *value, allow_utf8);
}

void append_literal(std::string& out, std::string_view bytes, bool binary) {
  if (binary) {
    out += '~';
  }
  out += '{';
  out += std::to_string(bytes.size());
  out += "}\r\n";
  const std::size_t start = out.size();
  out += bytes;
  if (!binary) {
    // A literal is CHAR8 (RFC 9051 §9): no NUL. Stored messages may contain NUL; outside
    // BINARY it is sent as 0x80, keeping the size (what Dovecot does too).
    for (std::size_t i = start; i < out.size(); ++i) {
      if (out[i] == '\0') {
        out[i] = static_cast<char>(0x80);
      }
    }
  }
}

void append_mailbox(std::string& out, std::string_view name, bool utf8) {
  if (utf8) {
    bool atom = !name.empty();
    for (unsigned char c : name) {
      if (!detail::is_astring_char(c) || c == '[' || c == ']') {
        atom = false;
      }
    }
    if (atom && !detail::iequals(name, "NIL")) {
      out += name;
    } else {
      append_string(out, name, true);
    }
    return;
  }
  auto encoded = mutf7_encode(name);
  // Names come from the store as valid UTF-8; an invalid one is written raw as a literal
  // rather than dropped, so the client can still act on it.
  if (!encoded) {
    append_literal(out, name);
    return;
  }
  append_astring(out, *encoded);
}

}  // namespace postroom::imap
