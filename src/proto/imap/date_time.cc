#include "proto/imap/date_time.h"

#include <array>
#include <cstdio>

namespace postroom::imap {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, int& value) {
  if (s.empty()) {
    return false;
  }
  value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  return true;
}

int month_from_name(std::string_view name) {
  if (name.size() != 3) {
    return 0;
  }
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < 3; ++k) {
      const char a = static_cast<char>(name[k] | 0x20);
      const char b = static_cast<char>(kMonths[i][k] | 0x20);
      if (a != b) {
        same = false;
      }
    }
    if (same) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

// Days from 1970-01-01 (proleptic Gregorian); Howard Hinnant's well-known algorithm.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  Date out;
  out.year = static_cast<std::uint16_t>(y + (m <= 2));
  out.month = static_cast<std::uint8_t>(m);
  out.day = static_cast<std::uint8_t>(d);
  return out;
}

std::optional<Date> parse_date_parts(std::string_view day, std::string_view month, std::string_view year) {
  int d = 0;
  int y = 0;
  if (day.empty() || day.size() > 2 || !digits(day, d) || year.size() != 4 || !digits(year, y)) {
    return std::nullopt;
  }
  const int m = month_from_name(month);
  if (m == 0 || d < 1 || d > days_in_month(y, m) || y < 1) {
    return std::nullopt;
  }
  return Date{static_cast<std::uint16_t>(y), static_cast<std::uint8_t>(m), static_cast<std::uint8_t>(d)};
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  const std::size_t a = text.find('-');
  if (a == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t b = text.find('-', a + 1);
  if (b == std::string_view::npos) {
    return std::nullopt;
  }
  return parse_date_parts(text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1));
}

std::optional<DateTime> parse_date_time(std::string_view text) {
  // date-day-fixed "-" date-month "-" date-year SP time SP zone: exactly 26 octets.
  if (text.size() != 26 || text[2] != '-' || text[6] != '-' || text[11] != ' ' || text[14] != ':' || text[17] != ':' ||
      text[20] != ' ') {
    return std::nullopt;
  }
  std::string_view day = text.substr(0, 2);
  if (day[0] == ' ') {
    day.remove_prefix(1);
  }
  const auto date = parse_date_parts(day, text.substr(3, 3), text.substr(7, 4));
  int hh = 0;
  int mm = 0;
  int ss = 0;
  int zh = 0;
  int zm = 0;
  if (!date || !digits(text.substr(12, 2), hh) || !digits(text.substr(15, 2), mm) || !digits(text.substr(18, 2), ss) ||
      (text[21] != '+' && text[21] != '-') || !digits(text.substr(22, 2), zh) || !digits(text.substr(24, 2), zm)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 60 || zh > 23 || zm > 59) {
    return std::nullopt;
  }
  DateTime out;
  out.date = *date;
  out.hour = static_cast<std::uint8_t>(hh);
  out.minute = static_cast<std::uint8_t>(mm);
  out.second = static_cast<std::uint8_t>(ss);
  out.zone_minutes = static_cast<std::int16_t>((zh * 60 + zm) * (text[21] == '-' ? -1 : 1));
  return out;
}

std::string format_date(const Date& date) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%u-%s-%04u", static_cast<unsigned>(date.day),
                std::string(kMonths[(date.month >= 1 && date.month <= 12) ? date.month - 1 : 0]).c_str(),
                static_cast<unsigned>(date.year % 10000));
  return buf;
}

std::string format_date_time(const DateTime& dt) {
  char buf[48];
  const int zone = dt.zone_minutes < 0 ? -dt.zone_minutes : dt.zone_minutes;
  std::snprintf(buf, sizeof buf, "\"%2u-%s-%04u %02u:%02u:%02u %c%02d%02d\"", static_cast<unsigned>(dt.date.day % 100),
                std::string(kMonths[(dt.date.month >= 1 && dt.date.month <= 12) ? dt.date.month - 1 : 0]).c_str(),
                static_cast<unsigned>(dt.date.year % 10000), static_cast<unsigned>(dt.hour % 100),
                static_cast<unsigned>(dt.minute % 100), static_cast<unsigned>(dt.second % 100),
                dt.zone_minutes < 0 ? '-' : '+', (zone / 60) % 100, zone % 60);
  return buf;
}

std::int64_t to_unix_seconds(const DateTime& dt) {
  const std::int64_t days = days_from_civil(dt.date.year, dt.date.month, dt.date.day);
  return days * 86400 + dt.hour * 3600 + dt.minute * 60 + dt.second - dt.zone_minutes * 60;
}

DateTime from_unix_seconds(std::int64_t seconds, std::int16_t zone_minutes) {
  const std::int64_t local = seconds + zone_minutes * 60;
  std::int64_t days = local / 86400;
  std::int64_t rem = local % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  DateTime out;
  out.date = civil_from_days(days);
  out.hour = static_cast<std::uint8_t>(rem / 3600);
  out.minute = static_cast<std::uint8_t>((rem / 60) % 60);
  out.second = static_cast<std::uint8_t>(rem % 60);
  out.zone_minutes = zone_minutes;
  return out;
}

}  // namespace postroom::imap
