#include "server/pop3/pop3_service.h"

#include "server/pop3/pop3_session.h"

namespace postroom::server::pop3 {

io::Task<void> Pop3Service::serve(std::unique_ptr<io::Stream> stream, ListenerKind kind) {
  co_await run_session(*this, std::move(stream), kind);
}

bool Pop3Service::admit_login(store::AccountId account) {
  if (settings_.login_delay_seconds == 0) {
    return true;
  }
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(login_times_mutex_);
  auto it = login_times_.find(account);
  if (it != login_times_.end() && now - it->second < std::chrono::seconds(settings_.login_delay_seconds)) {
    return false;
  }
  login_times_[account] = now;
  return true;
}

}  // namespace postroom::server::pop3
