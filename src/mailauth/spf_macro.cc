#include "mailauth/spf_macro.h"

#include <algorithm>
#include <ctime>
#include <vector>

namespace postroom::mailauth {

namespace {

// Bounds one expansion. A record can repeat "%{s}" hundreds of times with a 64 KB sender;
// without a cap that is megabytes per mechanism. Real domain-specs need a few hundred bytes.
constexpr std::size_t kMaxExpansion = 8192;
// RFC 7208 §7.3: expanded domain names are trimmed to this many octets.
constexpr std::size_t kMaxDomain = 253;
// Digit transformer values above this behave like "all parts"; parse no further to avoid
// overflow on "%{d99999999999999999999}".
constexpr unsigned kMaxDigits = 128;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

struct Macro {
  char letter = 0;      // lower-case
  bool upper = false;   // URL-escape the result (§7.3)
  unsigned digits = 0;  // 0 = keep all parts
  bool reverse = false;
  std::string delimiters;
};

// Parses "%{...}" starting after "%{"; returns the macro and advances pos past "}".
bool parse_macro(std::string_view spec, std::size_t& pos, MacroUse use, Macro& macro) {
  if (pos >= spec.size()) {
    return false;
  }
  char letter = spec[pos++];
  macro.letter = lower(letter);
  macro.upper = letter != macro.letter;
  static constexpr std::string_view kDomainLetters = "slodiphv";
  static constexpr std::string_view kAllLetters = "slodiphvcrt";
  std::string_view allowed = use == MacroUse::domain_spec ? kDomainLetters : kAllLetters;
  if (allowed.find(macro.letter) == std::string_view::npos) {
    return false;
  }
  bool had_digits = false;
  while (pos < spec.size() && spec[pos] >= '0' && spec[pos] <= '9') {
    had_digits = true;
    if (macro.digits <= kMaxDigits) {
      macro.digits = macro.digits * 10 + static_cast<unsigned>(spec[pos] - '0');
    }
    ++pos;
  }
  // "%{d0}" asks for zero parts: RFC 7208 §7.1 makes that a syntax error.
  if (had_digits && macro.digits == 0) {
    return false;
  }
  if (pos < spec.size() && lower(spec[pos]) == 'r') {
    macro.reverse = true;
    ++pos;
  }
  while (pos < spec.size() && is_delimiter(spec[pos])) {
    macro.delimiters.push_back(spec[pos]);
    ++pos;
  }
  if (pos >= spec.size() || spec[pos] != '}') {
    return false;
  }
  ++pos;
  return true;
}

std::string url_escape(std::string_view value) {
  // RFC 3986 unreserved characters stay; the rest become %XX (RFC 7208 §7.3).
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

std::string letter_value(const Macro& macro, const MacroContext& context) {
  switch (macro.letter) {
    case 's': return context.sender;
    case 'l': return context.local_part;
    case 'o': return context.sender_domain;
    case 'd': return context.domain;
    case 'i': return to_macro_text(context.ip);
    case 'p': return context.validated_name ? context.validated_name() : "unknown";
    case 'v': return context.ip.v6 ? "ip6" : "in-addr";
    case 'h': return context.helo;
    case 'c': return to_text(context.ip);
    case 'r': return context.receiver;
    case 't': return std::to_string(static_cast<long long>(std::time(nullptr)));
    default: return "";
  }
}

// §7.3 transformers: split on delimiters, optionally reverse, keep the rightmost N parts,
// join with ".".
std::string transform(std::string_view value, const Macro& macro) {
  std::string delimiters = macro.delimiters.empty() ? "." : macro.delimiters;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (macro.reverse) {
    std::reverse(parts.begin(), parts.end());
  }
  std::size_t first = 0;
  if (macro.digits > 0 && macro.digits < parts.size()) {
    first = parts.size() - macro.digits;
  }
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) {
      out.push_back('.');
    }
    out.append(parts[i]);
  }
  return out;
}

bool walk(std::string_view spec, MacroUse use, const MacroContext* context, std::string* out) {
  std::size_t pos = 0;
  while (pos < spec.size()) {
    char c = spec[pos];
    if (c != '%') {
      // macro-literal is %x21-24 / %x26-7E: visible ASCII except "%".
      if (c < 0x21 || c > 0x7e) {
        // Spaces are legal only in explanation text.
        if (!(use == MacroUse::explanation && c == ' ')) {
          return false;
        }
      }
      if (out) {
        out->push_back(c);
      }
      ++pos;
    } else {
      if (pos + 1 >= spec.size()) {
        return false;
      }
      char next = spec[pos + 1];
      pos += 2;
      if (next == '%' || next == '_' || next == '-') {
        if (out) {
          out->append(next == '%' ? "%" : next == '_' ? " " : "%20");
        }
      } else if (next == '{') {
        Macro macro;
        if (!parse_macro(spec, pos, use, macro)) {
          return false;
        }
        if (out) {
          std::string value = transform(letter_value(macro, *context), macro);
          out->append(macro.upper ? url_escape(value) : value);
        }
      } else {
        return false;
      }
    }
    if (out && out->size() > kMaxExpansion) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool valid_macro_string(std::string_view spec, MacroUse use) {
  return walk(spec, use, nullptr, nullptr);
}

Result<std::string> expand_macros(std::string_view spec, const MacroContext& context, MacroUse use) {
  std::string out;
  if (!walk(spec, use, &context, &out)) {
    return make_error(ErrorKind::bad_syntax, "invalid SPF macro-string");
  }
  if (use == MacroUse::domain_spec) {
    if (!out.empty() && out.back() == '.') {
      out.pop_back();
    }
    while (out.size() > kMaxDomain) {
      std::size_t dot = out.find('.');
      if (dot == std::string::npos) {
        return make_error(ErrorKind::bad_syntax, "expanded domain too long");
      }
      out.erase(0, dot + 1);
    }
  }
  return out;
}

}  // namespace postroom::mailauth
