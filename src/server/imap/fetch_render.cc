#include "server/imap/fetch_render.h"

#include <algorithm>
#include <optional>

#include "mime/bodystructure.h"
#include "mime/text.h"
#include "mime/transfer_encoding.h"
#include "proto/imap/date_time.h"
#include "proto/imap/response.h"

namespace postroom::server::imap {
namespace {

constexpr std::string_view kUnknownCte = "unknown-cte";

bool has_flag(const std::vector<std::string>& flags, std::string_view flag) {
  return std::any_of(flags.begin(), flags.end(), [&](const std::string& f) { return mime::iequals(f, flag); });
}

std::vector<std::size_t> to_path(const std::vector<std::uint32_t>& part) {
  return std::vector<std::size_t>(part.begin(), part.end());
}

std::string_view slice(std::string_view message, std::size_t begin, std::size_t end) {
  begin = std::min(begin, message.size());
  end = std::clamp(end, begin, message.size());
  return message.substr(begin, end - begin);
}

std::string_view header_of(std::string_view message, const mime::Part& part) {
  return slice(message, part.header_begin, part.body_begin);
}

std::string_view body_of(std::string_view message, const mime::Part& part) {
  return slice(message, part.body_begin, part.body_end);
}

// A literal may not carry NUL (RFC 9051 §4.3 CHAR8); BODY[] of a message that contains one
// gets 0x80 in its place, which keeps every size and offset (BINARY sends literal8 instead).
std::string_view without_nul(std::string_view data, std::string& scratch) {
  if (data.find('\0') == std::string_view::npos) {
    return data;
  }
  scratch.assign(data);
  std::replace(scratch.begin(), scratch.end(), '\0', '\x80');
  return scratch;
}

Error read_error(MessageData& data) {
  if (data.error()) {
    return *data.error();
  }
  return make_error(ErrorKind::temporary, "message data unavailable");
}

}  // namespace

std::vector<pi::FetchItem> expand_macro(const pi::FetchArgs& args) {
  if (!args.items.empty() || args.macro == pi::FetchMacro::none) {
    return args.items;
  }
  auto item = [](pi::FetchAttr attr) {
    pi::FetchItem it;
    it.attr = attr;
    return it;
  };
  std::vector<pi::FetchItem> items = {item(pi::FetchAttr::flags), item(pi::FetchAttr::internaldate),
                                      item(pi::FetchAttr::rfc822_size)};
  if (args.macro == pi::FetchMacro::all || args.macro == pi::FetchMacro::full) {
    items.push_back(item(pi::FetchAttr::envelope));
  }
  if (args.macro == pi::FetchMacro::full) {
    items.push_back(item(pi::FetchAttr::body));
  }
  return items;
}

bool fetch_needs_derived(const std::vector<pi::FetchItem>& items) {
  return std::any_of(items.begin(), items.end(), [](const pi::FetchItem& item) {
    return item.attr == pi::FetchAttr::envelope || item.attr == pi::FetchAttr::bodystructure ||
           item.attr == pi::FetchAttr::body;
  });
}

bool fetch_needs_full_meta(const std::vector<pi::FetchItem>& items) {
  return std::any_of(items.begin(), items.end(), [](const pi::FetchItem& item) {
    switch (item.attr) {
      case pi::FetchAttr::internaldate:
      case pi::FetchAttr::rfc822_size:
      case pi::FetchAttr::savedate:
      case pi::FetchAttr::emailid:
      case pi::FetchAttr::threadid: return true;
      default: return false;
    }
  });
}

bool fetch_sets_seen(const std::vector<pi::FetchItem>& items, const std::vector<std::string>& flags, bool read_only) {
  if (read_only || has_flag(flags, "\\Seen")) {
    return false;
  }
  return std::any_of(items.begin(), items.end(), [](const pi::FetchItem& item) { return pi::sets_seen(item); });
}

bool is_unknown_cte(const Error& error) {
  return error.kind == ErrorKind::permanent && error.detail.starts_with(kUnknownCte);
}

std::string filter_header_fields(std::string_view header_block, const std::vector<std::string>& names, bool exclude) {
  std::string out;
  bool keep = false;  // whether the field being read (and its continuation lines) is kept
  std::size_t pos = 0;
  while (pos < header_block.size()) {
    std::size_t eol = header_block.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? header_block.size() : eol + 1;
    std::string_view line = header_block.substr(pos, next - pos);
    pos = next;
    std::string_view content = line;
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
      content.remove_suffix(1);
    }
    if (content.empty()) {
      break;  // the blank line ending the header
    }
    if (content.front() == ' ' || content.front() == '\t') {
      if (keep) {
        out += line;
      }
      continue;
    }
    const std::size_t colon = content.find(':');
    if (colon == std::string_view::npos) {
      keep = false;  // not a field (the MIME parser skips such lines too)
      continue;
    }
    std::string_view name = content.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
      name.remove_suffix(1);
    }
    const bool listed =
        std::any_of(names.begin(), names.end(), [&](const std::string& n) { return mime::iequals(n, name); });
    keep = listed != exclude;
    if (keep) {
      out += line;
      if (line.back() != '\n') {
        out += "\r\n";  // header cut short without a line end
      }
    }
  }
  out += "\r\n";
  return out;
}

