// Always-on assertions: impossible states crash loudly, in release builds too (DESIGN.md §5).
#pragma once

namespace postroom {
[[noreturn]] void check_failed(const char* condition, const char* message, const char* file, int line);
}

#define POSTROOM_CHECK(cond, msg)                                 \
  do {                                                            \
    if (!(cond)) [[unlikely]] {                                   \
      ::postroom::check_failed(#cond, (msg), __FILE__, __LINE__); \
    }                                                             \
  } while (0)
