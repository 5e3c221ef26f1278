// DKIM tag=value lists (RFC 6376 §3.2), also the syntax of DKIM key records and DMARC
// records (RFC 7489 §6.4).
//
// Contract: whitespace around tags and values is dropped (inner folding whitespace stays,
// callers of base64 values ignore it). A trailing ";" is allowed. Errors (bad_syntax):
// a duplicate tag (§3.2 "MUST be treated as invalid"), a tag without "=", an invalid tag
// name, more than kMaxTags tags.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::mailauth {

struct Tag {
  std::string name;   // as written (DKIM tag names are case-sensitive)
  std::string value;  // trimmed
};

class TagList {
 public:
  // Tags in one list. Real signatures carry ~12; this stops quadratic duplicate checks
  // and large vectors for a 64 KB header of "a=;" pairs.
  static constexpr std::size_t kMaxTags = 64;

  static Result<TagList> parse(std::string_view text);

  const std::string* find(std::string_view name) const;
  const std::vector<Tag>& tags() const { return tags_; }

 private:
  std::vector<Tag> tags_;
};

}  // namespace postroom::mailauth
