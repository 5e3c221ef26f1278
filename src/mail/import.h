// Reading foreign mail stores for `postroom import`: mbox files and Maildir folders.
// Pure functions over bytes and names (the CLI does the file-system walking), so they are
// unit-tested alone.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace postroom::mail {

struct ImportedMessage {
  std::string bytes;
  std::vector<std::string> flags;
  std::int64_t internal_date = 0;  // 0 = unknown
};

// Splits an mbox (mboxrd/mboxo, RFC 4155): a message starts at the file's first line, or at
// a "From " line with a parsable date after a blank line. The From_ line is dropped and gives the date; one '>' is
// removed from ">From ", ">>From " ... lines (mboxrd unquoting, harmless for mboxo). Status
// and X-Status headers give flags (R=\Seen, A=\Answered, F=\Flagged, T=\Draft, D=\Deleted);
// they are kept in the message as they were.
// Calls `sink` for each message in order; stops early if it returns false.
void split_mbox(std::string_view mbox, const std::function<bool(ImportedMessage&&)>& sink);

// Flags from a Maildir file name's info part ("...:2,FRS"): D=\Draft, F=\Flagged,
// R=\Answered, S=\Seen, T=\Deleted. Lower-case letters (Dovecot keywords) are ignored.
std::vector<std::string> maildir_flags(std::string_view file_name);

// Delivery time from a Maildir file name ("1700000000.M1P2.host..."): the leading seconds,
// or 0 when the name does not start with a number.
std::int64_t maildir_time(std::string_view file_name);

// Parses the asctime date of an mbox From_ line ("From sender Thu Nov 24 18:22:48 1986").
// Returns 0 when it cannot.
std::int64_t parse_from_line_date(std::string_view from_line);

}  // namespace postroom::mail
