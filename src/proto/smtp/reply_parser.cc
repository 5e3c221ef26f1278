#include "proto/smtp/reply_parser.h"

#include "base/check.h"
#include "proto/smtp/text.h"

namespace postroom::smtp {

namespace {

struct LineParts {
  int code = 0;
  bool final = false;
  std::string_view text;
};

// Returns nullopt when the line is not "ddd", "ddd text" or "ddd-text".
std::optional<LineParts> split_reply_line(std::string_view line) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
      !detail::is_digit(line[2])) {
    return std::nullopt;
  }
  LineParts parts;
  parts.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (line.size() == 3) {
    parts.final = true;
    return parts;
  }
  if (line[3] != ' ' && line[3] != '-') {
    return std::nullopt;
  }
  parts.final = line[3] == ' ';
  parts.text = line.substr(4);
  for (char c : parts.text) {
    if (detail::is_control(c) && c != '\t') {
      return std::nullopt;
    }
  }
  return parts;
}

std::optional<EnhancedStatus> enhanced_of(int code, std::string_view text) {
  const std::size_t space = text.find(' ');
  std::optional<EnhancedStatus> status = parse_enhanced_status(text.substr(0, space));
  if (!status || status->klass != code / 100) {
    return std::nullopt;
  }
  return status;
}

}  // namespace

std::string_view text_of(const Reply& reply, std::size_t line) {
  POSTROOM_CHECK(line < reply.lines.size(), "reply line index out of range");
  std::string_view text = reply.lines[line];
  if (reply.enhanced) {
    const std::size_t space = text.find(' ');
    const std::optional<EnhancedStatus> status = parse_enhanced_status(text.substr(0, space));
    if (status && *status == *reply.enhanced) {
      text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    }
  }
  return text;
}

ReplyParser::ReplyParser(ReplyLimits limits) : limits_(limits) {
  POSTROOM_CHECK(limits_.max_line >= 512, "RFC 5321 §4.5.3.1.5: reply lines of 512 octets must fit");
  POSTROOM_CHECK(limits_.max_lines >= 1, "a reply has at least one line");
}

void ReplyParser::feed(std::string_view bytes) {
  lines_.feed(bytes);
}

void ReplyParser::clear() {
  lines_.clear();
  current_ = Reply{};
  in_reply_ = false;
  skipping_ = false;
}

ReplyResult ReplyParser::next() {
  while (true) {
    std::optional<detail::LineBuffer::Line> line = lines_.next(limits_.max_line);
    if (!line) {
      return NeedMore{};
    }
    std::optional<LineParts> parts;
    if (!line->too_long) {
      parts = split_reply_line(line->content);
    }
    if (skipping_) {
      // Resynchronise: the broken reply ends at its final line (or any unreadable line).
      if (!parts || parts->final) {
        skipping_ = false;
      }
      continue;
    }
    ReplyError error;
    if (line->too_long) {
      error = {ReplyErrorKind::line_too_long, "reply line too long"};
    } else if (!parts) {
      error = {ReplyErrorKind::bad_syntax, "malformed reply line"};
    } else if (in_reply_ && parts->code != current_.code) {
      error = {ReplyErrorKind::inconsistent_code, "reply code changed within a multi-line reply"};
    } else if (current_.lines.size() == limits_.max_lines) {
      error = {ReplyErrorKind::too_many_lines, "too many lines in reply"};
    } else {
      if (!in_reply_) {
        in_reply_ = true;
        current_.code = parts->code;
        current_.enhanced = enhanced_of(parts->code, parts->text);
      }
      current_.lines.emplace_back(parts->text);
      if (!parts->final) {
        continue;
      }
      Reply done = std::move(current_);
      current_ = Reply{};
      in_reply_ = false;
      return done;
    }
    // Error: skip the rest of the broken reply when this line did not end it.
    const bool ended = line->too_long ? false : (!parts || parts->final);
    skipping_ = in_reply_ ? !ended : (parts && !parts->final) || line->too_long;
    current_ = Reply{};
    in_reply_ = false;
    return error;
  }
}

}  // namespace postroom::smtp
