// POP3 responses (RFC 1939 §3, RFC 2449 §8 extended response codes, RFC 3206, RFC 6856).
// Contract: builders return whole lines ending in CRLF. Free text is made single-line
// (CR, LF and NUL become spaces) so that nothing the server echoes, such as a user name,
// can inject a second response line.
//
// Multi-line bodies: append_dot_stuffed / append_top write the body; the caller then
// appends ".\r\n" (kMultiLineEnd).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postroom::pop3 {

enum class RespCode {
  in_use,       // [IN-USE]      maildrop locked by another session (RFC 2449 §8.1.1)
  login_delay,  // [LOGIN-DELAY] logging in too often (RFC 2449 §8.1.2)
  sys_temp,     // [SYS/TEMP]    temporary system problem (RFC 3206 §4)
  sys_perm,     // [SYS/PERM]    permanent system problem (RFC 3206 §4)
  auth,         // [AUTH]        credentials are the problem (RFC 3206 §5)
  utf8,         // [UTF8]        needs UTF8 mode (RFC 6856 §2)
};

// "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH", "UTF8".
std::string_view resp_code_name(RespCode code);

inline constexpr std::string_view kMultiLineEnd = ".\r\n";

// "+OK text\r\n" ("+OK\r\n" when text is empty).
std::string ok(std::string_view text);
// "-ERR text\r\n" ("-ERR\r\n" when text is empty).
std::string err(std::string_view text);
// "-ERR [CODE] text\r\n".
std::string err_code(RespCode code, std::string_view text);

// Appends message as a multi-line body: CRLF, bare LF and bare CR all become CRLF; a line
// starting with '.' gets one more '.'; the body ends in CRLF unless message is empty.
void append_dot_stuffed(std::string& out, std::string_view message);

// RFC 1939 TOP: the header lines, the blank line that ends them and the first n_lines body
// lines, normalised and dot-stuffed like append_dot_stuffed. A message without a blank line
// is all header and is sent whole.
void append_top(std::string& out, std::string_view message, std::uint64_t n_lines);

// Octets of message as append_dot_stuffed sends it, not counting the stuffing dots: the
// size LIST and STAT report (RFC 1939 §5 counts CRLF line ends). Messages stored with
// CRLF already and ending in CRLF give message.size().
std::uint64_t pop3_size(std::string_view message);

}  // namespace postroom::pop3
