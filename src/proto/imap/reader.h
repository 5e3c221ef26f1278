// Reader: the token layer under every IMAP grammar function. Internal to proto/imap.
//
// Contract:
// - Reads one assembled command (literals inline as "{n}\r\n<bytes>", no final CRLF).
// - Every function either consumes what it recognises and returns it, or returns
//   nullopt/false and records the first error text (fixed, never client bytes). After an
//   error the result of the whole parse is that error.
// - Nesting depth and list sizes are checked against Limits by the grammar code through
//   enter()/leave() and count_item().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/imap/command_parser.h"

namespace postroom::imap::detail {

bool is_atom_char(unsigned char c);
bool is_astring_char(unsigned char c);
bool is_list_char(unsigned char c);
bool is_tag_char(unsigned char c);
bool iequals(std::string_view a, std::string_view b);
std::string to_upper(std::string_view s);

class Reader {
 public:
  Reader(std::string_view text, const Limits& limits) : text_(text), limits_(limits) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  std::size_t pos() const { return pos_; }
  bool eat(char c);
  // Exactly one SP, else error.
  bool sp();
  // One char, else error.
  bool expect(char c);
  bool fail(std::string_view message);
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool bad_name() const { return bad_name_; }
  bool too_big() const { return too_big_; }

  // Tokens.
  std::string_view atom();            // 1*ATOM-CHAR; empty (no error) when none
  std::string_view word();            // 1*(ALPHA / DIGIT / "." / "-" / "_" / "=" / "+" / "$") for keywords
  bool keyword(std::string_view kw);  // consumes kw (case-insensitive) if followed by a non-atom char
  bool nil();                         // consumes "NIL" if present
  // string = quoted / literal. literal8 accepted only when allow_literal8 (sets *was_literal8);
  // NUL accepted in a literal only when allow_nul.
  std::optional<std::string> string(bool allow_literal8 = false, bool allow_nul = false, bool* was_literal8 = nullptr);
  std::optional<std::string> astring();
  std::optional<std::optional<std::string>> nstring();
  std::optional<std::uint32_t> number();     // 0..4294967295
  std::optional<std::uint32_t> nz_number();  // 1..4294967295
  std::optional<std::uint64_t> number64();   // 0..2^63-1
  std::optional<std::uint64_t> nz_number64();
  std::optional<SequenceSet> sequence_set(bool allow_saved = true);
  // mailbox = "INBOX" / astring, decoded (mUTF-7 or UTF-8), INBOX canonical.
  std::optional<std::string> mailbox();
  // list-mailbox = 1*list-char / string, decoded like mailbox().
  std::optional<std::string> list_mailbox();
  // flag: "\" atom / atom, canonical spelling for system flags. allow_star: "\*".
  std::optional<std::string> flag();
  // flag-list: "(" [flag *(SP flag)] ")".
  std::optional<std::vector<std::string>> flag_list();
  // date: date-text / DQUOTE date-text DQUOTE.
  std::optional<Date> date();

  // Limits.
  bool enter();  // nesting depth + 1; error when above max_depth
  void leave() { --depth_; }
  bool count_item(std::size_t& counter);  // counter + 1; error when above max_list_items
  const Limits& limits() const { return limits_; }

 private:
  std::optional<std::string> decode_mailbox(std::string raw);
  std::optional<std::string> literal(bool allow_literal8, bool allow_nul, bool* was_literal8);
  std::optional<std::string> quoted();

  std::string_view text_;
  const Limits& limits_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::string error_;
  bool bad_name_ = false;
  bool too_big_ = false;
};

}  // namespace postroom::imap::detail
