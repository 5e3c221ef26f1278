#include "server/smtp/smtp_service.h"

#include "server/smtp/smtp_session.h"

namespace postroom::server::smtp {

io::Task<void> SmtpService::serve(std::unique_ptr<io::Stream> stream, Role role, ListenerKind kind) {
  co_await run_session(*this, std::move(stream), role, kind);
}

}  // namespace postroom::server::smtp
