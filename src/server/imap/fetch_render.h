// FETCH responses (RFC 9051 §6.4.5 and §7.5.2, RFC 3501, RFC 3516 BINARY, RFC 7162 MODSEQ,
// RFC 8514 SAVEDATE, RFC 8474 EMAILID/THREADID): one "* <seq> FETCH (...)\r\n" per message.
//
// Contract:
// - Pure apart from MessageData's lazy reads; runs on the storage pool. No Asio.
// - Only what the items need is read: FLAGS, UID, RFC822.SIZE, INTERNALDATE, MODSEQ,
//   SAVEDATE, EMAILID, THREADID use the snapshot metadata; ENVELOPE, BODYSTRUCTURE and BODY use
//   the strings stored at delivery; only body sections, RFC822*, BINARY* read the blob.
// - Items are written in the client's order. UID is put first when options.uid_always and the
//   client did not ask for it (RFC 9051 §6.4.9); MODSEQ is appended when options.modseq and
//   not asked for (RFC 7162 §3.1.4.1).
// - \Seen (RFC 9051 §6.4.5): when a non-PEEK body item (BODY[..], BINARY[..], RFC822,
//   RFC822.TEXT) is fetched from a message without \Seen and the mailbox is not read-only,
//   seen_needed is set, and the response already shows the flags as they will be: FLAGS
//   (requested or appended at the end) include \Seen. The session must then store \Seen
//   (and must not add another FLAGS item). Should the store fail it answers NO.
// - \Recent is never set by this server (IMAP4rev2 removed it; for IMAP4rev1 clients every
//   message is simply "not recent"), so FLAGS never contain it.
// - INTERNALDATE is written in UTC ("dd-Mon-yyyy hh:mm:ss +0000").
// - Sections: RFC 9051 §6.4.5 — part 1 of a non-multipart message is its body; HEADER,
//   HEADER.FIELDS[.NOT] and TEXT after a part number refer to the message embedded in a
//   message/rfc822 part (NIL for other parts); MIME is the part's own header. Sections that
//   do not exist are NIL. HEADER.FIELDS[.NOT] compare names case-insensitively and return
//   the original lines (folding kept) followed by the blank line.
// - Partial <o.l>: the bytes [o, o+l) clipped to the data ("" past the end), named
//   "BODY[...]<o>".
// - BINARY[part] (RFC 3516) undoes base64 / quoted-printable; 7bit/8bit/binary/absent are
//   copied. Any other encoding is an error for which is_unknown_cte() is true (the session
//   answers NO [UNKNOWN-CTE]). The value is a literal8 (~{n}) when it contains NUL.
// - BODY[...] / RFC822* values are plain literals, which cannot carry NUL: a stored NUL byte
//   is sent as 0x80 (sizes and offsets unchanged).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/fetch.h"
#include "server/imap/message_data.h"

namespace postroom::server::imap {

namespace pi = postroom::imap;

struct FetchOptions {
  bool uid_always = false;   // UID FETCH: UID is in every response
  bool modseq = false;       // CONDSTORE enabled or CHANGEDSINCE given: MODSEQ in every response
  bool rev2 = false;         // IMAP4rev2 enabled (no behaviour change today; \Recent is never sent)
  bool utf8_accept = false;  // UTF8=ACCEPT enabled (stored strings are already valid either way)
  bool read_only = false;    // EXAMINE / read-only SELECT: fetching never sets \Seen
  std::string mailbox_id;    // MAILBOXID of the selected mailbox (RFC 8474), for future items
};

// The items of a FETCH: FetchArgs::items when the parser expanded a macro already, else the
// macro's items (ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE, FAST = FLAGS INTERNALDATE
// RFC822.SIZE, FULL = ALL BODY).
std::vector<pi::FetchItem> expand_macro(const pi::FetchArgs& args);

// Whether fetching `items` from a message with these flags would set \Seen (read_only → false).
bool fetch_sets_seen(const std::vector<pi::FetchItem>& items, const std::vector<std::string>& flags, bool read_only);
// Whether the items need more of a message than UID, modseq and flags (what an IMAP snapshot
// holds): INTERNALDATE, RFC822.SIZE, SAVEDATE, EMAILID, THREADID.
bool fetch_needs_full_meta(const std::vector<pi::FetchItem>& items);
// Whether the items need the stored ENVELOPE / BODYSTRUCTURE (ENVELOPE, BODYSTRUCTURE, BODY).
bool fetch_needs_derived(const std::vector<pi::FetchItem>& items);

// Renders one message's FETCH response. Errors: the MessageData's store error (temporary,
// not_found when the message vanished), or an unknown-CTE error for BINARY.
Result<std::string> render_fetch(std::uint32_t seq, const std::vector<pi::FetchItem>& items, MessageData& data,
                                 const FetchOptions& options, bool& seen_needed);

// Whether an error from render_fetch means "NO [UNKNOWN-CTE]" (RFC 3516 §4.3).
bool is_unknown_cte(const Error& error);

// --- building blocks, exposed for tests and for other commands ---

// The bytes of BODY[section] (before any partial); nullopt when the section does not exist.
std::optional<std::string> section_bytes(std::string_view message, const mime::PartTree& tree,
                                         const pi::Section& section);
// The header lines of `header_block` whose field name is (not) in `names`, then CRLF.
std::string filter_header_fields(std::string_view header_block, const std::vector<std::string>& names, bool exclude);
// BINARY[part] data decoded; nullopt when the part does not exist; error for unknown CTE.
Result<std::optional<std::string>> binary_bytes(std::string_view message, const mime::PartTree& tree,
                                                const std::vector<std::uint32_t>& part);
// Applies <offset.length> (clipped).
std::string_view apply_partial(std::string_view data, const pi::Partial& partial);

}  // namespace postroom::server::imap
