// DotStuffer: encodes a message as a POP3 multi-line body (RFC 1939 §3) in one pass, fed in
// chunks of any size, so RETR can send a large message slice by slice instead of building a
// second full copy of it.
//
// Contract: the output for a message fed in any split equals pop3::append_dot_stuffed of the
// whole message (proto/pop3/response.h): CRLF, bare LF and bare CR each become CRLF; a line
// starting with '.' gets one more '.'; finish() ends an unterminated last line with CRLF. The
// caller appends ".\r\n" after finish().
//
// Why not the proto helper: it walks the message line by line and appends each line on its
// own; here well-formed CRLF lines (nearly all stored mail: MailService normalises line ends)
// are copied as one run, so a typical body costs two memchr passes and one append.
#pragma once

#include <string>
#include <string_view>

namespace postroom::server::pop3 {

class DotStuffer {
 public:
  // Appends the encoding of `chunk` (the next bytes of the message) to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Ends the body: CRLF after an unterminated last line. The stuffer is ready for a new
  // message afterwards.
  void finish(std::string& out);

 private:
  bool at_line_start_ = true;
  // The previous chunk ended in CR (already sent as CRLF): a LF that starts the next chunk
  // belongs to it and is dropped.
  bool swallow_lf_ = false;
};

}  // namespace postroom::server::pop3
