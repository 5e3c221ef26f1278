// Reads the [[listener]] array of tables. Internal to config/.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/toml_nodes.h"

namespace postroom::config {

// Validates every entry (known keys, service, address, port, mode, STARTTLS support) and the
// set as a whole (no two listeners on the same address and port); appends the valid ones to
// `out` with defaults filled in, and reports each problem with its line.
void read_listeners(const toml::key& key, const toml::node& node, std::vector<Listener>& out, Diagnostics& diagnostics);

}  // namespace postroom::config
