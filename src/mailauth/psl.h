// Public Suffix List (https://publicsuffix.org/list/) and the organizational domain of
// RFC 7489 §3.2 used by DMARC relaxed alignment.
//
// Contract: system() loads /usr/share/publicsuffix/public_suffix_list.dat (Debian package
// `publicsuffix`) once, thread-safely, on first use. When the file is missing, the
// organizational domain falls back to the last two labels: right for "example.com", wrong
// for "example.co.uk" (gives "co.uk", so relaxed alignment becomes too lenient within
// such suffixes); a warning is logged once. Rules from both the ICANN and PRIVATE sections
// are used. IDN rules are stored as written (U-labels); A-label ("xn--") domains under an
// IDN suffix therefore fall to the default "*" rule. Domains are compared lower-case.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

namespace postroom::mailauth {

class PublicSuffixList {
 public:
  static constexpr const char* kSystemPath = "/usr/share/publicsuffix/public_suffix_list.dat";

  // Parses the list's text format: one rule per line, "//" comments, "*." wildcards,
  // "!" exceptions.
  static PublicSuffixList from_text(std::string_view text);
  // The shared list loaded from kSystemPath (empty list with fallback when unreadable).
  static const PublicSuffixList& system();

  bool empty() const { return rules_.empty() && wildcards_.empty(); }

  // The public suffix of `domain` (e.g. "co.uk" for "a.b.co.uk").
  std::string public_suffix(std::string_view domain) const;
  // Public suffix plus one label ("b.co.uk"); the domain itself when it is a suffix.
  // With an empty list: the last two labels.
  std::string organizational_domain(std::string_view domain) const;

 private:
  std::unordered_set<std::string> rules_;       // "co.uk"
  std::unordered_set<std::string> wildcards_;   // "ck" for "*.ck"
  std::unordered_set<std::string> exceptions_;  // "www.ck" for "!www.ck"
};

}  // namespace postroom::mailauth
