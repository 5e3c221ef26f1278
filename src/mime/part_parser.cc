#include "mime/part_parser.h"

#include <algorithm>
#include <cstring>

#include "base/check.h"
#include "mime/content_type.h"
#include "mime/text.h"

namespace postroom::mime {

namespace {

// RFC 2046 §5.1.1 caps boundaries at 70 characters. Longer ones (up to this) are still
// honoured for robustness; beyond it the multipart is opaque, which keeps the per-line
// prefix the parser must hold in a body small.
constexpr std::size_t kMaxBoundary = 200;
// Bytes of each body line kept for delimiter matching: "--" + boundary + "--" fits.
constexpr std::size_t kBodyKeep = kMaxBoundary + 56;

bool valid_field_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 33 || byte > 126) {
      return false;  // RFC 5322 §3.6.8 ftext
    }
  }
  return true;
}

}  // namespace

PartParser::PartParser(const Limits& limits) : limits_(limits) {
  begin_part(0, 0, false);
}

void PartParser::feed(std::string_view bytes) {
  POSTROOM_CHECK(input_.empty(), "PartParser::feed before the previous input was used up");
  POSTROOM_CHECK(!finished_, "PartParser::feed after finish");
  input_ = bytes;
}

void PartParser::finish() {
  finished_ = true;
}

PartEvent PartParser::next() {
  while (queue_.empty()) {
    if (done_) {
      PartEvent end;
      end.kind = PartEvent::Kind::end;
      end.offset = offset_;
      return end;
    }
    if (!input_.empty()) {
      take_line_bytes();
      continue;
    }
    if (!finished_) {
      return PartEvent{};  // need_more
    }
    if (line_length_ > 0) {
      // A last line without a terminator.
      Line line;
      line.begin = line_begin_;
      line.length = line_length_;
      line.eol = 0;
      line.kept = line_kept_;
      line.truncated = line_kept_.size() < line_length_;
      line.rest_is_space = line_rest_space_;
      process_line(line);
      line_length_ = 0;
      line_kept_.clear();
      continue;
    }
    end_all();
    done_ = true;
  }
  PartEvent event = queue_.front();
  queue_.pop_front();
  return event;
}

std::size_t PartParser::kept_limit() const {
  if (!structure_stopped_ && !stack_.empty() && stack_.back().in_header) {
    return std::max(limits_.max_header_bytes + 1, kBodyKeep);
  }
  return kBodyKeep;
}

void PartParser::take_line_bytes() {
  const void* found = std::memchr(input_.data(), '\n', input_.size());
  std::size_t take = found ? static_cast<std::size_t>(static_cast<const char*>(found) - input_.data()) : input_.size();
  std::string_view chunk = input_.substr(0, take);
  if (line_length_ == 0) {
    line_begin_ = offset_;
    line_truncated_ = false;
    line_rest_space_ = true;
  }
  if (!chunk.empty()) {
    std::size_t limit = kept_limit();
    std::size_t room = limit > line_kept_.size() ? limit - line_kept_.size() : 0;
    std::size_t keep = std::min(room, chunk.size());
    line_kept_.append(chunk.substr(0, keep));
    for (char c : chunk.substr(keep)) {
      // CR counts as space here: it is usually the CR of the terminating CRLF.
      if (c != ' ' && c != '\t' && c != '\r') {
        line_rest_space_ = false;
      }
    }
    line_last_ = chunk.back();
    line_length_ += chunk.size();
  }
  input_.remove_prefix(take);
  offset_ += take;
  if (!found) {
    return;
  }
  input_.remove_prefix(1);
  offset_ += 1;
  bool cr = line_length_ > 0 && line_last_ == '\r';
  Line line;
  line.begin = line_begin_;
  line.length = line_length_ - (cr ? 1 : 0);
  line.eol = cr ? 2 : 1;
  if (line_kept_.size() > line.length) {
    line_kept_.resize(line.length);
  }
  line.kept = line_kept_;
  line.truncated = line_kept_.size() < line.length;
  line.rest_is_space = line_rest_space_;
  process_line(line);
  line_length_ = 0;
  line_kept_.clear();
}

void PartParser::process_line(const Line& line) {
  bool consumed = !structure_stopped_ && delimiter_line(line);
  if (!consumed && !stack_.empty() && stack_.back().in_header) {
    header_line(line);
  }
  have_prev_ = true;
  prev_begin_ = line.begin;
  prev_length_ = line.length;
  prev_eol_ = line.eol;
  prev_index_ = lines_seen_;
  ++lines_seen_;
}

std::size_t PartParser::body_end_before(const Line& line, const Frame& frame) const {
  // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
  std::size_t end = line.begin;
  if (have_prev_ && prev_begin_ + prev_length_ + prev_eol_ == line.begin) {
    end -= prev_eol_;
  }
  return std::max(end, frame.min_end);
}

