// Retry schedule: exponential backoff per recipient.
#pragma once

#include <cstdint>

#include "queue/settings.h"

namespace postroom::queue {

// Seconds to wait after the attempt numbered `attempts` (1 = the first attempt failed):
// retry_base * 2^(attempts-1), capped at retry_max (and at least 1 second).
std::int64_t retry_delay_seconds(const QueueSettings& settings, std::uint32_t attempts);

}  // namespace postroom::queue
