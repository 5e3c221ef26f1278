#include "mime/structure.h"

#include <algorithm>

#include "base/check.h"
#include "mime/text.h"

namespace postroom::mime {

namespace {

// Fields kept per part: what BODYSTRUCTURE and ENVELOPE need. Everything else is read
// from the stored message when asked for (HEADER.FIELDS), so it is not copied here.
bool interesting(std::string_view name) {
  static constexpr std::string_view kNames[] = {"content-type",
                                                "content-transfer-encoding",
                                                "content-id",
                                                "content-description",
                                                "content-disposition",
                                                "content-language",
                                                "content-location",
                                                "content-md5",
                                                "date",
                                                "subject",
                                                "from",
                                                "sender",
                                                "reply-to",
                                                "to",
                                                "cc",
                                                "bcc",
                                                "in-reply-to",
                                                "message-id"};
  for (std::string_view known : kNames) {
    if (iequals(name, known)) {
      return true;
    }
  }
  return false;
}

std::string remove_whitespace(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool StructureBuilder::on_event(const PartEvent& event) {
  switch (event.kind) {
    case PartEvent::Kind::need_more: return false;
    case PartEvent::Kind::part_begin: {
      Part* part = nullptr;
      if (!started_) {
        started_ = true;
        part = &tree_.root;
      } else {
        POSTROOM_CHECK(!stack_.empty(), "part_begin after the message ended");
        // Only the open part's vector grows; earlier siblings are closed, so pointers on
        // the stack stay valid.
        part = &stack_.back()->children.emplace_back();
      }
      part->header_begin = event.offset;
      stack_.push_back(part);
      ++tree_.part_count;
      return false;
    }
    case PartEvent::Kind::header_field: {
      Part* part = stack_.back();
      if (interesting(event.name)) {
        part->fields.push_back(HeaderField{std::string(event.name), std::string(event.value)});
      }
      return false;
    }
    case PartEvent::Kind::header_end: finish_header(*stack_.back(), event); return false;
    case PartEvent::Kind::part_end: {
      Part* part = stack_.back();
      part->body_end = event.offset;
      // A delimiter right after the header's blank line takes that CRLF (part_parser.h).
      part->body_begin = std::min(part->body_begin, part->body_end);
      part->header_begin = std::min(part->header_begin, part->body_end);
      part->lines = event.lines;
      stack_.pop_back();
      return false;
    }
    case PartEvent::Kind::end: return true;
  }
  return false;
}

void StructureBuilder::finish_header(Part& part, const PartEvent& event) {
  part.body_begin = event.offset;
  part.kind = event.body_kind;
  // The parent decides the default type (multipart/digest => message/rfc822).
  bool parent_is_digest = false;
  bool is_message = stack_.size() == 1;
  if (stack_.size() >= 2) {
    const Part& parent = *stack_[stack_.size() - 2];
    parent_is_digest = parent.kind == BodyKind::multipart && parent.content_type.subtype == "digest";
    is_message = parent.kind == BodyKind::message;
  }
  std::optional<std::string> raw_type;
  if (const HeaderField* field = find_field(part.fields, "content-type")) {
    raw_type = field->value;
  }
  part.content_type = effective_content_type(raw_type, parent_is_digest);
  if (part.content_type.type == "multipart" && part.kind != BodyKind::multipart) {
    // Unusable multipart (no boundary, or nesting limit): described as plain text.
    part.content_type = effective_content_type(std::nullopt, false);
  }
  part.id = field_value(part.fields, "content-id");
  part.description = field_value(part.fields, "content-description");
  part.md5 = field_value(part.fields, "content-md5");
  if (std::optional<std::string> location = field_value(part.fields, "content-location")) {
    // RFC 2557 §4.4.2: a long URI may be folded; the whitespace is not part of it.
    part.location = remove_whitespace(*location);
  }
  if (std::optional<std::string> encoding = field_value(part.fields, "content-transfer-encoding")) {
    part.encoding = remove_whitespace(*encoding);
  }
  if (std::optional<std::string> disposition = field_value(part.fields, "content-disposition")) {
    Disposition parsed = parse_disposition(*disposition);
    if (!parsed.type.empty()) {
      part.disposition = std::move(parsed);
    }
  }
  if (std::optional<std::string> language = field_value(part.fields, "content-language")) {
    part.language = parse_language_list(*language);
  }
  if (is_message) {
    part.envelope = make_envelope(part.fields);
  }
}

PartTree StructureBuilder::take(bool limits_hit) {
  tree_.limits_hit = limits_hit;
  stack_.clear();
  return std::move(tree_);
}

PartTree parse_structure(std::string_view message, const Limits& limits) {
  PartParser parser(limits);
  StructureBuilder builder;
  parser.feed(message);
  parser.finish();
  for (;;) {
    if (builder.on_event(parser.next())) {
      break;
    }
  }
  return builder.take(parser.limits_hit());
}

const Part* find_section(const PartTree& tree, const std::vector<std::size_t>& path) {
  const Part* current = &tree.root;
  bool is_message = true;  // the root is a message: its body is section 1 or its parts
  for (std::size_t number : path) {
    const Part* body = current;
    if (!is_message) {
      if (current->kind == BodyKind::message) {
        body = &current->children.front();  // message/rfc822: continue into the message
      } else if (current->kind != BodyKind::multipart) {
        return nullptr;
      }
    }
    if (body->kind == BodyKind::multipart) {
      if (number < 1 || number > body->children.size()) {
        return nullptr;
      }
      current = &body->children[number - 1];
    } else {
      if (number != 1) {
        return nullptr;
      }
      current = body;
    }
    is_message = false;
  }
  return current;
}

}  // namespace postroom::mime
