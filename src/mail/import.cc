#include "mail/import.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

namespace postroom::mail {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool is_from_line(std::string_view line) {
  return starts_with(line, "From ");
}

// ">From ", ">>From " ... : quoted From_ lines in mboxrd.
bool is_quoted_from(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] == '>') {
    ++i;
  }
  return i > 0 && starts_with(line.substr(i), "From ");
}

void add_flag(std::vector<std::string>& flags, const char* flag) {
  if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
    flags.emplace_back(flag);
  }
}

// Reads Status/X-Status from the header block of `message`.
std::vector<std::string> mbox_flags(std::string_view message) {
  std::vector<std::string> flags;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t end = message.find('\n', pos);
    std::string_view line = message.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      break;
    }
    auto header_value = [&](std::string_view name) -> std::string_view {
      if (line.size() > name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
        return line.substr(name.size());
      }
      return {};
    };
    std::string_view status = header_value("Status:");
    std::string_view xstatus = header_value("X-Status:");
    for (char c : status) {
      if (c == 'R') {
        add_flag(flags, "\\Seen");
      }
    }
    for (char c : xstatus) {
      if (c == 'A') {
        add_flag(flags, "\\Answered");
      } else if (c == 'F') {
        add_flag(flags, "\\Flagged");
      } else if (c == 'T') {
        add_flag(flags, "\\Draft");
      } else if (c == 'D') {
        add_flag(flags, "\\Deleted");
      }
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return flags;
}

}  // namespace

std::int64_t parse_from_line_date(std::string_view from_line) {
  // "From <sender> <asctime>": the date is the last 24 characters in the classic form
  // "Thu Nov 24 18:22:48 1986"; some writers add a zone, so search for the weekday pattern.
  static const char* kDays[] = {"Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "};
  std::string line(from_line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
    line.pop_back();
  }
  for (std::size_t pos = 5; pos + 24 <= line.size(); ++pos) {
    for (const char* day : kDays) {
      if (line.compare(pos, 4, day) == 0) {
        std::tm tm{};
        const char* end = strptime(line.c_str() + pos, "%a %b %d %H:%M:%S %Y", &tm);
        if (end != nullptr) {
          return static_cast<std::int64_t>(timegm(&tm));
        }
      }
    }
  }
  return 0;
}

void split_mbox(std::string_view mbox, const std::function<bool(ImportedMessage&&)>& sink) {
  ImportedMessage current;
  bool in_message = false;
  bool previous_blank = true;
  std::size_t pos = 0;
  auto finish = [&]() -> bool {
    if (!in_message) {
      return true;
    }
    // The blank line before the next From_ belongs to the mbox format, not to the message.
    std::string& bytes = current.bytes;
    if (bytes.size() >= 2 && bytes.compare(bytes.size() - 2, 2, "\n\n") == 0) {
      bytes.pop_back();
    } else if (bytes.size() >= 4 && bytes.compare(bytes.size() - 4, 4, "\r\n\r\n") == 0) {
      bytes.resize(bytes.size() - 2);
    }
    current.flags = mbox_flags(bytes);
    bool go_on = sink(std::move(current));
    current = ImportedMessage{};
    in_message = false;
    return go_on;
  };
  while (pos < mbox.size()) {
    std::size_t end = mbox.find('\n', pos);
    std::size_t next = end == std::string_view::npos ? mbox.size() : end + 1;
    std::string_view line = mbox.substr(pos, next - pos);
    std::string_view bare = line;
    while (!bare.empty() && (bare.back() == '\n' || bare.back() == '\r')) {
      bare.remove_suffix(1);
    }
    // A From_ separator must carry a date (as mutt and Dovecot also require): an unquoted
    // "From " sentence after a blank line in an mboxo file then stays in its message. The
    // very first line is a separator whatever it holds.
    bool separator = is_from_line(bare) && (pos == 0 || (previous_blank && parse_from_line_date(bare) != 0));
    if (separator) {
      if (!finish()) {
        return;
      }
      in_message = true;
      current.internal_date = parse_from_line_date(bare);
    } else if (in_message) {
      if (is_quoted_from(bare)) {
        current.bytes.append(line.substr(1));
      } else {
        current.bytes.append(line);
      }
    }
    previous_blank = bare.empty();
    pos = next;
  }
  finish();
}

std::vector<std::string> maildir_flags(std::string_view file_name) {
  std::vector<std::string> flags;
  std::size_t info = file_name.rfind(":2,");
  if (info == std::string_view::npos) {
    return flags;
  }
  for (char c : file_name.substr(info + 3)) {
    switch (c) {
      case 'D': add_flag(flags, "\\Draft"); break;
      case 'F': add_flag(flags, "\\Flagged"); break;
      case 'R': add_flag(flags, "\\Answered"); break;
      case 'S': add_flag(flags, "\\Seen"); break;
      case 'T': add_flag(flags, "\\Deleted"); break;
      default: break;
    }
  }
  return flags;
}

std::int64_t maildir_time(std::string_view file_name) {
  std::int64_t value = 0;
  std::size_t i = 0;
  while (i < file_name.size() && i < 12 && std::isdigit(static_cast<unsigned char>(file_name[i]))) {
    value = value * 10 + (file_name[i] - '0');
    ++i;
  }
  return (i > 0 && i < file_name.size() && file_name[i] == '.') ? value : 0;
}

}  // namespace postroom::mail
