#include "mailauth/tag_list.h"

#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {
bool valid_tag_name(std::string_view name) {
  // tag-name = ALPHA *ALNUMPUNC (ALNUMPUNC = ALPHA / DIGIT / "_")
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}
}  // namespace

Result<TagList> TagList::parse(std::string_view text) {
  TagList list;
  while (!text.empty()) {
    std::size_t semicolon = text.find(';');
    std::string_view spec = text.substr(0, semicolon);
    text = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
    if (trim(spec).empty()) {
      if (semicolon == std::string_view::npos) {
        break;
      }
      // "a=1;;b=2" is not valid, but a final empty spec after the last ";" is.
      if (!trim(text).empty()) {
        return make_error(ErrorKind::bad_syntax, "empty tag-spec");
      }
      break;
    }
    std::size_t equals = spec.find('=');
    if (equals == std::string_view::npos) {
      return make_error(ErrorKind::bad_syntax, "tag without '='");
    }
    std::string_view name = trim(spec.substr(0, equals));
    if (!valid_tag_name(name)) {
      return make_error(ErrorKind::bad_syntax, "invalid tag name");
    }
    if (list.find(name)) {
      return make_error(ErrorKind::bad_syntax, "duplicate tag " + std::string(name));
    }
    if (list.tags_.size() >= kMaxTags) {
      return make_error(ErrorKind::limit, "too many tags");
    }
    list.tags_.push_back(Tag{std::string(name), std::string(trim(spec.substr(equals + 1)))});
  }
  return list;
}

const std::string* TagList::find(std::string_view name) const {
  for (const Tag& tag : tags_) {
    if (tag.name == name) {
      return &tag.value;
    }
  }
  return nullptr;
}

}  // namespace postroom::mailauth