std::optional<std::string> section_bytes(std::string_view message, const mime::PartTree& tree,
                                         const pi::Section& section) {
  const mime::Part* part = &tree.root;
  if (!section.part.empty()) {
    part = mime::find_section(tree, to_path(section.part));
    if (part == nullptr) {
      return std::nullopt;
    }
  }
  // The message whose HEADER / TEXT is meant: the root, or the message embedded in a
  // message/rfc822 part (RFC 9051 §6.4.5).
  const mime::Part* embedded = nullptr;
  if (section.part.empty()) {
    embedded = &tree.root;
  } else if (part->kind == mime::BodyKind::message && !part->children.empty()) {
    embedded = &part->children.front();
  }
  switch (section.text) {
    case pi::SectionText::none:
      if (section.part.empty()) {
        return std::string(message);
      }
      return std::string(body_of(message, *part));
    case pi::SectionText::mime:
      if (section.part.empty()) {
        return std::nullopt;
      }
      return std::string(header_of(message, *part));
    case pi::SectionText::header:
      if (embedded == nullptr) {
        return std::nullopt;
      }
      return std::string(header_of(message, *embedded));
    case pi::SectionText::text:
      if (embedded == nullptr) {
        return std::nullopt;
      }
      return std::string(body_of(message, *embedded));
    case pi::SectionText::header_fields:
    case pi::SectionText::header_fields_not:
      if (embedded == nullptr) {
        return std::nullopt;
      }
      return filter_header_fields(header_of(message, *embedded), section.fields,
                                  section.text == pi::SectionText::header_fields_not);
  }
  return std::nullopt;
}

Result<std::optional<std::string>> binary_bytes(std::string_view message, const mime::PartTree& tree,
                                                const std::vector<std::uint32_t>& part_path) {
  if (part_path.empty()) {
    // BINARY[]: the whole message; a message as a whole has no transfer encoding to undo
    // beyond its top-level part, and clients use BINARY[] for the raw message.
    return std::optional<std::string>(std::string(message));
  }
  const mime::Part* part = mime::find_section(tree, to_path(part_path));
  if (part == nullptr) {
    return std::optional<std::string>();
  }
  std::string_view body = body_of(message, *part);
  const std::string encoding = mime::to_lower_ascii(mime::trim_wsp(part->encoding));
  if (encoding.empty() || encoding == "7bit" || encoding == "8bit" || encoding == "binary") {
    return std::optional<std::string>(std::string(body));
  }
  if (encoding == "base64") {
    return std::optional<std::string>(mime::decode_base64(body));
  }
  if (encoding == "quoted-printable") {
    return std::optional<std::string>(mime::decode_quoted_printable(body));
  }
  return make_error(ErrorKind::permanent, std::string(kUnknownCte) + ": " + encoding);
}

std::string_view apply_partial(std::string_view data, const pi::Partial& partial) {
  if (partial.offset >= data.size()) {
    return {};
  }
  const std::uint64_t available = data.size() - partial.offset;
  return data.substr(static_cast<std::size_t>(partial.offset),
                     static_cast<std::size_t>(std::min<std::uint64_t>(available, partial.length)));
}

