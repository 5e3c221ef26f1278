#include "mailauth/dkim_canon.h"

#include "mailauth/util.h"

namespace postroom::mailauth {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t';
}
}  // namespace

std::string canon_header(std::string_view field_text, Canon canon) {
  if (canon == Canon::simple) {
    return std::string(field_text);
  }
  std::size_t colon = field_text.find(':');
  std::string out = lower(trim(field_text.substr(0, colon)));
  out.push_back(':');
  if (colon == std::string_view::npos) {
    out.append("\r\n");
    return out;
  }
  bool pending_space = false;
  bool in_value = false;
  for (char c : field_text.substr(colon + 1)) {
    if (c == '\r' || c == '\n') {
      continue;  // unfold
    }
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    // Whitespace right after the colon is dropped, inner runs become one SP.
    if (pending_space && in_value) {
      out.push_back(' ');
    }
    pending_space = false;
    in_value = true;
    out.push_back(c);
  }
  out.append("\r\n");
  return out;
}

std::string canon_body(std::string_view body, Canon canon) {
  std::string out;
  out.reserve(body.size());
  std::size_t pos = 0;
  // Number of empty lines seen but not yet written: they are written only if a non-empty
  // line follows, which drops the trailing ones.
  std::size_t pending_empty = 0;
  while (pos < body.size()) {
    std::size_t eol = body.find("\r\n", pos);
    std::string_view line = body.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? body.size() : eol + 2;
    std::string canonical;
    if (canon == Canon::relaxed) {
      bool pending_space = false;
      for (char c : line) {
        if (is_space(c)) {
          pending_space = true;
          continue;
        }
        if (pending_space) {
          canonical.push_back(' ');
        }
        pending_space = false;
        canonical.push_back(c);
      }
    } else {
      canonical = std::string(line);
    }
    if (canonical.empty()) {
      ++pending_empty;
      continue;
    }
    for (; pending_empty > 0; --pending_empty) {
      out.append("\r\n");
    }
    out.append(canonical);
    out.append("\r\n");
  }
  if (out.empty() && canon == Canon::simple) {
    return "\r\n";
  }
  return out;
}

}  // namespace postroom::mailauth
