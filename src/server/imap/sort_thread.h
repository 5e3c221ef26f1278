// SORT and THREAD (RFC 5256; RFC 5957 DISPLAYFROM/DISPLAYTO) over messages a SEARCH selected.
// Runs on the storage pool. No Asio.
//
// Contract:
// - Input: the snapshot (sequence order) and the selected sequence numbers (1-based, as
//   SearchEvaluator::evaluate returns them). Output numbers are sequence numbers, or UIDs
//   when `uid` is set (UID SORT / UID THREAD).
// - Sort keys come from the ENVELOPE stored at delivery (no blob reads) and the snapshot
//   metadata. THREAD=REFERENCES also reads each selected message's header for References.
// - Strings compare with i;ascii-casemap (RFC 4790): ASCII letters fold, other bytes compare
//   as unsigned octets. Address keys (FROM, TO, CC) are the addr-mailbox of the first
//   address (empty when none). DISPLAYFROM/DISPLAYTO: the first address's display name
//   (RFC 2047-decoded), or "mailbox@host" when it has none. SUBJECT: the base subject.
//   DATE: the Date: header in UTC, INTERNALDATE when missing or unparsable. Ties (after all
//   criteria, REVERSE included) go by sequence number ascending.
// - THREAD ORDEREDSUBJECT (RFC 5256 §2.2 / §3): messages grouped by base subject; in each
//   group the first by sent date is the parent of the others; threads by their first date.
// - THREAD REFERENCES: the RFC 5256 algorithm (Message-ID / References / In-Reply-To links
//   without loops, dummy pruning, root-set grouping by base subject, siblings by sent
//   date, ties by sequence number). Dummy nodes have number 0 (pi::ThreadNode).
// - THREAD REFS (draft-ietf-morg-inthread): REFERENCES without subject grouping; threads
//   ordered by their most recent message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "proto/imap/command.h"
#include "proto/imap/response.h"
#include "server/imap/message_data.h"

namespace postroom::server::imap {

namespace pi = postroom::imap;

// RFC 5256 §2.1 base subject of a raw Subject value (encoded-words decoded, whitespace
// collapsed, "Re:", "Fwd:", "Fw:", "[blob]" leaders, "(fwd)" trailers and "[Fwd: ...]"
// wrappers removed). The result keeps its case; compare with i;ascii-casemap.
// `reply_or_forward` (optional) tells whether anything of the reply/forward kind was removed.
std::string base_subject(std::string_view raw_subject, bool* reply_or_forward = nullptr);

// The message ids of a header value, in order ("<a@b> <c@d>" → {"<a@b>", "<c@d>"}).
std::vector<std::string> message_ids(std::string_view value);

// SORT: `seqs` reordered; returned as sequence numbers or UIDs.
Result<std::vector<std::uint32_t>> sort_messages(std::span<const store::MessageMeta> messages,
                                                 std::span<const std::uint32_t> seqs,
                                                 const std::vector<pi::SortCriterion>& criteria,
                                                 const MessageDataFactory& factory, bool uid);

// THREAD: the thread forest of `seqs`; node numbers are sequence numbers or UIDs.
Result<std::vector<pi::ThreadNode>> thread_messages(std::span<const store::MessageMeta> messages,
                                                    std::span<const std::uint32_t> seqs, pi::ThreadAlgorithm algorithm,
                                                    const MessageDataFactory& factory, bool uid);

// "(2)(3 6 (4 23)(44 7 96))" — the data of "* THREAD" without the prefix. Iterative: deep
// reply chains do not recurse.
std::string format_thread(std::span<const pi::ThreadNode> roots);

}  // namespace postroom::server::imap
