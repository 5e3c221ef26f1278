// FETCH rendering against a real SQLite store: golden responses for a nested multipart,
// exact section bytes, partials, BINARY, and which items read the blob.
#include "server/imap/fetch_render.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mail/mail_service.h"
#include "mime/analyze.h"
#include "proto/imap/date_time.h"
#include "store/test_support.h"

namespace postroom::server::imap {
namespace {

namespace pi = postroom::imap;

// multipart/mixed: [1] multipart/alternative (1.1 text/plain QP, 1.2 text/html),
// [2] base64 attachment, [3] message/rfc822, plus a folded header field.
const std::string kMessage =
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Quarterly report\r\n"
    "X-Long: first part\r\n"
    " continued line\r\n"
    "Date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "This is a multi-part message in MIME format.\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Caf=C3=A9 report=\r\n"
    " ready.\r\n"
    "--inner\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>Caf&eacute; report ready.</p>\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    "\r\n"
    "AAECAwRoZWxsbw==\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: Dave <dave@example.com>\r\n"
    "Subject: Inner message\r\n"
    "Message-ID: <inner@example.com>\r\n"
    "\r\n"
    "Inner body line.\r\n"
    "--outer\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Transfer-Encoding: x-uuencode\r\n"
    "\r\n"
    "begin 644 x\r\n"
    "--outer--\r\n";

const std::string kHeader =
    "From: Alice Example <alice@example.com>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Subject: Quarterly report\r\n"
    "X-Long: first part\r\n"
    " continued line\r\n"
    "Date: Tue, 05 Mar 2024 10:15:00 +0100\r\n"
    "Message-ID: <m1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n";

pi::FetchItem item(pi::FetchAttr attr) {
  pi::FetchItem it;
  it.attr = attr;
  return it;
}

pi::FetchItem section(std::vector<std::uint32_t> part, pi::SectionText text = pi::SectionText::none, bool peek = true,
                      std::vector<std::string> fields = {}) {
  pi::FetchItem it;
  it.attr = pi::FetchAttr::body_section;
  it.peek = peek;
  it.section.part = std::move(part);
  it.section.text = text;
  it.section.fields = std::move(fields);
  return it;
}

pi::FetchItem binary(std::vector<std::uint32_t> part, bool size = false) {
  pi::FetchItem it;
  it.attr = size ? pi::FetchAttr::binary_size : pi::FetchAttr::binary;
  it.peek = true;
  it.section.part = std::move(part);
  return it;
}

class FetchRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.org").ok());
    auto account = store_->add_account("bob@example.org", "x");
    ASSERT_TRUE(account.ok());
    account_ = account->id;
    mail_ = std::make_unique<mail::MailService>(*store_, mail::MailOptions{});
    auto inbox = store_->find_mailbox(account_, "INBOX");
    ASSERT_TRUE(inbox.ok());
    mailbox_ = inbox->id;
    mail::Delivery delivery;
    delivery.bytes = kMessage;
    delivery.flags = {"\\Flagged", "$Work"};
    delivery.internal_date = 1709630100;  // 2024-03-05 09:15:00 UTC
    auto meta = mail_->append(account_, "INBOX", std::move(delivery));
    ASSERT_TRUE(meta.ok());
    meta_ = *meta;
  }

  MessageData data() { return MessageData(*store_, account_, mailbox_, meta_); }

  std::string fetch(const std::vector<pi::FetchItem>& items, FetchOptions options = {}) {
    MessageData d = data();
    bool seen = false;
    auto out = render_fetch(7, items, d, options, seen);
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().detail);
    return out.ok() ? *out : std::string();
  }

  // The value of a single-item literal response: "* 7 FETCH (NAME {n}\r\n<bytes>)\r\n".
  std::string literal_value(const pi::FetchItem& it) {
    const std::string out = fetch({it});
    const std::size_t open = out.find("}\r\n");
    EXPECT_NE(open, std::string::npos) << out;
    if (open == std::string::npos) {
      return {};
    }
    return out.substr(open + 3, out.size() - (open + 3) - 3);
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<mail::MailService> mail_;
  store::AccountId account_ = 0;
  store::MailboxId mailbox_ = 0;
  store::MessageMeta meta_;
};