Result<std::string> render_fetch(std::uint32_t seq, const std::vector<pi::FetchItem>& items, MessageData& data,
                                 const FetchOptions& options, bool& seen_needed) {
  const store::MessageMeta& meta = data.meta();
  seen_needed = fetch_sets_seen(items, meta.flags, options.read_only);
  std::vector<std::string> flags = meta.flags;
  if (seen_needed) {
    flags.push_back("\\Seen");
  }

  pi::FetchResponse response(seq);
  const bool uid_asked =
      std::any_of(items.begin(), items.end(), [](const pi::FetchItem& i) { return i.attr == pi::FetchAttr::uid; });
  if (options.uid_always && !uid_asked) {
    response.uid(meta.uid);
  }
  bool flags_written = false;
  std::string scratch;  // NUL-free copy of a value, when needed
  bool modseq_written = false;

  auto need_bytes = [&]() -> Result<const std::string*> {
    const std::string* bytes = data.bytes();
    if (bytes == nullptr) {
      return read_error(data);
    }
    return bytes;
  };
  auto need_tree = [&]() -> Result<const mime::PartTree*> {
    const mime::PartTree* tree = data.structure();
    if (tree == nullptr) {
      return read_error(data);
    }
    return tree;
  };
  auto need_derived = [&]() -> Result<const store::MessageDerived*> {
    const store::MessageDerived* derived = data.derived();
    if (derived == nullptr) {
      return read_error(data);
    }
    return derived;
  };

  for (const pi::FetchItem& item : items) {
    switch (item.attr) {
      case pi::FetchAttr::uid: response.uid(meta.uid); break;
      case pi::FetchAttr::flags:
        response.flags(flags);
        flags_written = true;
        break;
      case pi::FetchAttr::internaldate: response.internaldate(pi::from_unix_seconds(meta.internal_date, 0)); break;
      case pi::FetchAttr::rfc822_size: response.rfc822_size(meta.size); break;
      case pi::FetchAttr::modseq:
        response.modseq(meta.modseq);
        modseq_written = true;
        break;
      case pi::FetchAttr::savedate:
        if (meta.save_date > 0) {
          response.savedate(pi::from_unix_seconds(meta.save_date, 0));
        } else {
          response.savedate(std::nullopt);
        }
        break;
      case pi::FetchAttr::emailid: response.emailid(meta.email_id); break;
      case pi::FetchAttr::threadid:
        if (meta.thread_id.empty()) {
          response.threadid(std::nullopt);
        } else {
          response.threadid(meta.thread_id);
        }
        break;
      case pi::FetchAttr::envelope: {
        auto derived = need_derived();
        if (!derived.ok()) {
          return derived.error();
        }
        response.raw("ENVELOPE", (*derived)->envelope);
        break;
      }
      case pi::FetchAttr::bodystructure: {
        auto derived = need_derived();
        if (!derived.ok()) {
          return derived.error();
        }
        response.raw("BODYSTRUCTURE", (*derived)->bodystructure);
        break;
      }
      case pi::FetchAttr::body: {
        auto derived = need_derived();
        if (!derived.ok()) {
          return derived.error();
        }
        if (auto body = body_from_bodystructure((*derived)->bodystructure)) {
          response.raw("BODY", *body);
        } else {
          auto tree = need_tree();
          if (!tree.ok()) {
            return tree.error();
          }
          response.raw("BODY", mime::format_body_structure((*tree)->root, false));
        }
        break;
      }
      case pi::FetchAttr::rfc822:
      case pi::FetchAttr::rfc822_header:
      case pi::FetchAttr::rfc822_text: {
        auto bytes = need_bytes();
        if (!bytes.ok()) {
          return bytes.error();
        }
        std::string_view message = **bytes;
        if (item.attr == pi::FetchAttr::rfc822) {
          response.body("RFC822", without_nul(message, scratch));
          break;
        }
        auto tree = need_tree();
        if (!tree.ok()) {
          return tree.error();
        }
        const mime::Part& root = (*tree)->root;
        if (item.attr == pi::FetchAttr::rfc822_header) {
          response.body("RFC822.HEADER", without_nul(header_of(message, root), scratch));
        } else {
          response.body("RFC822.TEXT", without_nul(body_of(message, root), scratch));
        }
        break;
      }
      case pi::FetchAttr::body_section: {
        auto bytes = need_bytes();
        if (!bytes.ok()) {
          return bytes.error();
        }
        auto tree = need_tree();
        if (!tree.ok()) {
          return tree.error();
        }
        const std::string name = pi::fetch_response_name(item);
        std::optional<std::string> value = section_bytes(**bytes, **tree, item.section);
        if (!value) {
          response.string(name, std::nullopt);
        } else if (item.partial) {
          response.body(name, without_nul(apply_partial(*value, *item.partial), scratch));
        } else {
          response.body(name, without_nul(*value, scratch));
        }
        break;
      }
      case pi::FetchAttr::binary:
      case pi::FetchAttr::binary_size: {
        auto bytes = need_bytes();
        if (!bytes.ok()) {
          return bytes.error();
        }
        auto tree = need_tree();
        if (!tree.ok()) {
          return tree.error();
        }
        auto decoded = binary_bytes(**bytes, **tree, item.section.part);
        if (!decoded.ok()) {
          return decoded.error();
        }
        const std::string name = pi::fetch_response_name(item);
        if (item.attr == pi::FetchAttr::binary_size) {
          // RFC 3516 §4.2: the size of the decoded section (0 for one that does not exist).
          response.number(name, decoded->has_value() ? (*decoded)->size() : 0);
          break;
        }
        if (!decoded->has_value()) {
          response.string(name, std::nullopt);
          break;
        }
        std::string_view value = **decoded;
        if (item.partial) {
          value = apply_partial(value, *item.partial);
        }
        response.body(name, value, value.find('\0') != std::string_view::npos);
        break;
      }
    }
  }
  if (seen_needed && !flags_written) {
    response.flags(flags);
  }
  if (options.modseq && !modseq_written) {
    response.modseq(meta.modseq);
  }
  return std::move(response).finish();
}

}  // namespace postroom::server::imap
