// Validators for string settings whose shape matters more than "one of a list".
// Each returns "" when the value is acceptable, otherwise the problem in a few words.
// They are pure functions of the text, so they are tested one by one in checks_test.cc.
#pragma once

#include <string>
#include <string_view>

namespace postroom::config {

// A DNS name (letters, digits, '-' and '.', labels of 1..63, at most 253 in all).
// Why strict: the name is written verbatim into SMTP/POP3/IMAP greetings, so a space or a
// CR/LF here would let the config inject protocol lines.
std::string check_hostname(std::string_view value);

// A path that is not empty and has no control characters.
std::string check_path(std::string_view value);

// "" (the default: empty means "feature off") or a path as check_path.
std::string check_optional_path(std::string_view value);

// "" or a Unix user name: starts with a letter or '_', then letters, digits, '_', '-', '.'.
std::string check_user_name(std::string_view value);

// RFC 2449 EXPIRE: "NEVER" or a whole number of days from 0 to 36500, in decimal.
std::string check_pop3_expire(std::string_view value);

// An IPv4 or IPv6 literal ("0.0.0.0", "::1"); host names are refused because binding must
// not depend on DNS at startup.
std::string check_ip_address(std::string_view value);

// "" or a host name (check_hostname) or an IP literal.
std::string check_optional_host(std::string_view value);

// "" or comma-separated resolver addresses "IP" or "IP@port" (libunbound's forwarder syntax).
std::string check_dns_resolver(std::string_view value);

// One DNS label (letters, digits, '-'; 1..63): the DKIM selector goes into a DNS name.
std::string check_dkim_selector(std::string_view value);

// `text` as a TOML basic string, quotes included; control characters escaped. Used to show
// defaults in docs and to echo a bad value in an error without letting it forge a log line.
std::string toml_quoted(std::string_view text);

}  // namespace postroom::config
