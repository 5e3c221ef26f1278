// Sample messages and an IMAP syntax checker shared by the mime unit tests and the fuzz
// target (test-only: header-only, not part of the library).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postroom::mime::testing {

// Replaces "\n" with "\r\n": samples are written with LF for readability and stored with
// CRLF, as in a mailbox.
inline std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += '\r';
    }
    out += c;
  }
  return out;
}

inline const std::string kSimple = crlf(
    "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\n"
    "From: Fred Foobar <foobar@Blurdybloop.COM>\n"
    "Subject: afternoon meeting\n"
    "To: mooch@owatagu.siam.edu\n"
    "Message-Id: <B27397-0100000@Blurdybloop.COM>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
    "\n"
    "Hello Joe, do you think we can meet at 3:30 tomorrow?\n");

inline const std::string kMixed = crlf(
    "From: a@b.c\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\n"
    "\n"
    "preamble\n"
    "--XX\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "line1\n"
    "line2\n"
    "--XX\n"
    "Content-Type: text/plain; charset=\"us-ascii\"; name=\"cc.diff\"\n"
    "Content-ID: <960723163407.20117h@cac.washington.edu>\n"
    "Content-Description: Compiler diff\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"cc.diff\"\n"
    "\n"
    "AAAA\n"
    "--XX--\n"
    "epilogue\n");

// multipart/mixed { multipart/alternative { text/plain, text/html }, message/rfc822 {
// multipart/mixed { text/plain, application/octet-stream } }, image/png }
inline const std::string kNested = crlf(
    "From: \"Alice Example\" <alice@example.org>\n"
    "To: Bob <bob@example.net>, carol@example.net\n"
    "Subject: =?UTF-8?Q?Caf=C3=A9?= report\n"
    "Date: Tue, 1 Aug 2023 10:00:00 +0000\n"
    "Message-ID: <nested@example.org>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=outer\n"
    "\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\n"
    "\n"
    "--alt\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Caf=C3=A9\n"
    "--alt\n"
    "Content-Type: text/html; charset=utf-8\n"
    "\n"
    "<p>Caf&eacute;</p>\n"
    "\n"
    "--alt--\n"
    "\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: inline\n"
    "\n"
    "From: Dave <dave@example.com>\n"
    "Subject: inner\n"
    "Content-Type: multipart/mixed; boundary=in\n"
    "\n"
    "--in\n"
    "\n"
    "inner text\n"
    "--in\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAECAw==\n"
    "--in--\n"
    "\n"
    "--outer\n"
    "Content-Type: image/png; name=\"dot.png\"\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"dot.png\"; size=3\n"
    "Content-Language: en, de\n"
    "Content-Location: http://example.org/\n"
    "  dot.png\n"
    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
    "\n"
    "iVBO\n"
    "--outer--\n");

inline const std::string kEncodedWords = crlf(
    "From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\n"
    "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n"
    "Cc: Undisclosed recipients:;\n"
    "Subject: =?UTF-8?B?w6lsw6h2ZQ==?=\n"
    " =?ISO-8859-1?Q?caf=E9?=\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=UTF-8''%E2%82%AC;\n"
    " filename*1=\" rates.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0=\n");

inline const std::string kBareLf =
    "From: x@y.z\n"
    "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "\n"
    "one\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "two\n"
    "three\n"
    "--b--\n";

inline const std::string kMissingEnd = crlf(
    "Content-Type: multipart/mixed; boundary=zz\n"
    "\n"
    "--zz\n"
    "Content-Type: text/plain\n"
    "\n"
    "unterminated\n");

inline const std::string kGarbageHeaders = crlf(
    "From nobody Mon Jan  1 00:00:00 2024\n"
    " orphan continuation\n"
    "this line has no colon\n"
    "Bad Name: spaces in name\n"
    "Subject : obsolete space before colon\n"
    "Subject: second subject\n"
    "\n"
    "body\n");

