#include "mailauth/spf_record.h"

#include <charconv>

#include "mailauth/spf_macro.h"
#include "mime/text.h"

namespace postroom::mailauth {

namespace {

// Terms in one record. A 512-byte UDP answer holds ~100; TXT over TCP can hold thousands
// of "?all" terms, and each is a vector entry. Records this big are not real policy.
constexpr std::size_t kMaxTerms = 256;

Error syntax(std::string detail) {
  return make_error(ErrorKind::bad_syntax, std::move(detail));
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}

// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
bool valid_toplabel(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) {
    return false;
  }
  bool has_alpha = false;
  bool has_dash = false;
  for (char c : label) {
    if (is_alpha(c)) {
      has_alpha = true;
    } else if (c == '-') {
      has_dash = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  return has_alpha || has_dash;
}

// domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand
bool valid_domain_spec(std::string_view spec) {
  if (spec.empty() || !valid_macro_string(spec, MacroUse::domain_spec)) {
    return false;
  }
  if (spec.back() == '}') {
    return true;  // ends in a macro-expand (an escaped "%}" is not a macro, but rare enough)
  }
  if (spec.size() >= 2 && spec.back() == '.') {
    spec.remove_suffix(1);
  }
  std::size_t dot = spec.rfind('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  return valid_toplabel(spec.substr(dot + 1));
}

bool parse_number(std::string_view text, unsigned max, unsigned& out) {
  // No leading zeros beyond "0" itself (ip4-cidr-length = "0" / %x31-39 0*1DIGIT).
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

// Splits a trailing dual-cidr-length ("/24", "//64", "/24//64") off `rest`.
bool take_dual_cidr(std::string_view& rest, Mechanism& mechanism) {
  std::size_t double_slash = rest.rfind("//");
  if (double_slash != std::string_view::npos) {
    if (!parse_number(rest.substr(double_slash + 2), 128, mechanism.cidr6)) {
      return false;
    }
    rest = rest.substr(0, double_slash);
  }
  std::size_t slash = rest.rfind('/');
  if (slash != std::string_view::npos) {
    std::string_view digits = rest.substr(slash + 1);
    bool all_digits = !digits.empty();
    for (char c : digits) {
      all_digits = all_digits && is_digit(c);
    }
    // A slash followed by non-digits belongs to the domain-spec (a legal macro-literal).
    if (all_digits) {
      if (!parse_number(digits, 32, mechanism.cidr4)) {
        return false;
      }
      rest = rest.substr(0, slash);
    }
  }
  return true;
}

Result<Mechanism> parse_mechanism(std::string_view term) {
  Mechanism mechanism;
  switch (term.empty() ? '\0' : term.front()) {
    case '+':
      mechanism.qualifier = Qualifier::pass;
      term.remove_prefix(1);
      break;
    case '-':
      mechanism.qualifier = Qualifier::fail;
      term.remove_prefix(1);
      break;
    case '~':
      mechanism.qualifier = Qualifier::softfail;
      term.remove_prefix(1);
      break;
    case '?':
      mechanism.qualifier = Qualifier::neutral;
      term.remove_prefix(1);
      break;
    default: break;
  }
  std::size_t name_end = 0;
  while (name_end < term.size() && is_alnum(term[name_end])) {
    ++name_end;
  }
  std::string name = mime::to_lower_ascii(term.substr(0, name_end));
  std::string_view rest = term.substr(name_end);
  bool has_arg = !rest.empty() && rest.front() == ':';

  if (name == "all") {
    if (!rest.empty()) {
      return syntax("all takes no argument");
    }
    mechanism.kind = MechanismKind::all;
    return mechanism;
  }
  if (name == "include" || name == "exists") {
    mechanism.kind = name == "include" ? MechanismKind::include : MechanismKind::exists;
    if (!has_arg || !valid_domain_spec(rest.substr(1))) {
      return syntax(name + " needs a valid domain-spec");
    }
    mechanism.domain_spec = std::string(rest.substr(1));
    return mechanism;
  }
  if (name == "a" || name == "mx") {
    mechanism.kind = name == "a" ? MechanismKind::a : MechanismKind::mx;
    if (!take_dual_cidr(rest, mechanism)) {
      return syntax("bad cidr length");
    }
    if (has_arg) {
      if (!valid_domain_spec(rest.substr(1))) {
        return syntax(name + ": bad domain-spec");
      }
      mechanism.domain_spec = std::string(rest.substr(1));
    } else if (!rest.empty()) {
      return syntax("junk after " + name);
    }
    return mechanism;
  }
  if (name == "ptr") {
    mechanism.kind = MechanismKind::ptr;
    if (has_arg) {
      if (!valid_domain_spec(rest.substr(1))) {
        return syntax("ptr: bad domain-spec");
      }
      mechanism.domain_spec = std::string(rest.substr(1));
    } else if (!rest.empty()) {
      return syntax("junk after ptr");
    }
    return mechanism;
  }
  if (name == "ip4" || name == "ip6") {
    bool v6 = name == "ip6";
    mechanism.kind = v6 ? MechanismKind::ip6 : MechanismKind::ip4;
    if (!has_arg) {
      return syntax(name + " needs an address");
    }
    rest.remove_prefix(1);
    std::size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      if (!parse_number(rest.substr(slash + 1), v6 ? 128 : 32, v6 ? mechanism.cidr6 : mechanism.cidr4)) {
        return syntax("bad cidr length");
      }
      rest = rest.substr(0, slash);
    }
    auto ip = parse_ip(rest);
    // parse_ip maps ::ffff:a.b.c.d to IPv4; ip6 must have been written as IPv6 text.
    bool written_v6 = rest.find(':') != std::string_view::npos;
    if (!ip || written_v6 != v6) {
      return syntax(name + ": bad address");
    }
    mechanism.network = *ip;
    return mechanism;
  }
  return syntax("unknown mechanism " + name);
}

}  // namespace

bool is_spf_record(std::string_view txt) {
  if (txt.size() < 6 || !mime::iequals(txt.substr(0, 6), "v=spf1")) {
    return false;
  }
  return txt.size() == 6 || txt[6] == ' ';
}

Result<SpfRecord> parse_spf_record(std::string_view txt) {
  if (!is_spf_record(txt)) {
    return syntax("not an SPF record");
  }
  SpfRecord record;
  std::string_view rest = txt.substr(6);
  std::size_t terms = 0;
  while (!rest.empty()) {
    // terms = *( 1*SP ( directive / modifier ) ); trailing spaces are tolerated.
    while (!rest.empty() && rest.front() == ' ') {
      rest.remove_prefix(1);
    }
    if (rest.empty()) {
      break;
    }
    std::size_t end = rest.find(' ');
    std::string_view term = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (++terms > kMaxTerms) {
      return make_error(ErrorKind::limit, "too many SPF terms");
    }
    // modifier = name "=" macro-string; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
    std::size_t name_end = 0;
    while (name_end < term.size() &&
           (is_alnum(term[name_end]) || term[name_end] == '-' || term[name_end] == '_' || term[name_end] == '.')) {
      ++name_end;
    }
    if (name_end > 0 && name_end < term.size() && term[name_end] == '=' && is_alpha(term[0])) {
      std::string name = mime::to_lower_ascii(term.substr(0, name_end));
      std::string_view value = term.substr(name_end + 1);
      if (name == "redirect" || name == "exp") {
        std::optional<std::string>& slot = name == "redirect" ? record.redirect : record.exp;
        if (slot) {
          return syntax("duplicate " + name + "=");
        }
        if (!valid_domain_spec(value)) {
          return syntax(name + "= needs a valid domain-spec");
        }
        slot = std::string(value);
      } else if (!valid_macro_string(value, MacroUse::explanation)) {
        return syntax("bad macro-string in modifier " + name);
      }
      continue;
    }
    auto mechanism = parse_mechanism(term);
    if (!mechanism) {
      return mechanism.error();
    }
    record.mechanisms.push_back(std::move(*mechanism));
  }
  return record;
}

}  // namespace postroom::mailauth
