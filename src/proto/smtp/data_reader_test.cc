#include "proto/smtp/data_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proto/smtp/command_parser.h"
#include "proto/smtp/reply.h"

namespace postroom::smtp {
namespace {

struct DataRun {
  std::string message;
  std::size_t consumed = 0;
  bool done = false;
  DataOutcome outcome;
  bool operator==(const DataRun& o) const {
    return message == o.message && consumed == o.consumed && done == o.done && outcome.status == o.outcome.status &&
           outcome.octets == o.outcome.octets && outcome.received_headers == o.outcome.received_headers &&
           outcome.bare_lf_seen == o.outcome.bare_lf_seen && outcome.bare_cr_seen == o.outcome.bare_cr_seen;
  }
};

std::ostream& operator<<(std::ostream& os, const DataRun& r) {
  return os << "{message=" << testing::PrintToString(r.message) << " consumed=" << r.consumed << " done=" << r.done
            << " status=" << static_cast<int>(r.outcome.status) << " octets=" << r.outcome.octets
            << " hops=" << r.outcome.received_headers << " lf=" << r.outcome.bare_lf_seen
            << " cr=" << r.outcome.bare_cr_seen << "}";
}

DataRun read_pieces(const std::vector<std::string_view>& pieces, DataLimits limits) {
  DataReader reader(limits);
  DataRun run;
  for (std::string_view piece : pieces) {
    if (reader.done()) {
      break;
    }
    run.consumed += reader.feed(piece, run.message);
  }
  run.done = reader.done();
  run.outcome = reader.outcome();
  return run;
}

DataRun read_all(std::string_view input, DataLimits limits = {}) {
  return read_pieces({input}, limits);
}

void expect_split_invariant(std::string_view input, DataLimits limits = {}) {
  const DataRun whole = read_all(input, limits);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(read_pieces({input.substr(0, i), input.substr(i)}, limits), whole) << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(input.substr(i, 1));
  }
  EXPECT_EQ(read_pieces(bytes, limits), whole) << "byte by byte";
}

DataLimits normalize() {
  DataLimits limits;
  limits.bare_newline = BareNewlinePolicy::normalize_to_crlf;
  return limits;
}

TEST(SmtpData, EndsOnlyAtCrlfDotCrlf) {
  const DataRun run = read_all("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.message, "Subject: hi\r\n\r\nbody\r\n");
  EXPECT_EQ(run.consumed, 24u);  // "QUIT\r\n" is left for the command parser
  EXPECT_EQ(run.outcome.status, DataStatus::ok);
  EXPECT_EQ(run.outcome.octets, 21u);
}

TEST(SmtpData, ImmediateEnd) {
  const DataRun run = read_all(".\r\nNOOP\r\n");
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.message, "");
  EXPECT_EQ(run.consumed, 3u);
}

TEST(SmtpData, DotUnstuffing) {
  EXPECT_EQ(read_all("..\r\n.\r\n").message, ".\r\n");
  EXPECT_EQ(read_all("a\r\n..b\r\n...\r\n.\r\n").message, "a\r\n.b\r\n..\r\n");
  EXPECT_EQ(read_all(".x\r\n.\r\n").message, "x\r\n");
  // Only a dot at the start of a line is special.
  EXPECT_EQ(read_all("a.b\r\na .\r\n.\r\n").message, "a.b\r\na .\r\n");
  expect_split_invariant("a\r\n..b\r\n...\r\n..\r\n.\r\n");
}

TEST(SmtpData, SmugglingSequencesDoNotEnd) {
  DataLimits both[] = {DataLimits{}, normalize()};
  for (const DataLimits& limits : both) {
    for (const char* fake : {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\rX"}) {
      const std::string input = std::string("Subject: a\r\n\r\nx") + fake + "MAIL FROM:<evil@example.org>\r\n";
      const DataRun run = read_all(input, limits);
      EXPECT_FALSE(run.done) << testing::PrintToString(fake);
      EXPECT_EQ(run.consumed, input.size()) << testing::PrintToString(fake);
      // Every case contains a bare CR or LF.
      EXPECT_TRUE(run.outcome.bare_lf_seen || run.outcome.bare_cr_seen) << testing::PrintToString(fake);
    }
  }
}

TEST(SmtpData, RejectPolicyReadsToRealEndThenRefuses) {
  const std::string input = "Subject: a\r\n\r\nx\n.\nMAIL FROM:<evil@example.org>\r\n.\r\nRSET\r\n";
  const DataRun run = read_all(input);
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.consumed, input.size() - 6);
  EXPECT_EQ(run.outcome.status, DataStatus::bare_newline);
  EXPECT_TRUE(run.outcome.bare_lf_seen);
  EXPECT_FALSE(run.outcome.bare_cr_seen);
  EXPECT_EQ(run.message, "Subject: a\r\n\r\nx");  // nothing stored after the bare LF
  EXPECT_EQ(reply_for(run.outcome).value(),
            "550 5.5.2 Message refused: bare <CR> or <LF> received; lines must end in <CR><LF>\r\n");
  expect_split_invariant(input);
}

TEST(SmtpData, NormalizePolicyWritesCrlf) {
  DataRun run = read_all("a\nb\rc\r\r\nd\r\n.\r\n", normalize());
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.message, "a\r\nb\r\nc\r\n\r\nd\r\n");
  EXPECT_EQ(run.outcome.status, DataStatus::ok);
  EXPECT_TRUE(run.outcome.bare_lf_seen);
  EXPECT_TRUE(run.outcome.bare_cr_seen);
  EXPECT_EQ(run.outcome.octets, run.message.size());
  // A bare newline never starts a line: "\n..x" keeps both dots, "\n.\n" keeps its dot.
  EXPECT_EQ(read_all("a\n..x\r\n.\r\n", normalize()).message, "a\r\n..x\r\n");
  EXPECT_EQ(read_all("a\r\n.\nb\r\n.\r\n", normalize()).message, "a\r\n.\r\nb\r\n");
  EXPECT_EQ(read_all("a\r\n.\rb\r\n.\r\n", normalize()).message, "a\r\n.\r\nb\r\n");
  expect_split_invariant("a\nb\rc\r\r\nd\r\n.\n.\r.\r\n..\r\n.\r\n", normalize());
}

