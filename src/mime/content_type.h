// Content-Type / Content-Disposition / Content-Language parsing (RFC 2045 §5, RFC 2183,
// RFC 3282) with RFC 2231 parameter continuations and charset'language'value encoding.
//
// Contract: lenient, never failing. Comments (RFC 822 style) are skipped, unquoted values
// may contain spaces, a parameter without a value is dropped, the first of duplicate
// parameters wins. All names are returned lower-case.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postroom::mime {

struct Param {
  std::string name;  // lower-case, without the RFC 2231 "*" / "*N" / "*N*" suffix
  // Wire form for IMAP: continuations joined. For an RFC 2231 encoded parameter this is
  // still "charset'language'%XX..." and the IMAP attribute is name + "*" (as Dovecot does;
  // IMAP4rev1 strings cannot carry UTF-8, clients decode it).
  std::string value;
  bool extended = false;  // RFC 2231 charset/percent encoding was used
  std::string charset;    // extended only
  std::string language;   // extended only
  // Display value in UTF-8: RFC 2231 percent-decoded and converted, or for plain values
  // RFC 2047-decoded (a common violation in filenames). Raw bytes when the charset is unknown.
  std::string decoded;
};

struct ContentType {
  std::string type;     // lower-case; empty when the field was missing or unusable
  std::string subtype;  // lower-case
  std::vector<Param> params;
  bool valid() const { return !type.empty() && !subtype.empty(); }
};

struct Disposition {
  std::string type;  // lower-case, e.g. "attachment"
  std::vector<Param> params;
};

// Parses a raw (possibly folded) Content-Type value. Invalid => valid() is false.
ContentType parse_content_type(std::string_view raw);

// The content type that applies to a part (RFC 2045 §5.2, RFC 2046 §5.1.5): the parsed
// field when valid (text/* without a charset gets charset=us-ascii, RFC 2046 §4.1.2);
// otherwise text/plain; charset=us-ascii, or message/rfc822 inside a
// multipart/digest.
ContentType effective_content_type(const std::optional<std::string>& raw, bool parent_is_digest);

Disposition parse_disposition(std::string_view raw);

// Parses ";"-separated parameters, merging RFC 2231 continuations.
std::vector<Param> parse_parameters(std::string_view text);

// Content-Language: comma-separated tags, comments and whitespace removed.
std::vector<std::string> parse_language_list(std::string_view raw);

// Finds a parameter by (lower-case) name; nullptr when absent.
const Param* find_param(const std::vector<Param>& params, std::string_view name);

}  // namespace postroom::mime
