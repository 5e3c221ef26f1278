#include "proto/smtp/reply.h"

#include <algorithm>

#include "base/check.h"
#include "proto/smtp/text.h"

namespace postroom::smtp {

namespace {

// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including the CRLF.
constexpr std::size_t kMaxReplyLine = 512;

void append_line(std::string& out, int code, char separator, const std::optional<EnhancedStatus>& enhanced,
                 std::string_view text) {
  POSTROOM_CHECK(code >= 200 && code <= 599, "SMTP reply code out of range");
  const std::size_t line_start = out.size();
  out.append(std::to_string(code));
  out.push_back(separator);
  if (enhanced) {
    out.append(enhanced->to_string());
    if (!text.empty()) {
      out.push_back(' ');
    }
  }
  const std::size_t room = kMaxReplyLine - 2 - (out.size() - line_start);
  std::size_t take = std::min(room, text.size());
  if (take < text.size()) {
    // Do not cut inside a UTF-8 sequence: back off to the start of the cut character.
    while (take > 0 && (static_cast<unsigned char>(text[take]) & 0xc0) == 0x80) {
      --take;
    }
  }
  for (std::size_t i = 0; i < take; ++i) {
    out.push_back(detail::is_control(text[i]) ? ' ' : text[i]);
  }
  out.append("\r\n");
}

}  // namespace

std::string reply(int code, EnhancedStatus enhanced, std::string_view text) {
  std::string out;
  append_line(out, code, ' ', enhanced, text);
  return out;
}

std::string reply(int code, std::string_view text) {
  std::string out;
  append_line(out, code, ' ', std::nullopt, text);
  return out;
}

std::string multiline_reply(int code, std::optional<EnhancedStatus> enhanced, const std::vector<std::string>& lines) {
  std::string out;
  if (lines.empty()) {
    append_line(out, code, ' ', enhanced, {});
    return out;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    append_line(out, code, i + 1 == lines.size() ? ' ' : '-', enhanced, lines[i]);
  }
  return out;
}

std::string ehlo_reply(std::string_view greeting, const std::vector<std::string>& capabilities) {
  std::vector<std::string> lines;
  lines.reserve(capabilities.size() + 1);
  lines.emplace_back(greeting);
  lines.insert(lines.end(), capabilities.begin(), capabilities.end());
  return multiline_reply(250, std::nullopt, lines);
}

std::string reply_for(const ParseError& error) {
  return reply(error.code, error.enhanced, error.text);
}

std::optional<std::string> reply_for(const DataOutcome& outcome) {
  switch (outcome.status) {
    case DataStatus::ok: return std::nullopt;
    case DataStatus::bare_newline:
      return reply(550, {5, 5, 2}, "Message refused: bare <CR> or <LF> received; lines must end in <CR><LF>");
    case DataStatus::too_big: return reply(552, {5, 3, 4}, "Message size exceeds fixed maximum message size");
    case DataStatus::too_many_hops: return reply(554, {5, 4, 6}, "Too many hops: mail loop detected");
  }
  return std::nullopt;
}

std::string escape_for_reply(std::string_view bytes, std::size_t max_octets) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    const std::size_t need = (u >= 0x20 && u < 0x7f && c != '\\') ? 1 : 4;
    if (out.size() + need > max_octets) {
      out.append("...");
      break;
    }
    if (need == 1) {
      out.push_back(c);
    } else {
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
  return out;
}

}  // namespace postroom::smtp
