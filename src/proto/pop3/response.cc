#include "proto/pop3/response.h"

namespace postroom::pop3 {

namespace {

void append_single_line(std::string& out, std::string_view text) {
  for (char c : text) {
    out.push_back((c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
  }
}

std::string status_line(std::string_view status, std::string_view code, std::string_view text) {
  std::string out(status);
  if (!code.empty()) {
    out.append(" [");
    out.append(code);
    out.push_back(']');
  }
  if (!text.empty()) {
    out.push_back(' ');
    append_single_line(out, text);
  }
  out.append("\r\n");
  return out;
}

// Walks message as lines, treating CRLF, bare LF and bare CR each as one line end. Calls
// on_line(content) for every line; a last line without a terminator counts as a line too.
// on_line returns false to stop early.
template <typename F>
void for_each_line(std::string_view message, F&& on_line) {
  std::size_t pos = 0;
  while (pos < message.size()) {
    const std::size_t end = message.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      on_line(message.substr(pos));
      return;
    }
    if (!on_line(message.substr(pos, end - pos))) {
      return;
    }
    pos = end + 1;
    if (message[end] == '\r' && pos < message.size() && message[pos] == '\n') {
      ++pos;
    }
  }
}

void append_stuffed_line(std::string& out, std::string_view line) {
  if (!line.empty() && line.front() == '.') {
    out.push_back('.');
  }
  out.append(line);
  out.append("\r\n");
}

}  // namespace

std::string_view resp_code_name(RespCode code) {
  switch (code) {
    case RespCode::in_use: return "IN-USE";
    case RespCode::login_delay: return "LOGIN-DELAY";
    case RespCode::sys_temp: return "SYS/TEMP";
    case RespCode::sys_perm: return "SYS/PERM";
    case RespCode::auth: return "AUTH";
    case RespCode::utf8: return "UTF8";
  }
  return "SYS/PERM";
}

std::string ok(std::string_view text) {
  return status_line("+OK", {}, text);
}

std::string err(std::string_view text) {
  return status_line("-ERR", {}, text);
}

std::string err_code(RespCode code, std::string_view text) {
  return status_line("-ERR", resp_code_name(code), text);
}

void append_dot_stuffed(std::string& out, std::string_view message) {
  out.reserve(out.size() + message.size() + 2);
  for_each_line(message, [&out](std::string_view line) {
    append_stuffed_line(out, line);
    return true;
  });
}

void append_top(std::string& out, std::string_view message, std::uint64_t n_lines) {
  bool in_body = false;
  std::uint64_t body_lines = 0;
  for_each_line(message, [&](std::string_view line) {
    if (in_body) {
      if (body_lines == n_lines) {
        return false;
      }
      ++body_lines;
    } else if (line.empty()) {
      in_body = true;
    }
    append_stuffed_line(out, line);
    return true;
  });
}

std::uint64_t pop3_size(std::string_view message) {
  std::uint64_t size = 0;
  for_each_line(message, [&size](std::string_view line) {
    size += line.size() + 2;
    return true;
  });
  return size;
}

}  // namespace postroom::pop3
