// Structured logging: one line per event, logfmt style, on stderr.
//   2026-11-27T13:40:01.123Z level=info event=pop3.login session=7f3a user=alice@example.test
// Contract: thread-safe; each call writes one whole line with one write(2), so lines from
// different threads never interleave. Values are quoted when they contain spaces, quotes or
// control characters, so a hostile client cannot forge a log line.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace postroom::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  template <typename N>
  requires std::is_arithmetic_v<N> Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
};

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
void write(Level level, std::string_view event, std::initializer_list<Field> fields);

inline void debug(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<Field> fields = {}) {
  write(Level::error, event, fields);
}

}  // namespace postroom::log
