#include "proto/smtp/command_parser.h"

#include <limits>
#include <optional>
#include <vector>

#include "base/check.h"
#include "proto/smtp/text.h"
#include "proto/smtp/xtext.h"

namespace postroom::smtp {

namespace {

using detail::iequals;
using detail::is_alnum;
using detail::is_digit;

ParseError make(ParseErrorKind kind, std::string text) {
  ParseError error;
  error.kind = kind;
  error.text = std::move(text);
  switch (kind) {
    case ParseErrorKind::line_too_long:
    case ParseErrorKind::bare_newline:
    case ParseErrorKind::bad_syntax:
      error.code = 500;
      error.enhanced = {5, 5, 2};
      break;
    case ParseErrorKind::auth_line_too_long:
      error.code = 500;
      error.enhanced = {5, 5, 6};
      break;
    case ParseErrorKind::unknown_command:
      error.code = 500;
      error.enhanced = {5, 5, 1};
      break;
    case ParseErrorKind::bad_arguments:
    case ParseErrorKind::bad_parameter:
      error.code = 501;
      error.enhanced = {5, 5, 4};
      break;
    case ParseErrorKind::bad_sender:
      error.code = 501;
      error.enhanced = {5, 1, 7};
      break;
    case ParseErrorKind::bad_recipient:
      error.code = 501;
      error.enhanced = {5, 1, 3};
      break;
    case ParseErrorKind::unrecognized_parameter:
      error.code = 555;
      error.enhanced = {5, 5, 4};
      break;
  }
  return error;
}

ParseError bad_arguments(std::string text) {
  return make(ParseErrorKind::bad_arguments, std::move(text));
}
ParseError bad_parameter(std::string text) {
  return make(ParseErrorKind::bad_parameter, std::move(text));
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = detail::to_upper(c);
  }
  return out;
}

// Splits on spaces, tolerating runs of them and leading/trailing ones (RFC 5321 asks for
// single spaces; several real clients send doubled or trailing ones).
std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') {
      ++i;
    }
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') {
      ++i;
    }
    if (i > start) {
      out.push_back(text.substr(start, i - start));
    }
  }
  return out;
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  return text;
}

// 1*20DIGIT (RFC 1870 size-value); larger values saturate.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  if (text.empty() || text.size() > 20) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (char c : text) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      value = kMax;
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_esmtp_keyword(std::string_view text) {
  if (text.empty() || !is_alnum(text.front())) {
    return false;
  }
  for (char c : text) {
    if (!is_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126), plus UTF8-non-ascii (RFC 6531 §3.3).
bool is_esmtp_value(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!((u >= 33 && u <= 60) || (u >= 62 && u <= 126) || u >= 0x80)) {
      return false;
    }
  }
  return true;
}

bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 32 || c > 126) {
      return false;
    }
  }
  return true;
}

