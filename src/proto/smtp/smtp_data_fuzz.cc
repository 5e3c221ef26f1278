// fuzz-lib: postroom_smtpproto
// Feeds arbitrary bytes to the DATA reader (and, from the same bytes, to a BDAT reader) in
// chunks whose sizes come from the input, and checks the invariants the session relies on:
// the reader stops exactly after CRLF "." CRLF, the output stays within the size limit,
// and under normalize_to_crlf every line in the output ends in CRLF.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/check.h"
#include "proto/smtp/data_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace postroom::smtp;
  if (size == 0) {
    return 0;
  }
  const std::size_t chunk = 1 + (data[0] % 64);
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  DataLimits limits;
  limits.max_message_size = (data[0] & 0x80) ? 64 : 1 << 20;
  limits.bare_newline = (data[0] & 0x40) ? BareNewlinePolicy::normalize_to_crlf : BareNewlinePolicy::reject;
  limits.max_received_headers = 3;

  DataReader reader(limits);
  std::string sink;
  std::size_t consumed = 0;
  std::size_t pos = 0;
  while (pos < input.size() && !reader.done()) {
    const std::string_view piece = input.substr(pos, chunk);
    pos += piece.size();
    const std::size_t used = reader.feed(piece, sink);
    POSTROOM_CHECK(used == piece.size() || reader.done(), "reader stopped early");
    consumed += used;
  }
  const DataOutcome outcome = reader.outcome();
  POSTROOM_CHECK(sink.size() <= limits.max_message_size, "sink over the limit");
  POSTROOM_CHECK(sink.size() <= outcome.octets, "sink larger than counted");
  if (reader.done()) {
    // The end is exactly CRLF "." CRLF, or "." CRLF at the very start.
    const std::string_view used = input.substr(0, consumed);
    POSTROOM_CHECK(used == ".\r\n" || (used.size() >= 5 && used.substr(used.size() - 5) == "\r\n.\r\n"),
                   "ended without CRLF.CRLF");
  } else {
    POSTROOM_CHECK(consumed == input.size(), "not done but bytes left");
  }
  if (limits.bare_newline == BareNewlinePolicy::normalize_to_crlf && outcome.status != DataStatus::too_big) {
    for (std::size_t i = 0; i < sink.size(); ++i) {
      if (sink[i] == '\n') {
        POSTROOM_CHECK(i > 0 && sink[i - 1] == '\r', "bare LF in normalized output");
      }
      if (sink[i] == '\r') {
        POSTROOM_CHECK(i + 1 < sink.size() && sink[i + 1] == '\n', "bare CR in normalized output");
      }
    }
  }
  if (outcome.status == DataStatus::ok) {
    POSTROOM_CHECK(sink.size() == outcome.octets, "ok message truncated");
  }

  BdatReader bdat(limits);
  std::string chunks;
  bdat.start_chunk(input.size() / 2, false);
  std::size_t bpos = 0;
  while (bpos < input.size() && !bdat.chunk_done()) {
    bpos += bdat.feed(input.substr(bpos, chunk), chunks);
  }
  bdat.start_chunk(input.size() - bpos, true);
  while (!bdat.message_done()) {
    const std::size_t used = bdat.feed(input.substr(bpos, chunk), chunks);
    POSTROOM_CHECK(used > 0, "BDAT made no progress");
    bpos += used;
  }
  POSTROOM_CHECK(bpos == input.size(), "BDAT did not consume its chunks");
  POSTROOM_CHECK(bdat.outcome().octets == input.size(), "BDAT octets");
  POSTROOM_CHECK(bdat.outcome().status == DataStatus::too_big || chunks == input, "BDAT content changed");
  return 0;
}
