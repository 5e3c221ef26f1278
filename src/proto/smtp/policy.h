// BareNewlinePolicy: what to do with a CR or LF that is not part of a CRLF pair.
//
// RFC 5321 §2.3.8: lines end in CRLF only, and a server must not treat a bare LF as a line
// end; §4.1.1.4: the end of mail data is CRLF "." CRLF and nothing else. Treating "\n.\n" or
// "\r\n.\n" as the end of data while another hop does not is what SMTP smuggling
// (CVE-2023-51764/51765/51766) exploits. Both policies below keep the end-of-data rule
// strict; they differ only in what happens to a message or command line that contains a
// bare newline.
#pragma once

namespace postroom::smtp {

enum class BareNewlinePolicy {
  // Default. Commands ending in a bare LF get 500 5.5.2; a message containing a bare CR or
  // LF is read to its real end and then refused (550 5.5.2), so nothing desynchronises.
  // This is the behaviour chasquid, notqmail and Postfix's smtpd_forbid_bare_newline=reject
  // converge on: a correct client never sends one (RFC 5321 §2.3.8 "MUST NOT").
  reject,
  // Postfix 3.9's default ("normalize"): a bare LF or bare CR is accepted and stored as
  // CRLF, a command line may end in a bare LF. End of data still needs CRLF "." CRLF, and a
  // bare newline never starts a line for dot-unstuffing.
  normalize_to_crlf,
};

}  // namespace postroom::smtp