TEST(SmtpData, SizeLimitThenResync) {
  DataLimits limits;
  limits.max_message_size = 10;
  const std::string body = "0123456789\r\nmore text that is too much\r\n..dot\r\n";
  const std::string input = body + ".\r\nQUIT\r\n";
  const DataRun run = read_all(input, limits);
  EXPECT_TRUE(run.done);
  EXPECT_EQ(run.consumed, input.size() - 6);
  EXPECT_EQ(run.outcome.status, DataStatus::too_big);
  EXPECT_EQ(run.outcome.octets, body.size() - 1);  // one stuffing dot removed
  EXPECT_LE(run.message.size(), 10u);
  EXPECT_EQ(reply_for(run.outcome).value(), "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  expect_split_invariant(input, limits);

  limits.max_message_size = 12;
  EXPECT_EQ(read_all("0123456789\r\n.\r\n", limits).outcome.status, DataStatus::ok);  // exactly at the limit
}

TEST(SmtpData, ReceivedHeaderCount) {
  std::string header;
  for (int i = 0; i < 99; ++i) {
    header +=
        (i % 3 == 0 ? "Received: from x\r\n\tby y; date\r\n" : (i % 3 == 1 ? "RECEIVED :z\r\n" : "received:w\r\n"));
  }
  const std::string tail = "X-Received: no\r\nReceivedX: no\r\nSubject: a\r\n\r\nReceived: in body\r\n.\r\n";
  DataRun run = read_all(header + tail);
  EXPECT_EQ(run.outcome.received_headers, 99u);
  EXPECT_EQ(run.outcome.status, DataStatus::ok);
  run = read_all("Received: one more\r\n" + header + tail);
  EXPECT_EQ(run.outcome.received_headers, 100u);
  EXPECT_EQ(run.outcome.status, DataStatus::too_many_hops);
  EXPECT_EQ(reply_for(run.outcome).value(), "554 5.4.6 Too many hops: mail loop detected\r\n");
  DataLimits off;
  off.max_received_headers = 0;
  EXPECT_EQ(read_all("Received: one more\r\n" + header + tail, off).outcome.status, DataStatus::ok);
  expect_split_invariant("Received: a\r\nreceived : b\r\nReceive: c\r\n\r\nReceived: d\r\n.\r\n");
  EXPECT_EQ(read_all("Received: a\r\nreceived : b\r\nReceive: c\r\n\r\nReceived: d\r\n.\r\n").outcome.received_headers,
            2u);
}

TEST(SmtpData, ResetReadsNextMessage) {
  DataReader reader(DataLimits{});
  std::string sink;
  EXPECT_EQ(reader.feed("a\n.\r\n", sink), 5u);
  EXPECT_FALSE(reader.done());
  EXPECT_EQ(reader.feed("\r\n.\r\n", sink), 5u);
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.outcome().status, DataStatus::bare_newline);
  reader.reset();
  sink.clear();
  EXPECT_EQ(reader.feed("b\r\n.\r\n", sink), 6u);
  EXPECT_EQ(sink, "b\r\n");
  EXPECT_EQ(reader.outcome().status, DataStatus::ok);
}

