#include "proto/smtp/command.h"

#include <array>
#include <utility>

#include "proto/smtp/text.h"

namespace postroom::smtp {

namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 15> kVerbs = {{
    {"HELO", Verb::helo},
    {"EHLO", Verb::ehlo},
    {"LHLO", Verb::lhlo},
    {"MAIL", Verb::mail},
    {"RCPT", Verb::rcpt},
    {"DATA", Verb::data},
    {"BDAT", Verb::bdat},
    {"RSET", Verb::rset},
    {"NOOP", Verb::noop},
    {"QUIT", Verb::quit},
    {"VRFY", Verb::vrfy},
    {"EXPN", Verb::expn},
    {"HELP", Verb::help},
    {"STARTTLS", Verb::starttls},
    {"AUTH", Verb::auth},
}};

bool is_dot_string(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') {
    return false;
  }
  char previous = 0;
  for (char c : text) {
    if (c == '.') {
      if (previous == '.') {
        return false;
      }
    } else if (!detail::is_atext(c)) {
      return false;
    }
    previous = c;
  }
  return true;
}

}  // namespace

std::string_view verb_name(Verb verb) {
  for (const auto& [name, v] : kVerbs) {
    if (v == verb) {
      return name;
    }
  }
  return "?";
}

std::optional<Verb> verb_from_keyword(std::string_view keyword) {
  for (const auto& [name, verb] : kVerbs) {
    if (detail::iequals(name, keyword)) {
      return verb;
    }
  }
  return std::nullopt;
}

std::string Mailbox::to_wire() const {
  std::string out;
  if (is_dot_string(local_part)) {
    out = local_part;
  } else {
    out.push_back('"');
    for (char c : local_part) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
      }
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('@');
  out.append(domain);
  return out;
}

}  // namespace postroom::smtp