// RFC 4422 §3.1: 1 to 20 characters of upper-case letters, digits, "-" and "_". Lower case is
// accepted and folded.
bool normalise_mechanism(std::string_view text, std::string& out) {
  if (text.empty() || text.size() > 20) {
    return false;
  }
  out.clear();
  for (char c : text) {
    c = detail::to_upper(c);
    if (!((c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_')) {
      return false;
    }
    out.push_back(c);
  }
  return true;
}

struct Parameter {
  std::string_view keyword;
  std::optional<std::string_view> value;
};

std::optional<ParseError> split_parameters(std::string_view text, std::vector<Parameter>& out) {
  for (std::string_view word : split_words(text)) {
    Parameter parameter;
    const std::size_t eq = word.find('=');
    parameter.keyword = word.substr(0, eq);
    if (eq != std::string_view::npos) {
      parameter.value = word.substr(eq + 1);
    }
    if (!is_esmtp_keyword(parameter.keyword) || (parameter.value && !is_esmtp_value(*parameter.value))) {
      return bad_parameter("bad parameter syntax");
    }
    out.push_back(parameter);
  }
  return std::nullopt;
}

std::string keyword_for_text(std::string_view keyword) {
  return upper(keyword.substr(0, 32));  // already validated as letters, digits and "-"
}

ParseError unrecognized(std::string_view verb, std::string_view keyword) {
  return make(ParseErrorKind::unrecognized_parameter,
              std::string(verb) + " parameter " + keyword_for_text(keyword) + " not recognized");
}

std::optional<ParseError> require_value(const Parameter& p) {
  if (!p.value) {
    return bad_parameter(keyword_for_text(p.keyword) + " requires a value");
  }
  return std::nullopt;
}

std::optional<ParseError> parse_mail_parameters(std::string_view text, MailParams& params) {
  std::vector<Parameter> list;
  if (auto error = split_parameters(text, list)) {
    return error;
  }
  unsigned seen = 0;
  for (const Parameter& p : list) {
    unsigned bit = 0;
    if (iequals(p.keyword, "SIZE")) {
      bit = 1;
    } else if (iequals(p.keyword, "BODY")) {
      bit = 2;
    } else if (iequals(p.keyword, "SMTPUTF8")) {
      bit = 4;
    } else if (iequals(p.keyword, "RET")) {
      bit = 8;
    } else if (iequals(p.keyword, "ENVID")) {
      bit = 16;
    } else if (iequals(p.keyword, "AUTH")) {
      bit = 32;
    } else {
      return unrecognized("MAIL", p.keyword);
    }
    if (seen & bit) {
      return bad_parameter("duplicate " + keyword_for_text(p.keyword) + " parameter");
    }
    seen |= bit;
    if (bit == 4) {
      if (p.value) {
        return bad_parameter("SMTPUTF8 takes no value");
      }
      params.smtputf8 = true;
      continue;
    }
    if (auto error = require_value(p)) {
      return error;
    }
    const std::string_view value = *p.value;
    switch (bit) {
      case 1: {
        params.size = parse_size(value);
        if (!params.size) {
          return bad_parameter("invalid SIZE value");
        }
        break;
      }
      case 2:
        if (iequals(value, "7BIT")) {
          params.body = Body::seven_bit;
        } else if (iequals(value, "8BITMIME")) {
          params.body = Body::eight_bit;
        } else if (iequals(value, "BINARYMIME")) {
          params.body = Body::binary_mime;
        } else {
          return bad_parameter("invalid BODY value");
        }
        break;
      case 8:
        if (iequals(value, "FULL")) {
          params.ret = Ret::full;
        } else if (iequals(value, "HDRS")) {
          params.ret = Ret::hdrs;
        } else {
          return bad_parameter("invalid RET value");
        }
        break;
      case 16: {
        // RFC 3461 §4.4: at most 100 characters; the decoded value goes into DSN headers, so
        // it must stay printable ASCII.
        std::optional<std::string> decoded = decode_xtext(value);
        if (value.size() > 100 || !decoded || !is_printable_ascii(*decoded)) {
          return bad_parameter("invalid ENVID value");
        }
        params.envid = std::move(*decoded);
        break;
      }
      case 32: {
        if (value == "<>") {
          params.auth = std::string();
          break;
        }
        std::optional<std::string> decoded = decode_xtext(value);
        if (!decoded || decoded->empty() || !is_printable_ascii(*decoded)) {
          return bad_parameter("invalid AUTH value");
        }
        params.auth = std::move(*decoded);
        break;
      }
      default: POSTROOM_CHECK(false, "unhandled MAIL parameter");
    }
  }
  return std::nullopt;
}

std::optional<ParseError> parse_notify(std::string_view value, Notify& notify) {
  std::size_t start = 0;
  int count = 0;
  while (true) {
    const std::size_t comma = value.find(',', start);
    const std::string_view item =
        value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    bool* flag = nullptr;
    if (iequals(item, "NEVER")) {
      flag = &notify.never;
    } else if (iequals(item, "SUCCESS")) {
      flag = &notify.success;
    } else if (iequals(item, "FAILURE")) {
      flag = &notify.failure;
    } else if (iequals(item, "DELAY")) {
      flag = &notify.delay;
    } else {
      return bad_parameter("invalid NOTIFY value");
    }
    if (*flag) {
      return bad_parameter("invalid NOTIFY value");
    }
    *flag = true;
    ++count;
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  // RFC 3461 §4.1: NEVER must appear alone.
  if (notify.never && count > 1) {
    return bad_parameter("NOTIFY=NEVER cannot be combined");
  }
  return std::nullopt;
}

std::optional<ParseError> parse_rcpt_parameters(std::string_view text, RcptParams& params) {
  std::vector<Parameter> list;
  if (auto error = split_parameters(text, list)) {
    return error;
  }
  for (const Parameter& p : list) {
    if (iequals(p.keyword, "NOTIFY")) {
      if (params.notify) {
        return bad_parameter("duplicate NOTIFY parameter");
      }
      if (auto error = require_value(p)) {
        return error;
      }
      Notify notify;
      if (auto error = parse_notify(*p.value, notify)) {
        return error;
      }
      params.notify = notify;
    } else if (iequals(p.keyword, "ORCPT")) {
      if (params.orcpt) {
        return bad_parameter("duplicate ORCPT parameter");
      }
      if (auto error = require_value(p)) {
        return error;
      }
      // orcpt-parameter = "ORCPT=" addr-type ";" xtext, at most 500 characters (RFC 3461 §4.2).
      const std::string_view value = *p.value;
      const std::size_t semi = value.find(';');
      if (value.size() > 500 || semi == std::string_view::npos || semi == 0 || semi + 1 == value.size() ||
          !is_esmtp_keyword(value.substr(0, semi))) {
        return bad_parameter("invalid ORCPT value");
      }
      Orcpt orcpt;
      orcpt.addr_type = std::string(value.substr(0, semi));
      const std::string_view address = value.substr(semi + 1);
      if (iequals(orcpt.addr_type, "utf-8")) {
        orcpt.address = std::string(address);  // RFC 6533 utf-8-addr-xtext, kept as sent
      } else {
        std::optional<std::string> decoded = decode_xtext(address);
        if (!decoded || decoded->empty() || !is_printable_ascii(*decoded)) {
          return bad_parameter("invalid ORCPT value");
        }
        orcpt.address = std::move(*decoded);
      }
      params.orcpt = std::move(orcpt);
    } else {
      return unrecognized("RCPT", p.keyword);
    }
  }
  return std::nullopt;
}

ParseError address_error(Verb verb, std::string_view text) {
  return make(verb == Verb::mail ? ParseErrorKind::bad_sender : ParseErrorKind::bad_recipient, std::string(text));
}

// MAIL FROM:<path> [SP params] / RCPT TO:<path> [SP params]
std::optional<ParseError> parse_transaction(Verb verb, std::string_view rest, const Limits& limits, Command& command) {
  const std::string_view prefix = verb == Verb::mail ? "FROM:" : "TO:";
  rest = rest.substr(rest.find_first_not_of(' ') == std::string_view::npos ? rest.size() : rest.find_first_not_of(' '));
  if (!detail::istarts_with(rest, prefix)) {
    return bad_arguments(verb == Verb::mail ? "syntax: MAIL FROM:<address>" : "syntax: RCPT TO:<address>");
  }
  rest.remove_prefix(prefix.size());
  // Tolerated: spaces after the colon ("MAIL FROM: <a@b>"), which RFC 5321 does not allow
  // but Outlook and several libraries have sent for decades. The angle brackets stay
  // mandatory, so the path cannot be confused with the parameters.
  while (!rest.empty() && rest.front() == ' ') {
    rest.remove_prefix(1);
  }
  if (rest.empty() || rest.front() != '<') {
    return address_error(verb, "address must be enclosed in angle brackets");
  }
  auto parsed = parse_path(rest, verb == Verb::mail ? PathRole::reverse : PathRole::forward, limits.address);
  if (const auto* error = std::get_if<AddressError>(&parsed)) {
    return address_error(verb, error->text);
  }
  auto& ok = std::get<ParsedPath>(parsed);
  command.path = std::move(ok.path);
  rest.remove_prefix(ok.length);
  if (!rest.empty() && rest.front() != ' ') {
    return address_error(verb, "unexpected text after the address");
  }
  if (verb == Verb::mail) {
    return parse_mail_parameters(rest, command.mail);
  }
  return parse_rcpt_parameters(rest, command.rcpt);
}

}  // namespace

std::variant<Command, ParseError> parse_command_line(std::string_view line, const Limits& limits) {
  for (char c : line) {
    if (detail::is_control(c)) {
      // Also rejects NUL (truncation downstream) and a CR not followed by LF.
      return make(ParseErrorKind::bad_syntax, "command contains a control character");
    }
  }
  if (!detail::is_valid_utf8(line)) {
    return make(ParseErrorKind::bad_syntax, "command is not valid UTF-8");
  }
  const std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    return make(ParseErrorKind::bad_syntax, "empty command");
  }
  std::size_t end = line.find(' ', start);
  if (end == std::string_view::npos) {
    end = line.size();
  }
  const std::optional<Verb> verb = verb_from_keyword(line.substr(start, end - start));
  if (!verb) {
    return make(ParseErrorKind::unknown_command, "command unrecognized");
  }
  const std::string_view rest = line.substr(end);
  const std::string name(verb_name(*verb));

  Command command;
  command.verb = *verb;
  switch (*verb) {
    case Verb::helo:
    case Verb::ehlo:
    case Verb::lhlo: {
      const std::vector<std::string_view> words = split_words(rest);
      if (words.empty()) {
        return bad_arguments(name + " requires a domain or address literal");
      }
      // Extra words are ignored: some clients append their software name.
      command.domain = std::string(words[0]);
      command.domain_valid = words[0].front() == '[' ? address_literal_kind(words[0]).has_value()
                                                     : is_valid_domain(words[0], limits.address.max_domain);
      return command;
    }

    case Verb::mail:
    case Verb::rcpt:
      if (auto error = parse_transaction(*verb, rest, limits, command)) {
        return *error;
      }
      return command;

    case Verb::data:
    case Verb::rset:
    case Verb::quit:
    case Verb::starttls:
      if (!split_words(rest).empty()) {
        return bad_arguments(name + " takes no arguments");
      }
      return command;

    case Verb::noop:
    case Verb::help: command.argument = std::string(trim_spaces(rest)); return command;

    case Verb::vrfy:
    case Verb::expn:
      command.argument = std::string(trim_spaces(rest));
      if (command.argument.empty()) {
        return bad_arguments(name + " requires an argument");
      }
      return command;

    case Verb::bdat: {
      // The chunk octets follow the line whatever we answer; if their number cannot be read
      // the stream cannot be followed any more.
      const std::vector<std::string_view> words = split_words(rest);
      std::optional<std::uint64_t> size;
      if (!words.empty()) {
        size = parse_size(words[0]);
      }
      if (!size || words.size() > 2 || (words.size() == 2 && !iequals(words[1], "LAST"))) {
        ParseError error = bad_arguments("syntax: BDAT size [LAST]");
        error.close_connection = true;
        return error;
      }
      command.chunk_size = *size;
      command.last = words.size() == 2;
      return command;
    }

    case Verb::auth: {
      const std::vector<std::string_view> words = split_words(rest);
      if (words.empty() || words.size() > 2) {
        return bad_arguments("syntax: AUTH mechanism [initial-response]");
      }
      if (!normalise_mechanism(words[0], command.mechanism)) {
        return bad_arguments("invalid SASL mechanism name");
      }
      if (words.size() == 2) {
        command.initial_response = std::string(words[1]);
      }
      return command;
    }
  }
  POSTROOM_CHECK(false, "unhandled SMTP verb");
  return command;
}

Error to_error(const ParseError& error) {
  const bool limit = error.kind == ParseErrorKind::line_too_long || error.kind == ParseErrorKind::auth_line_too_long;
  return make_error(limit ? ErrorKind::limit : ErrorKind::bad_syntax, error.text);
}

CommandParser::CommandParser(Limits limits) : limits_(limits) {
  POSTROOM_CHECK(limits_.max_command_line >= 512, "RFC 5321 §4.5.3.1.4: command lines of 512 octets must fit");
}

void CommandParser::feed(std::string_view bytes) {
  lines_.feed(bytes);
}

void CommandParser::expect_sasl_response(std::size_t max_len) {
  POSTROOM_CHECK(max_len >= 3, "SASL line limit must allow at least a CRLF");
  sasl_mode_ = true;
  sasl_max_len_ = max_len;
}

void CommandParser::clear() {
  lines_.clear();
  sasl_mode_ = false;
}

ParseResult CommandParser::next() {
  const bool sasl = sasl_mode_;
  const std::size_t limit = sasl ? sasl_max_len_ : limits_.max_command_line;
  std::optional<detail::LineBuffer::Line> line = lines_.next(limit);
  if (!line) {
    return NeedMore{};
  }
  sasl_mode_ = false;
  if (line->too_long) {
    ParseError error = sasl ? make(ParseErrorKind::auth_line_too_long, "authentication exchange line is too long")
                            : make(ParseErrorKind::line_too_long, "line too long");
    error.in_sasl_exchange = sasl;
    return error;
  }
  if (line->bare_lf && limits_.bare_newline == BareNewlinePolicy::reject) {
    ParseError error = make(ParseErrorKind::bare_newline, "bare <LF> received; lines must end in <CR><LF>");
    error.in_sasl_exchange = sasl;
    return error;
  }
  if (sasl) {
    for (char c : line->content) {
      if (detail::is_control(c)) {
        ParseError error = make(ParseErrorKind::bad_syntax, "authentication response contains a control character");
        error.code = 501;
        error.enhanced = {5, 5, 2};
        error.in_sasl_exchange = true;
        return error;
      }
    }
    return SaslResponse{std::string(line->content), line->content == "*"};
  }
  std::variant<Command, ParseError> parsed = parse_command_line(line->content, limits_);
  if (auto* command = std::get_if<Command>(&parsed)) {
    return std::move(*command);
  }
  return std::move(std::get<ParseError>(parsed));
}

}  // namespace postroom::smtp
