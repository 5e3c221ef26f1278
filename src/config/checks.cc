#include "config/checks.h"

#include <arpa/inet.h>

#include <cstdio>

namespace postroom::config {
namespace {

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

bool has_control_character(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string check_hostname(std::string_view value) {
  if (value.empty()) {
    return "must not be empty";
  }
  if (value.size() > 253) {
    return "is longer than 253 characters";
  }
  std::size_t label_length = 0;
  for (char c : value) {
    if (c == '.') {
      if (label_length == 0) {
        return "has an empty label";
      }
      label_length = 0;
      continue;
    }
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '-') {
      return "may contain only letters, digits, '-' and '.'";
    }
    if (++label_length > 63) {
      return "has a label longer than 63 characters";
    }
  }
  if (label_length == 0) {
    // A trailing dot (absolute name) would appear in greetings and certificates verbatim.
    return "has an empty label";
  }
  return "";
}

std::string check_path(std::string_view value) {
  if (value.empty()) {
    return "must not be empty";
  }
  if (has_control_character(value)) {
    return "must not contain control characters";
  }
  return "";
}

std::string check_optional_path(std::string_view value) {
  if (value.empty()) {
    return "";
  }
  return check_path(value);
}

std::string check_user_name(std::string_view value) {
  if (value.empty()) {
    return "";
  }
  if (value.size() > 32) {
    return "is longer than 32 characters";
  }
  if (!is_ascii_letter(value[0]) && value[0] != '_') {
    return "must start with a letter or '_'";
  }
  for (char c : value) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '_' && c != '-' && c != '.') {
      return "may contain only letters, digits, '_', '-' and '.'";
    }
  }
  return "";
}

std::string check_pop3_expire(std::string_view value) {
  if (value == "NEVER") {
    return "";
  }
  constexpr std::string_view kProblem = "must be \"NEVER\" or a whole number of days from 0 to 36500";
  // At most 5 digits keeps the running value far from overflow.
  if (value.empty() || value.size() > 5) {
    return std::string(kProblem);
  }
  unsigned days = 0;
  for (char c : value) {
    if (!is_ascii_digit(c)) {
      return std::string(kProblem);
    }
    days = days * 10 + static_cast<unsigned>(c - '0');
  }
  if (days > 36500) {
    return std::string(kProblem);
  }
  return "";
}

std::string check_ip_address(std::string_view value) {
  // inet_pton needs a NUL-terminated string; also refuses embedded NULs that way.
  std::string text(value);
  unsigned char buffer[16];
  if (text.find('\0') == std::string::npos &&
      (inet_pton(AF_INET, text.c_str(), buffer) == 1 || inet_pton(AF_INET6, text.c_str(), buffer) == 1)) {
    return "";
  }
  return "must be an IPv4 or IPv6 address such as \"0.0.0.0\", \"127.0.0.1\", \"::\" or \"::1\"";
}

std::string toml_quoted(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", c);
      out += escape;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string check_optional_host(std::string_view value) {
  if (value.empty() || check_ip_address(value).empty()) {
    return "";
  }
  return check_hostname(value);
}

std::string check_dns_resolver(std::string_view value) {
  std::size_t start = 0;
  while (start <= value.size() && !value.empty()) {
    std::size_t comma = value.find(',', start);
    std::string_view item =
        value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::size_t at = item.find('@');
    std::string_view ip = item.substr(0, at);
    if (!check_ip_address(ip).empty()) {
      return "each resolver must be an IP address, optionally followed by @port";
    }
    if (at != std::string_view::npos) {
      std::string_view port = item.substr(at + 1);
      if (port.empty() || port.size() > 5) {
        return "has a bad port after @";
      }
      unsigned number = 0;
      for (char c : port) {
        if (!is_ascii_digit(c)) {
          return "has a bad port after @";
        }
        number = number * 10 + static_cast<unsigned>(c - '0');
      }
      if (number == 0 || number > 65535) {
        return "has a bad port after @";
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return "";
}

std::string check_dkim_selector(std::string_view value) {
  if (value.empty() || value.size() > 63) {
    return "must be a DNS label of 1 to 63 characters";
  }
  for (char c : value) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '-') {
      return "may contain only letters, digits and '-'";
    }
  }
  return "";
}

}  // namespace postroom::config