TEST_F(FetchRenderTest, MetadataItemsGoldenAndNoBlobRead) {
  MessageData d = data();
  bool seen = true;
  auto out = render_fetch(7,
                          {item(pi::FetchAttr::flags), item(pi::FetchAttr::uid), item(pi::FetchAttr::rfc822_size),
                           item(pi::FetchAttr::internaldate), item(pi::FetchAttr::modseq)},
                          d, FetchOptions{}, seen);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "* 7 FETCH (FLAGS (\\Flagged $Work) UID 1 RFC822.SIZE " + std::to_string(kMessage.size()) +
                      " INTERNALDATE \" 5-Mar-2024 09:15:00 +0000\" MODSEQ (" + std::to_string(meta_.modseq) +
                      "))\r\n");
  EXPECT_FALSE(seen);
  EXPECT_EQ(d.blob_reads(), 0);
  EXPECT_EQ(d.derived_reads(), 0);
}

TEST_F(FetchRenderTest, EnvelopeBodystructureAndBodyUseStoredStrings) {
  MessageData d = data();
  bool seen = false;
  auto out =
      render_fetch(7, {item(pi::FetchAttr::envelope), item(pi::FetchAttr::bodystructure), item(pi::FetchAttr::body)}, d,
                   FetchOptions{}, seen);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(d.blob_reads(), 0);
  EXPECT_EQ(d.derived_reads(), 1);
  const mime::Analysis analysis = mime::analyze(kMessage);
  EXPECT_EQ(*out, "* 7 FETCH (ENVELOPE " + analysis.envelope + " BODYSTRUCTURE " + analysis.bodystructure + " BODY " +
                      analysis.body + ")\r\n");
}

// Hand-checked against RFC 9051 §7.5.2: sender/reply-to default to from; sizes are the
// encoded octets (26 = "Caf=C3=A9 report=\r\n ready."); text parts and message/rfc822 carry
// line counts; the embedded message has its own envelope and body.
TEST_F(FetchRenderTest, GoldenEnvelopeAndBody) {
  const std::string alice = "((\"Alice Example\" NIL \"alice\" \"example.com\"))";
  const std::string dave = "((\"Dave\" NIL \"dave\" \"example.com\"))";
  EXPECT_EQ(fetch({item(pi::FetchAttr::envelope)}),
            "* 7 FETCH (ENVELOPE (\"Tue, 05 Mar 2024 10:15:00 +0100\" \"Quarterly report\" " + alice + " " + alice +
                " " + alice + " ((\"Bob\" NIL \"bob\" \"example.org\")) NIL NIL NIL \"<m1@example.com>\"))\r\n");
  EXPECT_EQ(fetch({item(pi::FetchAttr::body)}),
            "* 7 FETCH (BODY (((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 26 2)"
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 32 1) \"ALTERNATIVE\")"
            "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"data.bin\") NIL NIL \"BASE64\" 16)"
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 106 (NIL \"Inner message\" " +
                dave + " " + dave + " " + dave +
                " NIL NIL NIL NIL \"<inner@example.com>\") (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL "
                "\"7BIT\" 16 1) 5)"
                "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"X-UUENCODE\" 11 1) \"MIXED\"))\r\n");
  const std::string bodystructure = fetch({item(pi::FetchAttr::bodystructure)});
  EXPECT_NE(bodystructure.find("(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"data.bin\") NIL NIL \"BASE64\" 16 NIL "
                               "(\"ATTACHMENT\" (\"FILENAME\" \"data.bin\")) NIL NIL)"),
            std::string::npos);
  EXPECT_TRUE(bodystructure.ends_with(" \"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL))\r\n"));
}

TEST_F(FetchRenderTest, BodyFromBodystructureMatchesMime) {
  // The stripped form equals what the MIME library writes for BODY, for several shapes.
  for (const std::string& message :
       {kMessage, std::string("Subject: x\r\n\r\nplain\r\n"),
        std::string("Content-Type: message/rfc822\r\n\r\nSubject: in\r\nContent-Type: text/html; "
                    "charset=\"ISO-8859-1\"\r\nContent-Language: en\r\n\r\n<b>x</b>\r\n")}) {
    const mime::Analysis analysis = mime::analyze(message);
    auto body = body_from_bodystructure(analysis.bodystructure);
    ASSERT_TRUE(body.has_value()) << analysis.bodystructure;
    EXPECT_EQ(*body, analysis.body);
  }
}

