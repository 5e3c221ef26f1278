#include "proto/imap/fetch.h"

#include "proto/imap/grammar.h"

namespace postroom::imap {
namespace detail {
namespace {

// section-part and section-text between "[" and "]"; binary: part numbers only.
bool section(Reader& r, Section& out, bool binary) {
  if (!r.expect('[')) {
    return false;
  }
  if (r.eat(']')) {
    return true;
  }
  // Part numbers.
  bool text_required = false;  // "1." must be followed by a section-text
  while (r.peek() >= '0' && r.peek() <= '9') {
    auto n = r.nz_number();
    if (!n) {
      return false;
    }
    if (out.part.size() >= 100) {
      return r.fail("Section part too deep");
    }
    out.part.push_back(*n);
    if (!r.eat('.')) {
      break;
    }
    if (r.peek() < '0' || r.peek() > '9') {
      if (binary) {
        return r.fail("Invalid BINARY section");
      }
      text_required = true;
      break;  // section-text follows
    }
  }
  if (!binary && (r.peek() != ']' || text_required)) {
    const std::string_view name = r.word();
    if (iequals(name, "HEADER")) {
      out.text = SectionText::header;
    } else if (iequals(name, "TEXT")) {
      out.text = SectionText::text;
    } else if (iequals(name, "MIME") && !out.part.empty()) {
      out.text = SectionText::mime;
    } else if (iequals(name, "HEADER.FIELDS") || iequals(name, "HEADER.FIELDS.NOT")) {
      out.text = iequals(name, "HEADER.FIELDS") ? SectionText::header_fields : SectionText::header_fields_not;
      if (!r.sp() || !r.expect('(')) {
        return false;
      }
      std::size_t count = 0;
      for (;;) {
        if (!r.count_item(count)) {
          return false;
        }
        auto field = r.astring();
        if (!field) {
          return false;
        }
        if (field->empty()) {
          return r.fail("Empty header field name");
        }
        out.fields.push_back(std::move(*field));
        if (r.eat(')')) {
          break;
        }
        if (!r.sp()) {
          return false;
        }
      }
    } else {
      return r.fail("Invalid section");
    }
  }
  return r.expect(']');
}

bool partial(Reader& r, std::optional<Partial>& out) {
  if (!r.eat('<')) {
    return true;
  }
  auto offset = r.number();
  if (!offset || !r.expect('.')) {
    return false;
  }
  auto length = r.nz_number();
  if (!length || !r.expect('>')) {
    return false;
  }
  out = Partial{*offset, *length};
  return true;
}

struct Simple {
  std::string_view name;
  FetchAttr attr;
};
constexpr Simple kSimple[] = {
    {"ENVELOPE", FetchAttr::envelope},
    {"FLAGS", FetchAttr::flags},
    {"INTERNALDATE", FetchAttr::internaldate},
    {"RFC822", FetchAttr::rfc822},
    {"RFC822.HEADER", FetchAttr::rfc822_header},
    {"RFC822.SIZE", FetchAttr::rfc822_size},
    {"RFC822.TEXT", FetchAttr::rfc822_text},
    {"BODYSTRUCTURE", FetchAttr::bodystructure},
    {"UID", FetchAttr::uid},
    {"MODSEQ", FetchAttr::modseq},
    {"SAVEDATE", FetchAttr::savedate},
    {"EMAILID", FetchAttr::emailid},
    {"THREADID", FetchAttr::threadid},
};

bool fetch_att(Reader& r, FetchItem& item) {
  const std::string_view name = r.word();
  if (name.empty()) {
    return r.fail("Expected fetch attribute");
  }
  for (const Simple& s : kSimple) {
    if (iequals(name, s.name)) {
      item.attr = s.attr;
      return true;
    }
  }
  if (iequals(name, "BODY") || iequals(name, "BODY.PEEK")) {
    item.peek = iequals(name, "BODY.PEEK");
    if (r.peek() != '[') {
      if (item.peek) {
        return r.fail("BODY.PEEK needs a section");
      }
      item.attr = FetchAttr::body;
      return true;
    }
    item.attr = FetchAttr::body_section;
    return section(r, item.section, false) && partial(r, item.partial);
  }
  if (iequals(name, "BINARY") || iequals(name, "BINARY.PEEK")) {
    item.peek = iequals(name, "BINARY.PEEK");
    item.attr = FetchAttr::binary;
    return section(r, item.section, true) && partial(r, item.partial);
  }
  if (iequals(name, "BINARY.SIZE")) {
    item.attr = FetchAttr::binary_size;
    return section(r, item.section, true);
  }
  return r.fail("Unknown fetch attribute");
}

void add(FetchArgs& out, FetchAttr attr) {
  FetchItem item;
  item.attr = attr;
  out.items.push_back(item);
}

}  // namespace

bool fetch_items(Reader& r, FetchArgs& out, bool uid) {
  if (r.eat('(')) {
    std::size_t count = 0;
    for (;;) {
      if (!r.count_item(count)) {
        return false;
      }
      FetchItem item;
      if (!fetch_att(r, item)) {
        return false;
      }
      out.items.push_back(std::move(item));
      if (r.eat(')')) {
        break;
      }
      if (!r.sp()) {
        return false;
      }
    }
  } else if (r.keyword("ALL")) {
    out.macro = FetchMacro::all;
  } else if (r.keyword("FAST")) {
    out.macro = FetchMacro::fast;
  } else if (r.keyword("FULL")) {
    out.macro = FetchMacro::full;
  } else {
    FetchItem item;
    if (!fetch_att(r, item)) {
      return false;
    }
    out.items.push_back(std::move(item));
  }
  if (out.macro != FetchMacro::none) {
    add(out, FetchAttr::flags);
    add(out, FetchAttr::internaldate);
    add(out, FetchAttr::rfc822_size);
    if (out.macro != FetchMacro::fast) {
      add(out, FetchAttr::envelope);
    }
    if (out.macro == FetchMacro::full) {
      add(out, FetchAttr::body);
    }
  }
  // fetch-modifiers (RFC 7162 §3.1.4, §3.2.6).
  if (r.at_end()) {
    return true;
  }
  if (!r.sp() || !r.expect('(')) {
    return false;
  }
  std::size_t count = 0;
  for (;;) {
    if (!r.count_item(count)) {
      return false;
    }
    if (r.keyword("CHANGEDSINCE")) {
      if (out.changedsince || !r.sp()) {
        return r.fail("Invalid CHANGEDSINCE");
      }
      auto n = r.nz_number64();
      if (!n) {
        return false;
      }
      out.changedsince = *n;
    } else if (r.keyword("VANISHED")) {
      out.vanished = true;
    } else {
      return r.fail("Unknown fetch modifier");
    }
    if (r.eat(')')) {
      break;
    }
    if (!r.sp()) {
      return false;
    }
  }
  if (out.vanished && (!uid || !out.changedsince)) {
    return r.fail("VANISHED needs UID FETCH and CHANGEDSINCE");
  }
  return true;
}

}  // namespace detail

std::string section_spec(const Section& section) {
  std::string out;
  for (std::size_t i = 0; i < section.part.size(); ++i) {
    if (i > 0) {
      out += '.';
    }
    out += std::to_string(section.part[i]);
  }
  auto text = [&](std::string_view t) {
    if (!out.empty()) {
      out += '.';
    }
    out += t;
  };
  switch (section.text) {
    case SectionText::none: break;
    case SectionText::header: text("HEADER"); break;
    case SectionText::text: text("TEXT"); break;
    case SectionText::mime: text("MIME"); break;
    case SectionText::header_fields:
    case SectionText::header_fields_not:
      text(section.text == SectionText::header_fields ? "HEADER.FIELDS (" : "HEADER.FIELDS.NOT (");
      for (std::size_t i = 0; i < section.fields.size(); ++i) {
        if (i > 0) {
          out += ' ';
        }
        // Field names are astrings; write atoms as is, anything else quoted/literal by the
        // response writer's rules would need response.h — field names from the parser are
        // atoms or strings without CR/LF, so quote when not an atom.
        bool atom = !section.fields[i].empty();
        for (unsigned char c : section.fields[i]) {
          if (!detail::is_astring_char(c) || c == '[') {
            atom = false;
          }
        }
        if (atom) {
          out += section.fields[i];
        } else {
          out += '"';
          for (char c : section.fields[i]) {
            if (c == '"' || c == '\\') {
              out += '\\';
            }
            out += c;
          }
          out += '"';
        }
      }
      out += ')';
      break;
  }
  return out;
}

std::string fetch_response_name(const FetchItem& item) {
  switch (item.attr) {
    case FetchAttr::body_section:
    case FetchAttr::binary: {
      std::string out = item.attr == FetchAttr::binary ? "BINARY[" : "BODY[";
      out += section_spec(item.section);
      out += ']';
      if (item.partial) {
        out += '<' + std::to_string(item.partial->offset) + '>';
      }
      return out;
    }
    case FetchAttr::binary_size: return "BINARY.SIZE[" + section_spec(item.section) + "]";
    default: return to_string(item);
  }
}

bool sets_seen(const FetchItem& item) {
  switch (item.attr) {
    case FetchAttr::rfc822:
    case FetchAttr::rfc822_text: return true;
    case FetchAttr::body_section:
    case FetchAttr::binary: return !item.peek;
    default: return false;
  }
}

std::string to_string(const FetchItem& item) {
  switch (item.attr) {
    case FetchAttr::envelope: return "ENVELOPE";
    case FetchAttr::flags: return "FLAGS";
    case FetchAttr::internaldate: return "INTERNALDATE";
    case FetchAttr::rfc822: return "RFC822";
    case FetchAttr::rfc822_header: return "RFC822.HEADER";
    case FetchAttr::rfc822_size: return "RFC822.SIZE";
    case FetchAttr::rfc822_text: return "RFC822.TEXT";
    case FetchAttr::body: return "BODY";
    case FetchAttr::bodystructure: return "BODYSTRUCTURE";
    case FetchAttr::uid: return "UID";
    case FetchAttr::modseq: return "MODSEQ";
    case FetchAttr::savedate: return "SAVEDATE";
    case FetchAttr::emailid: return "EMAILID";
    case FetchAttr::threadid: return "THREADID";
    case FetchAttr::body_section:
    case FetchAttr::binary: {
      std::string out = item.attr == FetchAttr::binary ? "BINARY" : "BODY";
      out += item.peek ? ".PEEK[" : "[";
      out += section_spec(item.section);
      out += ']';
      if (item.partial) {
        out += '<' + std::to_string(item.partial->offset) + '.' + std::to_string(item.partial->length) + '>';
      }
      return out;
    }
    case FetchAttr::binary_size: return "BINARY.SIZE[" + section_spec(item.section) + "]";
  }
  return "?";
}

}  // namespace postroom::imap
