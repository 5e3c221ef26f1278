#include "proto/pop3/command.h"

#include <array>
#include <utility>

namespace postroom::pop3 {

namespace {

constexpr std::array<std::pair<std::string_view, Verb>, 16> kVerbs = {{
    {"USER", Verb::user},
    {"PASS", Verb::pass},
    {"APOP", Verb::apop},
    {"STAT", Verb::stat},
    {"LIST", Verb::list},
    {"RETR", Verb::retr},
    {"DELE", Verb::dele},
    {"NOOP", Verb::noop},
    {"RSET", Verb::rset},
    {"QUIT", Verb::quit},
    {"TOP", Verb::top},
    {"UIDL", Verb::uidl},
    {"CAPA", Verb::capa},
    {"STLS", Verb::stls},
    {"AUTH", Verb::auth},
    {"UTF8", Verb::utf8},
}};

char to_upper_ascii(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
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
  // Keywords are three or four characters (RFC 1939 §3); anything longer cannot match.
  if (keyword.size() < 3 || keyword.size() > 4) {
    return std::nullopt;
  }
  for (const auto& [name, verb] : kVerbs) {
    if (name.size() != keyword.size()) {
      continue;
    }
    bool same = true;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (to_upper_ascii(keyword[i]) != name[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      return verb;
    }
  }
  return std::nullopt;
}

}  // namespace postroom::pop3
