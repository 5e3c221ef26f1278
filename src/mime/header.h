// Header field access (RFC 5322 §2.2). The fields of one header block, in order, with
// raw (folded) values; unfold() (text.h) gives the logical value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/limits.h"

namespace postroom::mime {

struct HeaderField {
  std::string name;   // as written (compare with iequals)
  std::string value;  // raw: everything after ":", folding line breaks kept
};

// Parses the header block at the start of `text` (up to and including its blank line, or
// all of `text` when there is none), with the same rules as PartParser: garbage lines are
// skipped, folded lines joined, fields past the limits dropped.
std::vector<HeaderField> parse_header_fields(std::string_view text, const Limits& limits = {});

// The first field named `name` (case-insensitive); nullptr when absent.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

// The unfolded value of the first field named `name`; nullopt when absent.
std::optional<std::string> field_value(const std::vector<HeaderField>& fields, std::string_view name);

}  // namespace postroom::mime