TEST_F(FetchRenderTest, SectionsCutExactBytes) {
  EXPECT_EQ(literal_value(section({})), kMessage);
  EXPECT_EQ(literal_value(section({}, pi::SectionText::header)), kHeader);
  EXPECT_EQ(literal_value(section({}, pi::SectionText::text)), kMessage.substr(kHeader.size()));
  EXPECT_EQ(literal_value(section({1, 1})), "Caf=C3=A9 report=\r\n ready.");
  EXPECT_EQ(literal_value(section({1, 2})), "<p>Caf&eacute; report ready.</p>");
  EXPECT_EQ(literal_value(section({1, 1}, pi::SectionText::mime)),
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
  EXPECT_EQ(literal_value(section({1}, pi::SectionText::mime)),
            "Content-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n");
  EXPECT_EQ(literal_value(section({2})), "AAECAwRoZWxsbw==");
  // message/rfc822: the part is the whole embedded message; HEADER/TEXT are the embedded
  // message's; part 1 of the non-multipart embedded message is its body.
  const std::string inner_header =
      "From: Dave <dave@example.com>\r\nSubject: Inner message\r\nMessage-ID: <inner@example.com>\r\n\r\n";
  EXPECT_EQ(literal_value(section({3})), inner_header + "Inner body line.");
  EXPECT_EQ(literal_value(section({3}, pi::SectionText::header)), inner_header);
  EXPECT_EQ(literal_value(section({3}, pi::SectionText::text)), "Inner body line.");
  EXPECT_EQ(literal_value(section({3, 1})), "Inner body line.");
  EXPECT_EQ(literal_value(section({3}, pi::SectionText::mime)), "Content-Type: message/rfc822\r\n\r\n");
  EXPECT_EQ(literal_value(section({3}, pi::SectionText::header_fields, true, {"SUBJECT"})),
            "Subject: Inner message\r\n\r\n");
  // Sections that do not exist, and HEADER of a part that is not a message, are NIL.
  EXPECT_EQ(fetch({section({9})}), "* 7 FETCH (BODY[9] NIL)\r\n");
  EXPECT_EQ(fetch({section({2}, pi::SectionText::header)}), "* 7 FETCH (BODY[2.HEADER] NIL)\r\n");
  EXPECT_EQ(fetch({section({1, 1, 1})}), "* 7 FETCH (BODY[1.1.1] NIL)\r\n");
}

TEST_F(FetchRenderTest, NonMultipartPartOneIsTheBody) {
  mail::Delivery delivery;
  delivery.bytes = "Subject: single\r\n\r\nJust text.\r\n";
  auto meta = mail_->append(account_, "INBOX", std::move(delivery));
  ASSERT_TRUE(meta.ok());
  MessageData d(*store_, account_, mailbox_, *meta);
  bool seen = false;
  auto out = render_fetch(2, {section({1}), section({}, pi::SectionText::text)}, d, FetchOptions{}, seen);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "* 2 FETCH (BODY[1] {12}\r\nJust text.\r\n BODY[TEXT] {12}\r\nJust text.\r\n)\r\n");
}

TEST_F(FetchRenderTest, NulInStoredBodyIsNotSentInAPlainLiteral) {
  mail::Delivery delivery;
  delivery.bytes = std::string("Subject: nul\r\n\r\na\0b\r\n", 21);
  auto meta = mail_->append(account_, "INBOX", std::move(delivery));
  ASSERT_TRUE(meta.ok());
  MessageData d(*store_, account_, mailbox_, *meta);
  bool seen = false;
  auto out = render_fetch(2, {section({}, pi::SectionText::text)}, d, FetchOptions{}, seen);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "* 2 FETCH (BODY[TEXT] {5}\r\na\x80"
            "b\r\n)\r\n");
  // BINARY keeps the byte and switches to literal8.
  auto binary_out = render_fetch(2, {binary({1})}, d, FetchOptions{}, seen);
  ASSERT_TRUE(binary_out.ok());
  EXPECT_EQ(*binary_out, "* 2 FETCH (BINARY[1] ~{5}\r\na" + std::string(1, '\0') + "b\r\n)\r\n");
}

TEST_F(FetchRenderTest, HeaderFieldsKeepFoldingAndOrder) {
  EXPECT_EQ(fetch({section({}, pi::SectionText::header_fields, true, {"x-LONG", "subject"})}),
            "* 7 FETCH (BODY[HEADER.FIELDS (x-LONG subject)] {66}\r\n"
            "Subject: Quarterly report\r\nX-Long: first part\r\n continued line\r\n\r\n)\r\n");
  const std::string rest = literal_value(
      section({}, pi::SectionText::header_fields_not, true, {"From", "To", "X-Long", "Content-Type", "Date"}));
  EXPECT_EQ(rest, "Subject: Quarterly report\r\nMessage-ID: <m1@example.com>\r\nMIME-Version: 1.0\r\n\r\n");
  // No match: just the blank line.
  EXPECT_EQ(literal_value(section({}, pi::SectionText::header_fields, true, {"Nope"})), "\r\n");
}

