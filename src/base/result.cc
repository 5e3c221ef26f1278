#include "base/result.h"

#include <cstdio>
#include <cstdlib>

namespace postroom {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::temporary: return "temporary";
    case ErrorKind::permanent: return "permanent";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::exists: return "exists";
    case ErrorKind::over_quota: return "over_quota";
    case ErrorKind::limit: return "limit";
    case ErrorKind::bad_syntax: return "bad_syntax";
    case ErrorKind::denied: return "denied";
  }
  return "unknown";
}

void check_failed(const char* condition, const char* message, const char* file, int line) {
  std::fprintf(stderr, "postroom: check failed at %s:%d: %s (%s)\n", file, line, message, condition);
  std::abort();
}

}  // namespace postroom
