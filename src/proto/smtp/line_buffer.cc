#include "proto/smtp/line_buffer.h"

#include "base/check.h"

namespace postroom::smtp::detail {

void LineBuffer::feed(std::string_view bytes) {
  // While dropping an over-long line, bytes before its LF are never stored: a peer that
  // sends gigabytes without a newline costs nothing but the read.
  if (discarding_ && buffered() == 0) {
    const std::size_t lf = bytes.find('\n');
    if (lf == std::string_view::npos) {
      return;
    }
    bytes.remove_prefix(lf);
  }
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<LineBuffer::Line> LineBuffer::next(std::size_t limit) {
  POSTROOM_CHECK(limit >= 2, "line limit must allow at least a CRLF");
  const std::size_t lf = buffer_.find('\n', scanned_);
  if (lf == std::string::npos) {
    scanned_ = buffer_.size();
    if (discarding_) {
      buffer_.clear();
      consumed_ = 0;
      scanned_ = 0;
    } else if (buffered() >= limit) {
      // Even a lone LF now would exceed the limit: stop buffering this line.
      discarding_ = true;
      buffer_.clear();
      consumed_ = 0;
      scanned_ = 0;
    }
    return std::nullopt;
  }
  const std::size_t start = consumed_;
  const std::size_t octets = lf + 1 - start;  // including the terminator
  consumed_ = lf + 1;
  scanned_ = consumed_;
  Line line;
  if (discarding_ || octets > limit) {
    discarding_ = false;
    line.too_long = true;
    return line;
  }
  std::string_view content(buffer_.data() + start, octets - 1);
  if (!content.empty() && content.back() == '\r') {
    content.remove_suffix(1);
  } else {
    line.bare_lf = true;
  }
  line.content = content;
  return line;
}

std::string_view LineBuffer::pending() const {
  return std::string_view(buffer_).substr(consumed_);
}

void LineBuffer::consume_pending(std::size_t n) {
  POSTROOM_CHECK(n <= buffered(), "consume_pending past the buffer");
  consumed_ += n;
  if (scanned_ < consumed_) {
    scanned_ = consumed_;
  }
}

void LineBuffer::clear() {
  buffer_.clear();
  consumed_ = 0;
  scanned_ = 0;
  discarding_ = false;
}

}  // namespace postroom::smtp::detail