inline const std::string kEightBit =
    "From: J\xC3\xBCrgen <j@example.de>\r\n"
    "Subject: Gr\xC3\xBC\xC3\x9F\x65\r\n"
    "\r\n"
    "\xC3\xA4\r\n";

inline const std::string kNoBody = crlf(
    "From: a@b.c\n"
    "Subject: header only");

inline const std::string kDigest = crlf(
    "Content-Type: multipart/digest; boundary=d\n"
    "\n"
    "--d\n"
    "\n"
    "Subject: first\n"
    "\n"
    "one\n"
    "--d\n"
    "Content-Type: text/plain\n"
    "\n"
    "not a message\n"
    "--d--\n");

inline const std::string kNoBoundary = crlf(
    "Content-Type: multipart/mixed\n"
    "\n"
    "--x\n"
    "text\n");

// Parts whose blank line is directly followed by a delimiter: that CRLF is the delimiter's.
inline const std::string kEmptyBodies = crlf(
    "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "--b\n"
    "Content-Type: multipart/alternative; boundary=c\n"
    "\n"
    "--c\n"
    "\n"
    "--b--\n");

inline std::vector<std::string> all_samples() {
  return {kSimple,
          kMixed,
          kNested,
          kEncodedWords,
          kBareLf,
          kMissingEnd,
          kGarbageHeaders,
          kEightBit,
          kNoBody,
          kDigest,
          kNoBoundary,
          "",
          "\r\n",
          "\n\n",
          "--",
          "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n--a\r\n--a--",
          kEmptyBodies};
}

// Checks that `text` is one IMAP parenthesised list made of NIL, numbers, quoted strings,
// literals and nested lists (RFC 3501 §4; list items separated by one SP, or by nothing
// between two lists, as in a multipart's "1*body"). Returns the number of items of the
// outer list, or -1 when the syntax is wrong.
inline int imap_list_items(std::string_view text) {
  std::size_t pos = 0;
  int top_items = -1;
  auto value = [&](auto& self, int depth) -> bool {
    if (pos >= text.size() || depth > 200) {
      return false;
    }
    char c = text[pos];
    if (c == '(') {
      ++pos;
      int items = 0;
      while (pos < text.size() && text[pos] != ')') {
        if (items > 0 && text[pos] == ' ') {
          ++pos;
        } else if (items > 0 && !(text[pos] == '(' && text[pos - 1] == ')')) {
          return false;
        }
        if (!self(self, depth + 1)) {
          return false;
        }
        ++items;
      }
      if (pos >= text.size()) {
        return false;
      }
      ++pos;
      if (depth == 0) {
        top_items = items;
      }
      return true;
    }
    if (c == '"') {
      ++pos;
      while (pos < text.size() && text[pos] != '"') {
        unsigned char b = static_cast<unsigned char>(text[pos]);
        if (b == '\r' || b == '\n' || b == 0 || b >= 0x80) {
          return false;
        }
        if (text[pos] == '\\') {
          ++pos;
          if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\\')) {
            return false;
          }
        }
        ++pos;
      }
      if (pos >= text.size()) {
        return false;
      }
      ++pos;
      return true;
    }
    if (c == '{') {
      std::size_t close = text.find("}\r\n", pos);
      if (close == std::string_view::npos || close == pos + 1) {
        return false;
      }
      std::size_t size = 0;
      for (std::size_t i = pos + 1; i < close; ++i) {
        if (text[i] < '0' || text[i] > '9') {
          return false;
        }
        size = size * 10 + static_cast<std::size_t>(text[i] - '0');
      }
      pos = close + 3;
      if (pos + size > text.size()) {
        return false;
      }
      pos += size;
      return true;
    }
    if (text.substr(pos, 3) == "NIL") {
      pos += 3;
      return true;
    }
    std::size_t begin = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
    return pos > begin;
  };
  if (!value(value, 0) || pos != text.size()) {
    return -1;
  }
  return top_items;
}

}  // namespace postroom::mime::testing
