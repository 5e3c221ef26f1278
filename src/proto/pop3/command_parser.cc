#include "proto/pop3/command_parser.h"

#include <limits>
#include <optional>
#include <vector>

#include "base/check.h"

namespace postroom::pop3 {

namespace {

ParseError syntax_error(std::string text) {
  return ParseError{ParseErrorKind::bad_syntax, std::move(text), false};
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Splits on spaces, tolerating runs of them (and leading/trailing ones) although RFC 1939
// asks for single spaces: several real clients send "LIST  1" or "STAT ".
std::vector<std::string_view> split_arguments(std::string_view text) {
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

// Parses a decimal without sign. Digits are accumulated with an overflow check so that a
// huge number can never wrap around to a valid message number.
enum class NumberError { none, not_a_number, too_large };
NumberError parse_decimal(std::string_view text, std::uint32_t& out) {
  if (text.empty()) {
    return NumberError::not_a_number;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return NumberError::not_a_number;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > std::numeric_limits<std::uint32_t>::max()) {
      return NumberError::too_large;
    }
  }
  out = static_cast<std::uint32_t>(value);
  return NumberError::none;
}

std::optional<ParseError> parse_message_number(std::string_view text, std::uint32_t& out) {
  switch (parse_decimal(text, out)) {
    case NumberError::not_a_number: return syntax_error("message number must be a positive decimal number");
    case NumberError::too_large: return syntax_error("message number too large");
    case NumberError::none: break;
  }
  if (out == 0) {
    return syntax_error("message numbers start at 1");
  }
  return std::nullopt;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 4422 §3.1: 1 to 20 characters of upper-case letters, digits, '-' and '_'. Lower case
// is accepted and folded, as clients differ.
bool normalise_mechanism(std::string_view text, std::string& out) {
  if (text.empty() || text.size() > 20) {
    return false;
  }
  out.clear();
  for (char c : text) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!allowed) {
      return false;
    }
    out.push_back(c);
  }
  return true;
}

std::string no_arguments_text(Verb verb) {
  return std::string(verb_name(verb)) + " takes no arguments";
}

ParseResult parse_command(std::string_view line) {
  for (char c : line) {
    if (is_control(c)) {
      // Also rejects NUL, which would truncate a name handed to C APIs downstream.
      return syntax_error("command contains a control character");
    }
  }
  std::size_t start = 0;
  while (start < line.size() && line[start] == ' ') {
    ++start;
  }
  std::size_t end = start;
  while (end < line.size() && line[end] != ' ') {
    ++end;
  }
  const std::string_view keyword = line.substr(start, end - start);
  if (keyword.empty()) {
    return syntax_error("empty command");
  }
  const std::optional<Verb> verb = verb_from_keyword(keyword);
  if (!verb) {
    return ParseError{ParseErrorKind::unknown_command, "unknown command", false};
  }
  const std::string_view rest = line.substr(end);

  Command command;
  command.verb = *verb;

  if (*verb == Verb::pass) {
    // Exactly one separator; the rest of the line, spaces included, is the password.
    if (rest.size() < 2 || rest[0] != ' ') {
      return syntax_error("PASS requires a password");
    }
    command.password = std::string(rest.substr(1));
    return command;
  }

  const std::vector<std::string_view> args = split_arguments(rest);
  switch (*verb) {
    case Verb::stat:
    case Verb::noop:
    case Verb::rset:
    case Verb::quit:
    case Verb::capa:
    case Verb::stls:
    case Verb::utf8:
      if (!args.empty()) {
        return syntax_error(no_arguments_text(*verb));
      }
      return command;

    case Verb::user:
      if (args.size() != 1) {
        return syntax_error("USER requires exactly one argument: the user name");
      }
      command.user = std::string(args[0]);
      return command;

    case Verb::apop: {
      if (args.size() != 2) {
        return syntax_error("APOP requires a user name and a digest");
      }
      if (args[1].size() != 32) {
        return syntax_error("APOP digest must be 32 hexadecimal digits");
      }
      command.user = std::string(args[0]);
      for (char c : args[1]) {
        if (!is_hex(c)) {
          return syntax_error("APOP digest must be 32 hexadecimal digits");
        }
        command.digest.push_back((c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c);
      }
      return command;
    }

    case Verb::list:
    case Verb::uidl: {
      if (args.size() > 1) {
        return syntax_error(std::string(verb_name(*verb)) + " takes at most one message number");
      }
      if (args.size() == 1) {
        std::uint32_t number = 0;
        if (auto error = parse_message_number(args[0], number)) {
          return *error;
        }
        command.message = number;
      }
      return command;
    }

    case Verb::retr:
    case Verb::dele: {
      if (args.size() != 1) {
        return syntax_error(std::string(verb_name(*verb)) + " requires exactly one message number");
      }
      std::uint32_t number = 0;
      if (auto error = parse_message_number(args[0], number)) {
        return *error;
      }
      command.message = number;
      return command;
    }

    case Verb::top: {
      if (args.size() != 2) {
        return syntax_error("TOP requires a message number and a line count");
      }
      std::uint32_t number = 0;
      if (auto error = parse_message_number(args[0], number)) {
        return *error;
      }
      command.message = number;
      switch (parse_decimal(args[1], command.line_count)) {
        case NumberError::not_a_number: return syntax_error("line count must be a non-negative decimal number");
        case NumberError::too_large: return syntax_error("line count too large");
        case NumberError::none: break;
      }
      return command;
    }

    case Verb::auth: {
      if (args.size() > 2) {
        return syntax_error("AUTH takes a mechanism and an optional initial response");
      }
      if (!args.empty() && !normalise_mechanism(args[0], command.mechanism)) {
        return syntax_error("invalid SASL mechanism name");
      }
      if (args.size() == 2) {
        command.initial_response = std::string(args[1]);
      }
      return command;
    }

    case Verb::pass: break;  // handled above
  }
  POSTROOM_CHECK(false, "unhandled POP3 verb");
  return command;
}

}  // namespace

Error to_error(const ParseError& error) {
  const ErrorKind kind = error.kind == ParseErrorKind::line_too_long ? ErrorKind::limit : ErrorKind::bad_syntax;
  return make_error(kind, error.text);
}

CommandParser::CommandParser(Limits limits) : limits_(limits) {
  POSTROOM_CHECK(limits_.max_command_line >= 3, "POP3 line limit must allow at least a CRLF");
}

void CommandParser::feed(std::string_view bytes) {
  // While dropping an over-long line, bytes before its LF are never stored: a client that
  // sends gigabytes without a newline costs us nothing but the read.
  if (discarding_ && buffered() == 0) {
    const std::size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) {
      return;
    }
    bytes.remove_prefix(lf);
  }
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

void CommandParser::expect_sasl_response(std::size_t max_len) {
  POSTROOM_CHECK(max_len >= 3, "SASL line limit must allow at least a CRLF");
  sasl_mode_ = true;
  sasl_max_len_ = max_len;
}

void CommandParser::clear() {
  buffer_.clear();
  consumed_ = 0;
  scanned_ = 0;
  discarding_ = false;
  sasl_mode_ = false;
}

std::size_t CommandParser::current_limit() const {
  return sasl_mode_ ? sasl_max_len_ : limits_.max_command_line;
}

ParseResult CommandParser::next() {
  const std::size_t lf = buffer_.find('\n', scanned_);
  if (lf == std::string::npos) {
    scanned_ = buffer_.size();
    if (discarding_) {
      buffer_.clear();
      consumed_ = 0;
      scanned_ = 0;
    } else if (buffered() >= current_limit()) {
      // Adding even just an LF would exceed the limit: stop buffering this line now.
      discarding_ = true;
      buffer_.clear();
      consumed_ = 0;
      scanned_ = 0;
    }
    return NeedMore{};
  }

  const std::size_t line_start = consumed_;
  const std::size_t line_octets = lf + 1 - line_start;  // including the terminator
  consumed_ = lf + 1;
  scanned_ = consumed_;

  const bool was_sasl = sasl_mode_;
  const std::size_t limit = current_limit();
  sasl_mode_ = false;
  if (discarding_ || line_octets > limit) {
    discarding_ = false;
    return ParseError{ParseErrorKind::line_too_long, "line too long (limit " + std::to_string(limit) + " octets)",
                      was_sasl};
  }

  std::string_view line(buffer_.data() + line_start, line_octets - 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (was_sasl) {
    return SaslResponse{std::string(line), line == "*"};
  }
  return parse_command(line);
}

}  // namespace postroom::pop3
