#include "proto/imap/command_parser.h"

#include <algorithm>
#include <cstring>

#include "proto/imap/grammar.h"

namespace postroom::imap {
namespace {

constexpr std::string_view kContinueText = "Ready for literal data";
// RFC 7888 §5: under LITERAL- a non-synchronizing literal may carry at most 4096 octets.
constexpr std::uint64_t kLiteralMinusMax = 4096;
// IDLE's end line is "DONE"; anything longer than this is not worth buffering.
constexpr std::size_t kMaxIdleLine = 1024;
// Drop consumed bytes from the front of the buffer once they are this many and the larger
// part of it, so feed() stays amortised O(n).
constexpr std::size_t kCompactThreshold = 4096;

// "{123}" / "{123+}" at the end of a line (CR already stripped). Returns false when the tail
// is not a literal announcement; sets overflow when the number has more than 19 digits.
bool parse_announcement(std::string_view tail, std::uint64_t& n, bool& non_sync, bool& overflow) {
  if (tail.size() < 3 || tail.front() != '{' || tail.back() != '}') {
    return false;
  }
  std::string_view digits = tail.substr(1, tail.size() - 2);
  non_sync = !digits.empty() && digits.back() == '+';
  if (non_sync) {
    digits.remove_suffix(1);
  }
  if (digits.empty()) {
    return false;
  }
  n = 0;
  overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  if (digits.size() > 19) {
    overflow = true;
    return true;
  }
  for (char c : digits) {
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > 0x7fffffffffffffffull) {
    overflow = true;
  }
  return true;
}

ParseError make(std::optional<std::string> tag, ParseErrorKind kind, std::string text) {
  ParseError e;
  e.tag = std::move(tag);
  e.kind = kind;
  e.text = std::move(text);
  return e;
}

}  // namespace

Error to_error(const ParseError& error) {
  switch (error.kind) {
    case ParseErrorKind::too_big: return make_error(ErrorKind::limit, error.text);
    case ParseErrorKind::bad_mailbox_name: return make_error(ErrorKind::permanent, error.text);
    case ParseErrorKind::bad: break;
  }
  return make_error(ErrorKind::bad_syntax, error.text);
}

CommandParser::CommandParser(Limits limits) : limits_(limits) {}

void CommandParser::feed(std::string_view bytes) {
  if (consumed_ >= kCompactThreshold && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

std::string_view CommandParser::pending() const {
  return std::string_view(buffer_).substr(consumed_);
}

void CommandParser::consume_pending(std::size_t n) {
  consumed_ += std::min(n, buffer_.size() - consumed_);
}

void CommandParser::release_memory() {
  if (consumed_ == buffer_.size()) {
    std::string().swap(buffer_);
    consumed_ = 0;
  }
  if (command_.empty()) {
    std::string().swap(command_);
  }
}

void CommandParser::clear() {
  buffer_.clear();
  consumed_ = 0;
  if (state_ != State::dead) {
    state_ = State::line;
  }
  reset_command();
}

void CommandParser::expect_sasl_response(std::size_t max_len) {
  state_ = State::sasl;
  sasl_max_len_ = max_len;
  special_line_.clear();
  special_too_long_ = false;
}

void CommandParser::expect_idle_done() {
  state_ = State::idle;
  special_line_.clear();
  special_too_long_ = false;
}

void CommandParser::reset_command() {
  command_.clear();
  text_bytes_ = 0;
  segment_start_ = 0;
  discarding_ = false;
  pending_error_.reset();
  in_quote_ = false;
  quote_escape_ = false;
  tail_.clear();
  tail_tilde_ = false;
  prev_char_ = 0;
  literal_left_ = 0;
  literal_discard_ = false;
  literal_count_ = 0;
  append_total_ = 0;
  discarded_ = 0;
  continuation_due_ = false;
}

std::optional<std::string> CommandParser::current_tag() const {
  std::size_t end = 0;
  while (end < command_.size() && detail::is_tag_char(static_cast<unsigned char>(command_[end]))) {
    ++end;
  }
  if (end == 0 || end >= command_.size() || command_[end] != ' ') {
    return std::nullopt;
  }
  return command_.substr(0, end);
}

ParseResult CommandParser::finish_special_line(std::string_view line, bool too_long) {
  const bool sasl = state_ == State::sasl;
  state_ = State::line;
  if (sasl) {
    if (too_long) {
      ParseError e = make(std::nullopt, ParseErrorKind::too_big, "SASL response too long");
      e.in_sasl_exchange = true;
      return e;
    }
    SaslResponse r;
    r.cancelled = line == "*";
    if (!r.cancelled) {
      r.line = std::string(line);
    }
    return r;
  }
  if (!too_long && detail::iequals(line, "DONE")) {
    return IdleDone{};
  }
  ParseError e = make(std::nullopt, ParseErrorKind::bad, "Expected DONE");
  e.in_idle = true;
  return e;
}

ParseResult CommandParser::on_line_end(std::size_t /*unused*/) {
  // The LF has been consumed and counted. Is this line a literal announcement?
  std::string_view tail = tail_;
  if (!tail.empty() && tail.back() == '\r') {
    tail.remove_suffix(1);
  }
  std::uint64_t n = 0;
  bool non_sync = false;
  bool overflow = false;
  const bool literal = !in_quote_ && parse_announcement(tail, n, non_sync, overflow);
  const bool literal8 = literal && tail_tilde_;
  (void)literal8;
  in_quote_ = false;
  quote_escape_ = false;
  tail_.clear();
  tail_tilde_ = false;
  prev_char_ = 0;

  if (!literal) {
    // End of the command.
    if (pending_error_) {
      ParseError e = std::move(*pending_error_);
      reset_command();
      return e;
    }
    if (!command_.empty() && command_.size() > segment_start_ && command_.back() == '\r') {
      command_.pop_back();
    }
    auto parsed = detail::parse_assembled(command_, limits_);
    reset_command();
    if (auto* c = std::get_if<Command>(&parsed)) {
      return std::move(*c);
    }
    return std::get<ParseError>(std::move(parsed));
  }

  const std::optional<std::string> tag = current_tag();
  auto start_discard = [&](std::uint64_t count) -> ParseResult {
    if (overflow || discarded_ + count > limits_.max_discard) {
      state_ = State::dead;
      ParseError e = make(tag, ParseErrorKind::too_big, "Literal too big to skip; closing");
      e.close_connection = true;
      return e;
    }
    discarded_ += count;
    literal_left_ = count;
    literal_discard_ = true;
    state_ = State::literal;
    return NeedMore{};  // internal: keep going
  };

  if (discarding_) {
    if (!non_sync) {
      // The client waits for "+" that will never come: the command ends here.
      ParseError e =
          pending_error_ ? std::move(*pending_error_) : make(tag, ParseErrorKind::too_big, "Command too long");
      reset_command();
      return e;
    }
    return start_discard(n);
  }

  // Which limit applies: APPEND message literals are messages, everything else is small.
  bool is_append = false;
  {
    std::size_t p = command_.find(' ');
    if (p != std::string::npos) {
      std::size_t q = p + 1;
      while (q < command_.size() && command_[q] != ' ') {
        ++q;
      }
      is_append = detail::iequals(std::string_view(command_).substr(p + 1, q - p - 1), "APPEND");
    }
  }
  const std::uint64_t limit = is_append ? limits_.max_append_literal : limits_.max_literal;
  std::optional<ParseError> refusal;
  if (overflow || n > limit || (is_append && append_total_ + n > limits_.max_append_total)) {
    refusal = make(tag, ParseErrorKind::too_big, is_append ? "Message too big" : "Literal too big");
  } else if (literal_count_ + 1 > limits_.max_literals) {
    refusal = make(tag, ParseErrorKind::too_big, "Too many literals");
  } else if (non_sync && limits_.literal_mode == LiteralMode::none) {
    refusal = make(tag, ParseErrorKind::too_big, "Non-synchronizing literals are not supported");
  } else if (non_sync && limits_.literal_mode == LiteralMode::literal_minus && n > kLiteralMinusMax) {
    refusal = make(tag, ParseErrorKind::too_big, "Non-synchronizing literal larger than 4096 octets");
  }
  if (refusal) {
    if (!non_sync) {
      // RFC 9051 §7.1.5 / RFC 7888: answer BAD [TOOBIG] instead of "+"; the client does not
      // send the literal, so the next byte starts a new command.
      reset_command();
      return std::move(*refusal);
    }
    discarding_ = true;
    pending_error_ = std::move(refusal);
    return start_discard(n);
  }
  ++literal_count_;
  if (is_append) {
    append_total_ += n;
  }
  command_ += '\n';
  segment_start_ = command_.size();
  literal_left_ = n;
  literal_discard_ = false;
  state_ = State::literal;
  if (!non_sync) {
    return ContinuationNeeded{std::string(kContinueText)};
  }
  return NeedMore{};
}

ParseResult CommandParser::next() {
  for (;;) {
    switch (state_) {
      case State::dead: return NeedMore{};

      case State::literal: {
        if (literal_left_ == 0) {
          state_ = State::line;
          segment_start_ = command_.size();
          continue;
        }
        const std::size_t avail = buffer_.size() - consumed_;
        if (avail == 0) {
          return NeedMore{};
        }
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(avail, literal_left_));
        if (!literal_discard_) {
          command_.append(buffer_, consumed_, take);
        }
        consumed_ += take;
        literal_left_ -= take;
        continue;
      }

      case State::sasl:
      case State::idle: {
        const std::size_t max = state_ == State::sasl ? sasl_max_len_ : kMaxIdleLine;
        const char* begin = buffer_.data() + consumed_;
        const std::size_t avail = buffer_.size() - consumed_;
        const void* lf = std::memchr(begin, '\n', avail);
        const std::size_t chunk = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : avail;
        if (!special_too_long_) {
          if (special_line_.size() + chunk + (lf ? 1 : 0) > max) {
            special_too_long_ = true;
            special_line_.clear();
          } else {
            special_line_.append(begin, chunk);
          }
        }
        consumed_ += chunk;
        if (!lf) {
          return NeedMore{};
        }
        ++consumed_;  // the LF
        std::string line = std::move(special_line_);
        special_line_.clear();
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        const bool too_long = special_too_long_;
        special_too_long_ = false;
        return finish_special_line(line, too_long);
      }

      case State::line: {
        const std::size_t avail = buffer_.size() - consumed_;
        if (avail == 0) {
          return NeedMore{};
        }
        const char* begin = buffer_.data() + consumed_;
        const void* lf = std::memchr(begin, '\n', avail);
        const std::size_t chunk = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - begin) : avail;
        // Lexical scan: quotes (a '{' inside a quoted string is text) and the line's tail.
        for (std::size_t i = 0; i < chunk; ++i) {
          const char c = begin[i];
          if (in_quote_) {
            if (quote_escape_) {
              quote_escape_ = false;
            } else if (c == '\\') {
              quote_escape_ = true;
            } else if (c == '"') {
              in_quote_ = false;
            }
            tail_.clear();
          } else if (c == '"') {
            in_quote_ = true;
            tail_.clear();
          } else if (c == '{') {
            tail_ = "{";
            tail_tilde_ = prev_char_ == '~';
          } else if (!tail_.empty()) {
            if (tail_.size() < 32 && ((c >= '0' && c <= '9') || c == '+' || c == '}' || c == '\r')) {
              tail_ += c;
            } else {
              tail_.clear();
            }
          }
          prev_char_ = c;
        }
        const std::size_t counted = chunk + (lf ? 1 : 0);
        if (!discarding_ && text_bytes_ + counted > limits_.max_command_line) {
          // Keep what fits (the tag is at the front), drop the rest of the command.
          const std::size_t room = limits_.max_command_line > text_bytes_ ? limits_.max_command_line - text_bytes_ : 0;
          command_.append(begin, std::min(room, chunk));
          discarding_ = true;
          pending_error_ = make(current_tag(), ParseErrorKind::too_big, "Command line too long");
        } else if (!discarding_) {
          command_.append(begin, chunk);
        }
        text_bytes_ += counted;
        consumed_ += counted;
        if (!lf) {
          return NeedMore{};
        }
        ParseResult r = on_line_end(0);
        if (std::holds_alternative<NeedMore>(r)) {
          continue;  // a literal follows
        }
        return r;
      }
    }
  }
}

}  // namespace postroom::imap