TEST_F(FetchRenderTest, Partials) {
  pi::FetchItem it = section({});
  it.partial = pi::Partial{0, 10};
  EXPECT_EQ(fetch({it}), "* 7 FETCH (BODY[]<0> {10}\r\nFrom: Alic)\r\n");
  it.partial = pi::Partial{6, 5};
  EXPECT_EQ(fetch({it}), "* 7 FETCH (BODY[]<6> {5}\r\nAlice)\r\n");
  // Running past the end is clipped; starting past the end is empty.
  it.partial = pi::Partial{kMessage.size() - 4, 100};
  EXPECT_EQ(fetch({it}), "* 7 FETCH (BODY[]<" + std::to_string(kMessage.size() - 4) + "> {4}\r\n--\r\n)\r\n");
  it.partial = pi::Partial{kMessage.size() + 10, 5};
  EXPECT_EQ(fetch({it}), "* 7 FETCH (BODY[]<" + std::to_string(kMessage.size() + 10) + "> {0}\r\n)\r\n");
  pi::FetchItem part = section({1, 1});
  part.partial = pi::Partial{4, 6};
  EXPECT_EQ(fetch({part}), "* 7 FETCH (BODY[1.1]<4> {6}\r\nC3=A9 )\r\n");
}

TEST_F(FetchRenderTest, BinaryDecodesBase64AndQuotedPrintable) {
  // Base64 with NUL bytes: literal8.
  EXPECT_EQ(fetch({binary({2})}), "* 7 FETCH (BINARY[2] ~{10}\r\n" + std::string("\0\1\2\3\4hello", 10) + ")\r\n");
  EXPECT_EQ(fetch({binary({2}, true)}), "* 7 FETCH (BINARY.SIZE[2] 10)\r\n");
  EXPECT_EQ(fetch({binary({1, 1})}), "* 7 FETCH (BINARY[1.1] {19}\r\nCaf\xC3\xA9 report ready.)\r\n");
  EXPECT_EQ(fetch({binary({1, 1}, true)}), "* 7 FETCH (BINARY.SIZE[1.1] 19)\r\n");
  // 7bit part: unchanged.
  EXPECT_EQ(fetch({binary({1, 2})}), "* 7 FETCH (BINARY[1.2] {32}\r\n<p>Caf&eacute; report ready.</p>)\r\n");
  pi::FetchItem partial = binary({2});
  partial.partial = pi::Partial{5, 5};
  EXPECT_EQ(fetch({partial}), "* 7 FETCH (BINARY[2]<5> {5}\r\nhello)\r\n");
  EXPECT_EQ(fetch({binary({8})}), "* 7 FETCH (BINARY[8] NIL)\r\n");
}

TEST_F(FetchRenderTest, UnknownTransferEncodingIsAnError) {
  MessageData d = data();
  bool seen = false;
  auto out = render_fetch(7, {binary({4})}, d, FetchOptions{}, seen);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(is_unknown_cte(out.error()));
  // BODY[4] still works: it is the encoded form.
  EXPECT_EQ(literal_value(section({4})), "begin 644 x");
}

TEST_F(FetchRenderTest, SeenHandling) {
  MessageData d = data();
  bool seen = false;
  // PEEK never sets \Seen.
  auto peek = render_fetch(7, {section({1, 1})}, d, FetchOptions{}, seen);
  ASSERT_TRUE(peek.ok());
  EXPECT_FALSE(seen);
  // BODY[...] does: the response shows the flags as they will be, FLAGS appended.
  auto body = render_fetch(7, {section({2}, pi::SectionText::none, false)}, d, FetchOptions{}, seen);
  ASSERT_TRUE(body.ok());
  EXPECT_TRUE(seen);
  EXPECT_EQ(*body, "* 7 FETCH (BODY[2] {16}\r\nAAECAwRoZWxsbw== FLAGS (\\Flagged $Work \\Seen))\r\n");
  // Requested FLAGS already carry \Seen; RFC822 counts as a body fetch.
  auto rfc = render_fetch(7, {item(pi::FetchAttr::flags), item(pi::FetchAttr::rfc822_size)}, d, FetchOptions{}, seen);
  EXPECT_FALSE(seen);
  pi::FetchItem text = item(pi::FetchAttr::rfc822_text);
  auto with_flags = render_fetch(7, {item(pi::FetchAttr::flags), text}, d, FetchOptions{}, seen);
  ASSERT_TRUE(with_flags.ok());
  EXPECT_TRUE(seen);
  EXPECT_TRUE(with_flags->starts_with("* 7 FETCH (FLAGS (\\Flagged $Work \\Seen) RFC822.TEXT {")) << *with_flags;
  // Read-only mailbox: no \Seen.
  FetchOptions read_only;
  read_only.read_only = true;
  auto examined = render_fetch(7, {text}, d, read_only, seen);
  ASSERT_TRUE(examined.ok());
  EXPECT_FALSE(seen);
  EXPECT_EQ(examined->find("FLAGS"), std::string::npos);
  // Only one blob read for all of that.
  EXPECT_EQ(d.blob_reads(), 1);
}

