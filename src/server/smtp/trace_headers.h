// Trace header fields Postroom adds to every message it accepts (RFC 5321 §4.4).
#pragma once

#include <string>

namespace postroom::server::smtp {

struct ReceivedInfo {
  std::string helo;  // what the client said in EHLO/HELO/LHLO
  std::string client_ip;
  std::string by_host;      // our hostname
  std::string protocol;     // RFC 3848 "with" keyword: SMTP, ESMTP, ESMTPS, ESMTPSA, LMTP, ...
  std::string id;           // our transaction id
  std::string for_address;  // only with a single recipient (no leaking of Bcc lists)
  std::string tls;          // e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384", or ""
};

// "Received: from helo ([ip]) by host (Postroom) with ESMTPS id X for <a>; date\r\n",
// folded to stay under 78 columns; client-controlled text is sanitised.
std::string received_header(const ReceivedInfo& info);

// RFC 5322 date-time for now, e.g. "Fri, 27 Nov 2026 13:40:01 +0000".
std::string rfc5322_now();

// The RFC 3848 protocol keyword.
std::string with_protocol(bool esmtp, bool tls, bool authenticated, bool lmtp, bool utf8);

}  // namespace postroom::server::smtp
