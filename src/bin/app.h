// What the daemon and the admin CLI share: loading the configuration and opening the
// configured store backend with the configured limits.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "mail/mail_service.h"
#include "store/store.h"

namespace postroom::app {

inline constexpr const char* kDefaultConfigPath = "/etc/postroom/postroom.toml";

// Opens the store selected by config.store_backend under config.data_dir, creating the
// directory if needed.
Result<std::unique_ptr<store::Store>> open_store(const config::Config& config);

mail::MailOptions mail_options(const config::Config& config);

}  // namespace postroom::app
