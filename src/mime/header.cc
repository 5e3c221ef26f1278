#include "mime/header.h"

#include "mime/part_parser.h"
#include "mime/text.h"

namespace postroom::mime {

std::vector<HeaderField> parse_header_fields(std::string_view text, const Limits& limits) {
  std::vector<HeaderField> fields;
  // Depth 0 so that a Content-Type of multipart or message/rfc822 does not make the parser
  // look for structure in what follows the header.
  Limits header_only = limits;
  header_only.max_depth = 0;
  PartParser parser(header_only);
  parser.feed(text);
  parser.finish();
  for (;;) {
    PartEvent event = parser.next();
    if (event.kind == PartEvent::Kind::header_field) {
      fields.push_back(HeaderField{std::string(event.name), std::string(event.value)});
      continue;
    }
    if (event.kind == PartEvent::Kind::header_end || event.kind == PartEvent::Kind::end) {
      return fields;
    }
  }
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const HeaderField& field : fields) {
    if (iequals(field.name, name)) {
      return &field;
    }
  }
  return nullptr;
}

std::optional<std::string> field_value(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* field = find_field(fields, name);
  if (!field) {
    return std::nullopt;
  }
  return unfold(field->value);
}

}  // namespace postroom::mime
