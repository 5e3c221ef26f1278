#include "proto/smtp/status.h"

namespace postroom::smtp {

std::string EnhancedStatus::to_string() const {
  return std::to_string(klass) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

namespace {

// Reads 1 to 3 digits at text[pos]; returns false when there are none or more than three.
bool read_number(std::string_view text, std::size_t& pos, int& out) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start == 3) {
      return false;
    }
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  out = value;
  return pos > start;
}

}  // namespace

std::optional<EnhancedStatus> parse_enhanced_status(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') {
    return std::nullopt;
  }
  EnhancedStatus status;
  status.klass = text[0] - '0';
  std::size_t pos = 2;
  if (!read_number(text, pos, status.subject) || pos >= text.size() || text[pos] != '.') {
    return std::nullopt;
  }
  ++pos;
  if (!read_number(text, pos, status.detail) || pos != text.size()) {
    return std::nullopt;
  }
  return status;
}

}  // namespace postroom::smtp
