#include "mailauth/psl.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "base/log.h"
#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {
// The real list is ~230 KB; refuse to read anything far bigger from a mis-pointed path.
constexpr std::size_t kMaxListBytes = 16 * 1024 * 1024;

std::vector<std::string_view> labels_of(std::string_view domain) {
  std::vector<std::string_view> labels;
  while (!domain.empty()) {
    std::size_t dot = domain.find('.');
    labels.push_back(domain.substr(0, dot));
    domain = dot == std::string_view::npos ? std::string_view{} : domain.substr(dot + 1);
  }
  return labels;
}

std::string join_from(const std::vector<std::string_view>& labels, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < labels.size(); ++i) {
    if (!out.empty()) {
      out.push_back('.');
    }
    out.append(labels[i]);
  }
  return out;
}

std::string normalized(std::string_view domain) {
  std::string out = lower(trim(domain));
  if (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}
}  // namespace

PublicSuffixList PublicSuffixList::from_text(std::string_view text) {
  PublicSuffixList list;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    // A rule is the first whitespace-delimited word of the line.
    line = trim(line);
    std::size_t space = line.find_first_of(" \t");
    line = line.substr(0, space);
    if (line.empty() || line.starts_with("//")) {
      continue;
    }
    std::string rule = lower(line);
    if (rule.starts_with("!")) {
      list.exceptions_.insert(rule.substr(1));
    } else if (rule.starts_with("*.")) {
      list.wildcards_.insert(rule.substr(2));
    } else {
      list.rules_.insert(rule);
    }
  }
  return list;
}

const PublicSuffixList& PublicSuffixList::system() {
  static const PublicSuffixList list = [] {
    std::ifstream in(kSystemPath, std::ios::binary);
    if (!in) {
      log::warn("mailauth.psl_missing", {{"path", kSystemPath}, {"fallback", "last two labels"}});
      return PublicSuffixList{};
    }
    std::string text;
    text.resize(kMaxListBytes);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return from_text(text);
  }();
  return list;
}

std::string PublicSuffixList::public_suffix(std::string_view domain_text) const {
  std::string domain = normalized(domain_text);
  std::vector<std::string_view> labels = labels_of(domain);
  if (labels.empty()) {
    return "";
  }
  // Walk suffixes from the longest; the first (longest) matching rule wins, exceptions
  // first (publicsuffix.org algorithm).
  for (std::size_t first = 0; first < labels.size(); ++first) {
    std::string suffix = join_from(labels, first);
    if (exceptions_.count(suffix)) {
      return join_from(labels, first + 1);  // the exception's parent is the suffix
    }
    if (rules_.count(suffix)) {
      return suffix;
    }
    if (first + 1 < labels.size() && wildcards_.count(join_from(labels, first + 1))) {
      return suffix;
    }
  }
  return std::string(labels.back());  // the default rule "*"
}

std::string PublicSuffixList::organizational_domain(std::string_view domain_text) const {
  std::string domain = normalized(domain_text);
  std::vector<std::string_view> labels = labels_of(domain);
  if (labels.size() <= 1) {
    return domain;
  }
  if (empty()) {
    return join_from(labels, labels.size() - 2);
  }
  std::string suffix = public_suffix(domain);
  std::size_t suffix_labels = labels_of(suffix).size();
  if (suffix_labels >= labels.size()) {
    return domain;
  }
  return join_from(labels, labels.size() - suffix_labels - 1);
}

}  // namespace postroom::mailauth