TEST(SmtpData, EverySplitPointOnMixedInput) {
  expect_split_invariant("Received: x\r\nSubject: y\r\n\r\n.\r\r\n..\r\n.a\r\n\r\n\n.\n\r.\r\r\n.\r\nQUIT\r\n");
  expect_split_invariant("Received: x\r\nSubject: y\r\n\r\n.\r\r\n..\r\n.a\r\n\r\n\n.\n\r.\r\r\n.\r\nQUIT\r\n",
                         normalize());
}

// BDAT --------------------------------------------------------------------------------------

TEST(SmtpBdat, ChunksAreBinarySafe) {
  BdatReader reader(DataLimits{});
  std::string sink;
  const std::string chunk1 = std::string("Subject: x\r\n\r\n\r\n.\r\n\0\n.\n", 23);
  reader.start_chunk(chunk1.size(), false);
  EXPECT_EQ(reader.feed(chunk1 + "BDAT 3 LAST\r\n", sink), chunk1.size());
  EXPECT_TRUE(reader.chunk_done());
  EXPECT_FALSE(reader.message_done());
  reader.start_chunk(3, true);
  EXPECT_EQ(reader.feed("..\r", sink), 3u);
  EXPECT_TRUE(reader.message_done());
  EXPECT_EQ(sink, chunk1 + "..\r");  // no unstuffing, no end marker, no line handling
  EXPECT_EQ(reader.outcome().status, DataStatus::ok);
  EXPECT_EQ(reader.outcome().octets, chunk1.size() + 3);
  EXPECT_EQ(reader.feed("more", sink), 0u);
}

TEST(SmtpBdat, ZeroLengthLastChunk) {
  BdatReader reader(DataLimits{});
  std::string sink;
  reader.start_chunk(0, false);
  EXPECT_TRUE(reader.chunk_done());
  EXPECT_FALSE(reader.message_done());
  reader.start_chunk(0, true);
  EXPECT_TRUE(reader.message_done());
}

TEST(SmtpBdat, SizeLimitAcrossChunks) {
  DataLimits limits;
  limits.max_message_size = 8;
  BdatReader reader(limits);
  std::string sink;
  reader.start_chunk(5, false);
  EXPECT_EQ(reader.feed("12345", sink), 5u);
  reader.start_chunk(5, true);
  EXPECT_EQ(reader.feed("678", sink), 3u);
  EXPECT_EQ(reader.feed("90NOOP\r\n", sink), 2u);
  EXPECT_TRUE(reader.message_done());
  EXPECT_EQ(reader.outcome().status, DataStatus::too_big);
  EXPECT_EQ(reader.outcome().octets, 10u);
  EXPECT_EQ(sink, "12345678");  // stored up to the limit, nothing after
  reader.reset();
  sink.clear();
  reader.start_chunk(8, true);
  EXPECT_EQ(reader.feed("12345678", sink), 8u);
  EXPECT_EQ(reader.outcome().status, DataStatus::ok);
}

