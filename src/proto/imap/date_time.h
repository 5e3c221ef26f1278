// Dates as IMAP carries them: the day-only `date` of SEARCH (RFC 9051 §6.4.4) and the
// `date-time` of APPEND and INTERNALDATE (RFC 9051 §9 formal syntax).
// Contract: values produced by the parser are range-checked (month 1..12, day valid for the
// month, hour < 24, minute < 60, second <= 60, zone within ±23:59); the formatter writes
// exactly the fixed form `"dd-Mon-yyyy hh:mm:ss +zzzz"` (day space-padded, RFC 9051 §9).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postroom::imap {

struct Date {
  std::uint16_t year = 1970;  // 4 digits on the wire
  std::uint8_t month = 1;     // 1..12
  std::uint8_t day = 1;       // 1..31 (checked against the month, leap years included)
  friend bool operator==(const Date&, const Date&) = default;
};

struct DateTime {
  Date date;
  std::uint8_t hour = 0;
  std::uint8_t minute = 0;
  std::uint8_t second = 0;
  std::int16_t zone_minutes = 0;  // east of UTC, e.g. -0500 is -300
  friend bool operator==(const DateTime&, const DateTime&) = default;
};

// "1-Feb-1994" / "01-Feb-1994" (without quotes). nullopt when invalid.
std::optional<Date> parse_date(std::string_view text);
// "17-Jul-1996 02:44:25 -0700" / " 7-Jul-1996 ..." (without quotes). nullopt when invalid.
std::optional<DateTime> parse_date_time(std::string_view text);

// "1-Feb-1994" (as SEARCH dates are written).
std::string format_date(const Date& date);
// "\"17-Jul-1996 02:44:25 -0700\"" with the quotes, day space-padded (INTERNALDATE).
std::string format_date_time(const DateTime& dt);

// Seconds since the Unix epoch (UTC) and back; helpers for the session and mime layer.
std::int64_t to_unix_seconds(const DateTime& dt);
DateTime from_unix_seconds(std::int64_t seconds, std::int16_t zone_minutes = 0);

}  // namespace postroom::imap
