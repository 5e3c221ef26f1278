// Dropping root after the listeners are bound.
#pragma once

#include <string>

#include "base/result.h"

namespace postroom::io {

// If running as root and `user` is not empty: chown `data_dir` (not recursively: files made
// later are made by `user`) and switch group, supplementary groups and user to `user`.
// Verifies the switch cannot be undone. Not root and `user` empty: nothing to do.
Status drop_privileges(const std::string& user, const std::string& data_dir);

}  // namespace postroom::io
