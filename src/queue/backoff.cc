#include "queue/backoff.h"

#include <algorithm>

namespace postroom::queue {

bool parse_smarthost_tls(const std::string& text, SmarthostTls& out) {
  if (text == "starttls") {
    out = SmarthostTls::starttls;
  } else if (text == "tls") {
    out = SmarthostTls::tls;
  } else if (text == "none") {
    out = SmarthostTls::none;
  } else {
    return false;
  }
  return true;
}

std::int64_t retry_delay_seconds(const QueueSettings& settings, std::uint32_t attempts) {
  const std::int64_t base = std::max<std::int64_t>(1, settings.retry_base_seconds);
  const std::int64_t cap = std::max<std::int64_t>(base, settings.retry_max_seconds);
  std::int64_t delay = base;
  for (std::uint32_t i = 1; i < attempts && delay < cap; ++i) {
    delay *= 2;  // stops at the cap, so no overflow however many attempts
  }
  return std::min(delay, cap);
}

}  // namespace postroom::queue
