// Small text helpers shared by SPF, DKIM and DMARC.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postroom::mailauth {

bool is_wsp(char c);  // SP, HTAB, CR, LF: folding whitespace once lines are joined
std::string_view trim(std::string_view text);
std::string lower(std::string_view text);

// Base64 (RFC 4648 §4). decode ignores whitespace (DKIM b=, bh=, p= may be folded) and
// rejects anything else outside the alphabet and misplaced padding: a signature that does
// not decode is a permerror, not something to guess at.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

// Converts every bare LF (and bare CR) to CRLF: DKIM is defined on CRLF lines, and mail
// from files or some clients arrives with LF only.
std::string to_crlf(std::string_view text);

// One header field as it appears in the message: the exact bytes, CRLFs included.
struct RawField {
  std::string_view name;           // as written, without trailing whitespace
  std::string_view text;           // the whole field: "Name: value\r\n\tcontinued\r\n"
  std::string_view value() const;  // everything after the colon, CRLFs kept
};

struct SplitMessage {
  std::vector<RawField> fields;
  std::string_view body;  // after the blank line; empty when there is none
};

// Splits a CRLF message into header fields and body. Views point into `message`.
// Lines without a colon in the header are skipped (never signed, never verified).
// Limit: at most kMaxHeaderFields fields (util.cc) are kept, so a header of a million
// one-byte fields cannot make us build a million-entry vector.
SplitMessage split_message(std::string_view message);

}  // namespace postroom::mailauth
