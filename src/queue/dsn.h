// Delivery status notifications (bounces and delay warnings): RFC 3464 (message/delivery-
// status), RFC 6522 (multipart/report), RFC 3461 (NOTIFY, RET, ENVID, ORCPT), RFC 3834
// (Auto-Submitted).
//
// Contract: make_dsn() is pure (no I/O): it builds the complete RFC 5322 message, CRLF line
// endings, to be delivered to the original envelope sender with a null reverse-path. Whether a
// DSN is owed at all is wants_dsn()'s call: never for a null reverse-path (never bounce a
// bounce, RFC 5321 §4.5.5), never with NOTIFY=NEVER, and only for the actions NOTIFY asked for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/queue.h"

namespace postroom::queue {

enum class DsnAction { failed, delayed, delivered, relayed };
const char* to_string(DsnAction action);

struct DsnRecipient {
  std::string final_recipient;     // the address we tried
  std::string original_recipient;  // ORCPT as "type;address", "" = none
  DsnAction action = DsnAction::failed;
  std::string status;                 // RFC 3463 "5.1.1"
  std::string diagnostic;             // the remote reply, "550 5.1.1 no such user"; "" = none
  std::string remote_mta;             // host that answered; "" = none
  std::string explanation;            // our own words for the human-readable part
  std::int64_t last_attempt = 0;      // 0 = omit
  std::int64_t will_retry_until = 0;  // delayed only; 0 = omit
};

struct DsnReport {
  std::string reporting_mta;    // our host name
  std::string original_sender;  // envelope sender: the DSN's To:
  std::string envid;            // ENVID, "" = none
  std::int64_t arrival = 0;     // when the message was queued
  std::int64_t now = 0;
  store::DsnRet ret = store::DsnRet::unspecified;
  std::vector<DsnRecipient> recipients;  // at least one
  std::string_view original;             // the original message
  std::uint64_t max_original_bytes = 10 * 1024 * 1024;
  std::string unique;  // makes the boundary and Message-ID unique (e.g. queue id + time)
};

// Whether the sender wants a DSN for this action (RFC 3461 §4.1; without NOTIFY the default
// is failures and delays).
bool wants_dsn(std::string_view sender, unsigned notify, DsnAction action);

std::string make_dsn(const DsnReport& report);

// "Fri, 27 Nov 2026 13:40:01 +0000" (RFC 5322 §3.3), UTC.
std::string rfc5322_date(std::int64_t unix_seconds);

}  // namespace postroom::queue