bool PartParser::delimiter_line(const Line& line) {
  std::string_view kept = line.kept;
  if (kept.size() < 3 || kept[0] != '-' || kept[1] != '-') {
    return false;
  }
  for (std::size_t i = stack_.size(); i-- > 0;) {
    const Frame& frame = stack_[i];
    if (frame.kind != BodyKind::multipart || frame.closed) {
      continue;
    }
    std::string_view after = kept.substr(2);
    if (after.substr(0, frame.boundary.size()) != frame.boundary) {
      continue;
    }
    std::string_view rest = after.substr(frame.boundary.size());
    bool close = rest.size() >= 2 && rest[0] == '-' && rest[1] == '-';
    if (!close) {
      bool all_space = std::all_of(rest.begin(), rest.end(), is_wsp);
      if (!all_space || (line.truncated && !line.rest_is_space)) {
        continue;  // "--boundary-more": a different, longer boundary
      }
    }
    // Close every part nested deeper than the matched multipart.
    while (stack_.size() > i + 1) {
      Frame& top = stack_.back();
      std::size_t end = body_end_before(line, top);
      if (top.in_header) {
        flush_field();
        end_header(end);
        continue;  // a message/rfc822 header may just have opened a child: close it too
      }
      std::size_t lines = 0;
      if (end > top.body_begin) {
        lines = (prev_index_ - top.body_begin_line) + (prev_length_ > 0 ? 1 : 0);
      }
      end_top_part(end, lines);
    }
    if (close) {
      stack_[i].closed = true;
      return true;
    }
    if (part_count_ >= limits_.max_parts) {
      // Stop building structure: everything after this is text of the parts still open.
      structure_stopped_ = true;
      limits_hit_ = true;
      return true;
    }
    std::size_t child_begin = line.begin + line.length + line.eol;
    begin_part(child_begin, child_begin, stack_[i].is_digest);
    return true;
  }
  return false;
}

void PartParser::header_line(const Line& line) {
  Frame& frame = stack_.back();
  if (line.length == 0) {
    flush_field();
    end_header(line.begin + line.eol);
    return;
  }
  frame.header_bytes += line.length + line.eol;
  if (frame.header_bytes > limits_.max_header_bytes || line.truncated) {
    // Past the header limit: drop the rest of this header, but keep looking for its end so
    // that body offsets stay exact.
    limits_hit_ = true;
    field_.clear();
    return;
  }
  if (is_wsp(line.kept[0])) {
    if (!field_.empty()) {
      field_.append(prev_eol_ == 2 ? "\r\n" : "\n");
      field_.append(line.kept);
    }
    return;  // a continuation with nothing to continue is ignored
  }
  flush_field();
  field_.assign(line.kept);
}

void PartParser::flush_field() {
  if (field_.empty()) {
    return;
  }
  emitted_field_ = std::move(field_);
  field_.clear();
  std::string_view text = emitted_field_;
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return;  // garbage line in a header: skipped
  }
  std::string_view name = text.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) {
    name.remove_suffix(1);  // RFC 5322 §4.5.1 obsolete "Name  :"
  }
  if (!valid_field_name(name)) {
    return;
  }
  Frame& frame = stack_.back();
  if (frame.field_count >= limits_.max_header_fields) {
    limits_hit_ = true;
    return;
  }
  ++frame.field_count;
  std::string_view value = text.substr(colon + 1);
  if (!frame.content_type && iequals(name, "content-type")) {
    frame.content_type = std::string(value);
  }
  PartEvent event;
  event.kind = PartEvent::Kind::header_field;
  event.depth = stack_.size() - 1;
  event.name = name;
  event.value = value;
  queue_.push_back(event);
}

void PartParser::end_header(std::size_t body_begin) {
  Frame& frame = stack_.back();
  std::size_t depth = stack_.size() - 1;
  frame.in_header = false;
  frame.body_begin = body_begin;
  frame.body_begin_line = lines_seen_ + 1;
  ContentType type = effective_content_type(frame.content_type, frame.parent_is_digest);
  BodyKind kind = BodyKind::opaque;
  if (type.type == "multipart") {
    const Param* boundary = find_param(type.params, "boundary");
    std::string value;
    if (boundary) {
      value = boundary->extended ? boundary->decoded : boundary->value;
    }
    if (!value.empty() && value.size() <= kMaxBoundary) {
      if (depth + 1 > limits_.max_depth) {
        limits_hit_ = true;
      } else {
        kind = BodyKind::multipart;
        frame.boundary = std::move(value);
        frame.is_digest = type.subtype == "digest";
      }
    }
  } else if (type.type == "message" && type.subtype == "rfc822") {
    if (depth + 1 > limits_.max_depth || part_count_ >= limits_.max_parts) {
      limits_hit_ = true;
    } else {
      kind = BodyKind::message;
    }
  }
  frame.kind = kind;
  frame.content_type.reset();
  PartEvent event;
  event.kind = PartEvent::Kind::header_end;
  event.depth = depth;
  event.offset = body_begin;
  event.body_kind = kind;
  queue_.push_back(event);
  if (kind == BodyKind::message) {
    begin_part(body_begin, frame.min_end, false);
  }
}

void PartParser::begin_part(std::size_t header_begin, std::size_t min_end, bool parent_is_digest) {
  ++part_count_;
  Frame frame;
  frame.header_begin = header_begin;
  frame.min_end = min_end;
  frame.parent_is_digest = parent_is_digest;
  stack_.push_back(std::move(frame));
  PartEvent event;
  event.kind = PartEvent::Kind::part_begin;
  event.depth = stack_.size() - 1;
  event.offset = header_begin;
  queue_.push_back(event);
}

void PartParser::end_top_part(std::size_t body_end, std::size_t lines) {
  PartEvent event;
  event.kind = PartEvent::Kind::part_end;
  event.depth = stack_.size() - 1;
  event.offset = body_end;
  event.lines = lines;
  queue_.push_back(event);
  stack_.pop_back();
}

void PartParser::end_all() {
  while (!stack_.empty()) {
    Frame& top = stack_.back();
    if (top.in_header) {
      flush_field();
      end_header(offset_);
      continue;
    }
    std::size_t lines = offset_ > top.body_begin ? lines_seen_ - top.body_begin_line : 0;
    end_top_part(offset_, lines);
  }
}

}  // namespace postroom::mime
