#include "server/pop3/dot_stuffer.h"

#include <cstring>

namespace postroom::server::pop3 {

void DotStuffer::feed(std::string_view chunk, std::string& out) {
  const char* const begin = chunk.data();
  const char* const end = begin + chunk.size();
  const char* pos = begin;
  if (swallow_lf_ && pos < end) {
    swallow_lf_ = false;
    if (*pos == '\n') {
      ++pos;
    }
  }
  // [run, pos) is input already known to need no change; it is appended in one piece when
  // something must be inserted or rewritten, or at the end.
  const char* run = pos;
  while (pos < end) {
    if (at_line_start_ && *pos == '.') {
      out.append(run, pos);
      out.push_back('.');
      run = pos;
    }
    const char* lf = static_cast<const char*>(std::memchr(pos, '\n', static_cast<std::size_t>(end - pos)));
    const char* line_end = lf != nullptr ? lf : end;
    const char* cr = static_cast<const char*>(std::memchr(pos, '\r', static_cast<std::size_t>(line_end - pos)));
    if (cr == nullptr) {
      if (lf == nullptr) {
        // Unterminated: the rest of the chunk is the start of a line.
        at_line_start_ = false;
        pos = end;
        break;
      }
      // Bare LF: becomes CRLF.
      out.append(run, lf);
      out.append("\r\n");
      pos = run = lf + 1;
      at_line_start_ = true;
      continue;
    }
    if (cr + 1 == lf) {
      // CRLF: kept as it is, inside the run.
      pos = lf + 1;
      at_line_start_ = true;
      continue;
    }
    // Bare CR (or a CR that ends the chunk, whose LF may come in the next one): send CRLF now
    // and drop a LF that directly follows.
    out.append(run, cr);
    out.append("\r\n");
    pos = cr + 1;
    at_line_start_ = true;
    if (pos == end) {
      swallow_lf_ = true;
    } else if (*pos == '\n') {
      ++pos;
    }
    run = pos;
  }
  out.append(run, pos);
}

void DotStuffer::finish(std::string& out) {
  if (!at_line_start_) {
    out.append("\r\n");
  }
  at_line_start_ = true;
  swallow_lf_ = false;
}

}  // namespace postroom::server::pop3