TEST(SmtpBdat, SkippedChunkIsConsumedNotStored) {
  BdatReader reader(DataLimits{});
  std::string sink;
  reader.skip_chunk(4);
  EXPECT_EQ(reader.feed("abcdRSET\r\n", sink), 4u);
  EXPECT_TRUE(reader.chunk_done());
  EXPECT_FALSE(reader.message_done());
  EXPECT_EQ(sink, "");
  EXPECT_EQ(reader.outcome().octets, 0u);
}

// A whole session routed the way the server will: commands, DATA content, BDAT chunks and
// pipelined commands after them, at every split point.
std::vector<std::string> run_session(const std::vector<std::string_view>& pieces) {
  CommandParser parser(Limits{});
  DataReader data(DataLimits{});
  BdatReader bdat(DataLimits{});
  enum class Mode { commands, data, bdat } mode = Mode::commands;
  std::string message;
  std::vector<std::string> out;
  auto drain_commands = [&]() {
    for (;;) {
      if (mode == Mode::data) {
        const std::size_t used = data.feed(parser.pending(), message);
        parser.consume_pending(used);
        if (!data.done()) {
          return;
        }
        out.push_back("message[" + message + "] status=" + std::to_string(static_cast<int>(data.outcome().status)));
        message.clear();
        data.reset();
        mode = Mode::commands;
      } else if (mode == Mode::bdat) {
        const std::size_t used = bdat.feed(parser.pending(), message);
        parser.consume_pending(used);
        if (!bdat.chunk_done()) {
          return;
        }
        if (bdat.message_done()) {
          out.push_back("bdat[" + message + "]");
          message.clear();
          bdat.reset();
        }
        mode = Mode::commands;
      }
      ParseResult r = parser.next();
      if (std::holds_alternative<NeedMore>(r)) {
        return;
      }
      if (const auto* c = std::get_if<Command>(&r)) {
        out.push_back(std::string(verb_name(c->verb)));
        if (c->verb == Verb::data) {
          mode = Mode::data;
        } else if (c->verb == Verb::bdat) {
          bdat.start_chunk(c->chunk_size, c->last);
          mode = Mode::bdat;
        }
      } else {
        out.push_back(reply_for(std::get<ParseError>(r)));
      }
    }
  };
  for (std::string_view piece : pieces) {
    // Like the server: while a reader is active, socket bytes go to it first.
    if (mode == Mode::data) {
      const std::size_t used = data.feed(piece, message);
      parser.feed(piece.substr(used));
    } else if (mode == Mode::bdat) {
      const std::size_t used = bdat.feed(piece, message);
      parser.feed(piece.substr(used));
    } else {
      parser.feed(piece);
    }
    drain_commands();
  }
  return out;
}

TEST(SmtpSession, EverySplitPointAcrossModes) {
  const std::string input =
      "EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
      "Subject: s\r\n\r\n..stuffed\r\nx\n.\nRSET\r\n.\r\nNOOP\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\n"
      "BDAT 10\r\n\r\n.\r\nQUIT\rBDAT 0 LAST\r\nQUIT\r\n";
  std::vector<std::string> whole = run_session({input});
  const std::vector<std::string> expected = {
      "EHLO", "MAIL", "RCPT", "DATA", "message[Subject: s\r\n\r\n.stuffed\r\nx] status=1",
      "NOOP", "MAIL", "BDAT", "BDAT", "bdat[\r\n.\r\nQUIT\r]",
      "QUIT"};
  EXPECT_EQ(whole, expected);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    ASSERT_EQ(run_session({std::string_view(input).substr(0, i), std::string_view(input).substr(i)}), whole)
        << "split at " << i;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) {
    bytes.push_back(std::string_view(input).substr(i, 1));
  }
  EXPECT_EQ(run_session(bytes), whole);
}

}  // namespace
}  // namespace postroom::smtp
