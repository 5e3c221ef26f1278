#include "server/smtp/trace_headers.h"

#include <ctime>

namespace postroom::server::smtp {
namespace {

// Keeps printable ASCII except the characters that would break the header's structure.
std::string sanitize(const std::string& text, std::size_t max) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max) {
      break;
    }
    if (c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != ';' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += '_';
    }
  }
  return out.empty() ? "unknown" : out;
}

}  // namespace

std::string rfc5322_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string with_protocol(bool esmtp, bool tls, bool authenticated, bool lmtp, bool utf8) {
  if (lmtp) {
    return tls ? "LMTPS" : "LMTP";
  }
  std::string base = utf8 ? "UTF8SMTP" : (esmtp ? "ESMTP" : "SMTP");
  if (!esmtp && !utf8) {
    return base;
  }
  if (tls) {
    base += 'S';
  }
  if (authenticated) {
    base += 'A';
  }
  return base;
}

std::string received_header(const ReceivedInfo& info) {
  std::string header = "Received: from " + sanitize(info.helo, 255) + " ([" + sanitize(info.client_ip, 64) + "])";
  header += "\r\n\tby " + info.by_host + " (Postroom) with " + info.protocol + " id " + info.id;
  if (!info.tls.empty()) {
    header += "\r\n\t(" + info.tls + ")";
  }
  if (!info.for_address.empty()) {
    header += "\r\n\tfor <" + sanitize(info.for_address, 256) + ">";
  }
  header += ";\r\n\t" + rfc5322_now() + "\r\n";
  return header;
}

}  // namespace postroom::server::smtp
