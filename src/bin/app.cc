#include "bin/app.h"

#include <filesystem>

namespace postroom::app {

Result<std::unique_ptr<store::Store>> open_store(const config::Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return make_error(ErrorKind::temporary, "cannot create data_dir " + config.data_dir + ": " + ec.message());
  }
  if (config.store_backend != "sqlite") {
    return make_error(ErrorKind::permanent, "store.backend " + config.store_backend + " is not available");
  }
  store::SqliteOptions options;
  options.data_dir = config.data_dir;
  return store::open_sqlite_store(options);
}

mail::MailOptions mail_options(const config::Config& config) {
  mail::MailOptions options;
  options.max_message_bytes = config.max_message_bytes;
  options.mime_limits.max_depth = config.mime_max_depth;
  options.mime_limits.max_parts = config.mime_max_parts;
  options.mime_limits.max_header_bytes = config.mime_max_header_bytes;
  return options;
}

}  // namespace postroom::app
