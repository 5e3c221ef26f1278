#include "queue/dsn.h"

#include <ctime>

namespace postroom::queue {
namespace {

bool has_8bit(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}

// The header block of a message, with its terminating blank line.
std::string_view header_block(std::string_view message) {
  std::size_t end = message.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return message;
  }
  return message.substr(0, end + 4);
}

// A value placed in a header field must not break the field: CR and LF become spaces.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  return out;
}

void ensure_crlf_end(std::string& out) {
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) {
    out += "\r\n";
  }
}

}  // namespace

const char* to_string(DsnAction action) {
  switch (action) {
    case DsnAction::failed: return "failed";
    case DsnAction::delayed: return "delayed";
    case DsnAction::delivered: return "delivered";
    case DsnAction::relayed: return "relayed";
  }
  return "failed";
}

bool wants_dsn(std::string_view sender, unsigned notify, DsnAction action) {
  if (sender.empty()) {
    return false;  // never bounce a bounce
  }
  if ((notify & store::kNotifyNever) != 0) {
    return false;
  }
  if (notify == store::kNotifyDefault) {
    return action == DsnAction::failed || action == DsnAction::delayed;
  }
  switch (action) {
    case DsnAction::failed: return (notify & store::kNotifyFailure) != 0;
    case DsnAction::delayed: return (notify & store::kNotifyDelay) != 0;
    case DsnAction::delivered:
    case DsnAction::relayed: return (notify & store::kNotifySuccess) != 0;
  }
  return false;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string make_dsn(const DsnReport& report) {
  bool all_delayed = true;
  bool all_delivered = true;
  for (const auto& r : report.recipients) {
    all_delayed = all_delayed && r.action == DsnAction::delayed;
    all_delivered = all_delivered && (r.action == DsnAction::delivered || r.action == DsnAction::relayed);
  }
  const std::string boundary = "=_postroom_dsn_" + report.unique;
  // RET=HDRS, a delay warning, or an original too big to quote: headers only (RFC 3461 §4.3).
  bool full = report.ret != store::DsnRet::headers && !all_delayed && !all_delivered &&
              report.original.size() <= report.max_original_bytes;
  std::string_view quoted = full ? report.original : header_block(report.original);
  bool eight_bit = has_8bit(quoted);

  std::string out;
  out.reserve(quoted.size() + 2048);
  out += "From: Mail Delivery System <MAILER-DAEMON@" + report.reporting_mta + ">\r\n";
  out += "To: <" + one_line(report.original_sender) + ">\r\n";
  out += all_delivered ? "Subject: Successful Mail Delivery Report\r\n"
         : all_delayed ? "Subject: Delayed Mail (still being retried)\r\n"
                       : "Subject: Undelivered Mail Returned to Sender\r\n";
  out += "Date: " + rfc5322_date(report.now) + "\r\n";
  out += "Message-ID: <dsn." + report.unique + "@" + report.reporting_mta + ">\r\n";
  out += "Auto-Submitted: auto-replied\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
  if (eight_bit) {
    out += "Content-Transfer-Encoding: 8bit\r\n";
  }
  out += "\r\n";
  out += "This is a MIME-encapsulated message.\r\n\r\n";

  // 1. For people.
  out += "--" + boundary + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Description: Notification\r\n\r\n";
  out += "This is the mail system at host " + report.reporting_mta + ".\r\n\r\n";
  if (all_delivered) {
    out += "Your message was delivered to the recipients listed below, as you asked.\r\n\r\n";
  } else if (all_delayed) {
    out += "Your message could not be delivered yet. The mail system will keep trying;\r\n";
    out += "you do not need to send it again.\r\n\r\n";
  } else {
    out += "I'm sorry to have to inform you that your message could not be delivered\r\n";
    out += "to one or more recipients. It's attached below.\r\n\r\n";
  }
  for (const auto& r : report.recipients) {
    out += "<" + one_line(r.final_recipient) + ">: ";
    if (!r.explanation.empty()) {
      out += one_line(r.explanation);
    } else if (!r.diagnostic.empty()) {
      out += "host " + one_line(r.remote_mta) + " said: " + one_line(r.diagnostic);
    } else {
      out += to_string(r.action);
    }
    out += "\r\n";
  }
  out += "\r\n";

  // 2. For programs (RFC 3464 §2).
  out += "--" + boundary + "\r\n";
  out += "Content-Type: message/delivery-status\r\n";
  out += "Content-Description: Delivery report\r\n\r\n";
  out += "Reporting-MTA: dns; " + one_line(report.reporting_mta) + "\r\n";
  if (!report.envid.empty()) {
    out += "Original-Envelope-Id: " + one_line(report.envid) + "\r\n";
  }
  if (report.arrival != 0) {
    out += "Arrival-Date: " + rfc5322_date(report.arrival) + "\r\n";
  }
  for (const auto& r : report.recipients) {
    out += "\r\n";
    if (!r.original_recipient.empty()) {
      out += "Original-Recipient: " + one_line(r.original_recipient) + "\r\n";
    }
    out += "Final-Recipient: rfc822; " + one_line(r.final_recipient) + "\r\n";
    out += std::string("Action: ") + to_string(r.action) + "\r\n";
    out += "Status: " + one_line(r.status) + "\r\n";
    if (!r.remote_mta.empty()) {
      out += "Remote-MTA: dns; " + one_line(r.remote_mta) + "\r\n";
    }
    if (!r.diagnostic.empty()) {
      out += "Diagnostic-Code: smtp; " + one_line(r.diagnostic) + "\r\n";
    }
    if (r.last_attempt != 0) {
      out += "Last-Attempt-Date: " + rfc5322_date(r.last_attempt) + "\r\n";
    }
    if (r.action == DsnAction::delayed && r.will_retry_until != 0) {
      out += "Will-Retry-Until: " + rfc5322_date(r.will_retry_until) + "\r\n";
    }
  }
  out += "\r\n";

  // 3. The original, or its header (RFC 6522 §5: text/rfc822-headers).
  out += "--" + boundary + "\r\n";
  if (full) {
    out += "Content-Type: message/rfc822\r\n";
    out += "Content-Description: Original Message\r\n";
  } else {
    out += "Content-Type: text/rfc822-headers\r\n";
    out += "Content-Description: Original Message Headers\r\n";
  }
  if (eight_bit) {
    out += "Content-Transfer-Encoding: 8bit\r\n";
  }
  out += "\r\n";
  out += quoted;
  ensure_crlf_end(out);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace postroom::queue