TEST_F(FetchRenderTest, Rfc822Items) {
  EXPECT_EQ(literal_value(item(pi::FetchAttr::rfc822_header)), kHeader);
  const std::string text = fetch({item(pi::FetchAttr::rfc822_text)});
  EXPECT_TRUE(text.starts_with("* 7 FETCH (RFC822.TEXT {" + std::to_string(kMessage.size() - kHeader.size()) +
                               "}\r\nThis is a multi-part"));
  // RFC822 is BODY[]: it sets \Seen, so FLAGS follow.
  EXPECT_EQ(fetch({item(pi::FetchAttr::rfc822)}), "* 7 FETCH (RFC822 {" + std::to_string(kMessage.size()) + "}\r\n" +
                                                      kMessage + " FLAGS (\\Flagged $Work \\Seen))\r\n");
}

TEST_F(FetchRenderTest, OptionsUidAndModseqAndObjectIds) {
  FetchOptions options;
  options.uid_always = true;
  options.modseq = true;
  const std::string out = fetch({item(pi::FetchAttr::flags), item(pi::FetchAttr::emailid),
                                 item(pi::FetchAttr::threadid), item(pi::FetchAttr::savedate)},
                                options);
  EXPECT_EQ(out, "* 7 FETCH (UID 1 FLAGS (\\Flagged $Work) EMAILID (" + meta_.email_id + ") THREADID NIL SAVEDATE " +
                     pi::format_date_time(pi::from_unix_seconds(meta_.save_date)) + " MODSEQ (" +
                     std::to_string(meta_.modseq) + "))\r\n");
  // UID asked explicitly: written once, where asked.
  EXPECT_EQ(fetch({item(pi::FetchAttr::flags), item(pi::FetchAttr::uid)}, options),
            "* 7 FETCH (FLAGS (\\Flagged $Work) UID 1 MODSEQ (" + std::to_string(meta_.modseq) + "))\r\n");
}

TEST(FetchMacroTest, Expansion) {
  pi::FetchArgs args;
  args.macro = pi::FetchMacro::full;
  auto items = expand_macro(args);
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0].attr, pi::FetchAttr::flags);
  EXPECT_EQ(items[3].attr, pi::FetchAttr::envelope);
  EXPECT_EQ(items[4].attr, pi::FetchAttr::body);
  args.macro = pi::FetchMacro::fast;
  EXPECT_EQ(expand_macro(args).size(), 3u);
  // Already expanded by the parser: kept as is.
  args.items = {item(pi::FetchAttr::uid)};
  EXPECT_EQ(expand_macro(args).size(), 1u);
}

TEST(HeaderFilterTest, CaseInsensitiveAndBareLf) {
  const std::string header = "subject: a\nX-A: 1\n\tmore\nNot a field line\nx-a: 2\n\n";
  EXPECT_EQ(filter_header_fields(header, {"X-a"}, false), "X-A: 1\n\tmore\nx-a: 2\n\r\n");
  EXPECT_EQ(filter_header_fields(header, {"X-a"}, true), "subject: a\n\r\n");
}

TEST(Rfc5322DateTest, Forms) {
  auto d = parse_rfc5322_date("Tue, 05 Mar 2024 10:15:00 +0100");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->utc_seconds, 1709630100);
  EXPECT_EQ(d->day, 5);
  d = parse_rfc5322_date("5 Mar 24 10:15 EST (comment)");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->year, 2024);
  EXPECT_EQ(d->utc_seconds, 1709630100 + 3600 * 6 - 0);
  EXPECT_FALSE(parse_rfc5322_date("yesterday").has_value());
  EXPECT_FALSE(parse_rfc5322_date("31 Feb 2024 10:00:00 +0000").has_value());
}

}  // namespace
}  // namespace postroom::server::imap
