// DSN generation, checked by parsing the report back with the MIME parser.
#include "queue/dsn.h"

#include <gtest/gtest.h>

#include <map>

#include "mime/content_type.h"
#include "mime/header.h"
#include "mime/structure.h"
#include "mime/text.h"

namespace postroom::queue {
namespace {

const std::string kOriginal =
    "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: lunch\r\nMessage-ID: <m1@example.test>\r\n"
    "\r\nSee you at noon.\r\n.leading dot\r\n";

DsnReport failed_report() {
  DsnReport report;
  report.reporting_mta = "mail.example.test";
  report.original_sender = "alice@example.test";
  report.envid = "ENV42";
  report.arrival = 1700000000;
  report.now = 1700000100;
  report.original = kOriginal;
  report.unique = "7.1700000100";
  DsnRecipient bob;
  bob.final_recipient = "bob@remote.test";
  bob.original_recipient = "rfc822;Bob@Remote.test";
  bob.status = "5.1.1";
  bob.diagnostic = "550 5.1.1 no such user";
  bob.remote_mta = "mx.remote.test";
  bob.last_attempt = 1700000090;
  DsnRecipient carol;
  carol.final_recipient = "carol@nomail.test";
  carol.status = "5.1.10";
  carol.explanation = "domain nomail.test does not accept mail (null MX)";
  report.recipients = {bob, carol};
  return report;
}

// The per-message block and the per-recipient blocks of a message/delivery-status body.
std::vector<std::vector<mime::HeaderField>> status_blocks(std::string_view body) {
  std::vector<std::vector<mime::HeaderField>> blocks;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find("\r\n\r\n", pos);
    std::string_view block = body.substr(pos, end == std::string_view::npos ? body.npos : end + 4 - pos);
    auto fields = mime::parse_header_fields(block);
    if (!fields.empty()) {
      blocks.push_back(std::move(fields));
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 4;
  }
  return blocks;
}

std::string field(const std::vector<mime::HeaderField>& fields, std::string_view name) {
  auto value = mime::field_value(fields, name);
  return value ? std::string(mime::trim_wsp(*value)) : std::string("<absent>");
}

TEST(DsnTest, FailedReportParsesBack) {
  DsnReport report = failed_report();
  std::string dsn = make_dsn(report);

  auto top = mime::parse_header_fields(dsn);
  EXPECT_EQ(field(top, "To"), "<alice@example.test>");
  EXPECT_EQ(field(top, "Auto-Submitted"), "auto-replied");
  EXPECT_NE(field(top, "From").find("MAILER-DAEMON@mail.example.test"), std::string::npos);
  auto type = mime::parse_content_type(*mime::field_value(top, "Content-Type"));
  EXPECT_EQ(type.type, "multipart");
  EXPECT_EQ(type.subtype, "report");
  ASSERT_NE(mime::find_param(type.params, "report-type"), nullptr);
  EXPECT_EQ(mime::find_param(type.params, "report-type")->value, "delivery-status");
  ASSERT_NE(mime::find_param(type.params, "boundary"), nullptr);

  mime::PartTree tree = mime::parse_structure(dsn);
  ASSERT_EQ(tree.root.children.size(), 3u);
  const mime::Part& text = tree.root.children[0];
  const mime::Part& status = tree.root.children[1];
  const mime::Part& original = tree.root.children[2];
  EXPECT_EQ(text.content_type.type + "/" + text.content_type.subtype, "text/plain");
  EXPECT_EQ(status.content_type.type + "/" + status.content_type.subtype, "message/delivery-status");
  EXPECT_EQ(original.content_type.type + "/" + original.content_type.subtype, "message/rfc822");

  std::string_view status_body = std::string_view(dsn).substr(status.body_begin, status.body_size());
  auto blocks = status_blocks(status_body);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(field(blocks[0], "Reporting-MTA"), "dns; mail.example.test");
  EXPECT_EQ(field(blocks[0], "Original-Envelope-Id"), "ENV42");
  EXPECT_EQ(field(blocks[0], "Arrival-Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
  EXPECT_EQ(field(blocks[1], "Final-Recipient"), "rfc822; bob@remote.test");
  EXPECT_EQ(field(blocks[1], "Original-Recipient"), "rfc822;Bob@Remote.test");
  EXPECT_EQ(field(blocks[1], "Action"), "failed");
  EXPECT_EQ(field(blocks[1], "Status"), "5.1.1");
  EXPECT_EQ(field(blocks[1], "Remote-MTA"), "dns; mx.remote.test");
  EXPECT_EQ(field(blocks[1], "Diagnostic-Code"), "smtp; 550 5.1.1 no such user");
  EXPECT_EQ(field(blocks[2], "Final-Recipient"), "rfc822; carol@nomail.test");
  EXPECT_EQ(field(blocks[2], "Status"), "5.1.10");
  EXPECT_EQ(field(blocks[2], "Remote-MTA"), "<absent>");

  // The whole original is quoted (RET unspecified).
  std::string_view quoted = std::string_view(dsn).substr(original.body_begin, original.body_size());
  EXPECT_NE(quoted.find("See you at noon."), std::string_view::npos);
  EXPECT_NE(quoted.find("Subject: lunch"), std::string_view::npos);

  std::string_view human = std::string_view(dsn).substr(text.body_begin, text.body_size());
  EXPECT_NE(human.find("null MX"), std::string_view::npos);
  EXPECT_NE(human.find("550 5.1.1 no such user"), std::string_view::npos);
}

TEST(DsnTest, RetHeadersQuotesOnlyTheHeader) {
  DsnReport report = failed_report();
  report.ret = store::DsnRet::headers;
  std::string dsn = make_dsn(report);
  mime::PartTree tree = mime::parse_structure(dsn);
  ASSERT_EQ(tree.root.children.size(), 3u);
  const mime::Part& original = tree.root.children[2];
  EXPECT_EQ(original.content_type.type + "/" + original.content_type.subtype, "text/rfc822-headers");
  std::string_view quoted = std::string_view(dsn).substr(original.body_begin, original.body_size());
  EXPECT_NE(quoted.find("Subject: lunch"), std::string_view::npos);
  EXPECT_EQ(quoted.find("See you at noon."), std::string_view::npos);
}

TEST(DsnTest, DelayWarning) {
  DsnReport report = failed_report();
  report.recipients.resize(1);
  report.recipients[0].action = DsnAction::delayed;
  report.recipients[0].status = "4.4.1";
  report.recipients[0].will_retry_until = 1700432000;
  std::string dsn = make_dsn(report);
  auto top = mime::parse_header_fields(dsn);
  EXPECT_NE(field(top, "Subject").find("Delayed"), std::string::npos);
  mime::PartTree tree = mime::parse_structure(dsn);
  ASSERT_EQ(tree.root.children.size(), 3u);
  const mime::Part& status = tree.root.children[1];
  auto blocks = status_blocks(std::string_view(dsn).substr(status.body_begin, status.body_size()));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(field(blocks[1], "Action"), "delayed");
  EXPECT_EQ(field(blocks[1], "Status"), "4.4.1");
  EXPECT_NE(field(blocks[1], "Will-Retry-Until"), "<absent>");
  // A delay warning never carries the whole message.
  EXPECT_EQ(tree.root.children[2].content_type.subtype, "rfc822-headers");
}

TEST(DsnTest, NeverBounceABounceAndNotifyRules) {
  EXPECT_FALSE(wants_dsn("", store::kNotifyDefault, DsnAction::failed));
  EXPECT_FALSE(wants_dsn("", store::kNotifyFailure, DsnAction::failed));
  EXPECT_TRUE(wants_dsn("a@b.test", store::kNotifyDefault, DsnAction::failed));
  EXPECT_TRUE(wants_dsn("a@b.test", store::kNotifyDefault, DsnAction::delayed));
  EXPECT_FALSE(wants_dsn("a@b.test", store::kNotifyDefault, DsnAction::delivered));
  EXPECT_FALSE(wants_dsn("a@b.test", store::kNotifyNever, DsnAction::failed));
  EXPECT_FALSE(wants_dsn("a@b.test", store::kNotifySuccess, DsnAction::failed));
  EXPECT_TRUE(wants_dsn("a@b.test", store::kNotifySuccess | store::kNotifyFailure, DsnAction::failed));
  EXPECT_FALSE(wants_dsn("a@b.test", store::kNotifyFailure, DsnAction::delayed));
}

TEST(DsnTest, HeaderInjectionIsFlattened) {
  DsnReport report = failed_report();
  report.recipients[0].diagnostic = "550 bad\r\nX-Injected: yes";
  std::string dsn = make_dsn(report);
  EXPECT_EQ(dsn.find("\r\nX-Injected"), std::string::npos);
}

}  // namespace
}  // namespace postroom::queue
