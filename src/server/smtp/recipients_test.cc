#include "server/smtp/recipients.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "proto/smtp/command_parser.h"
#include "server/smtp/trace_headers.h"

namespace postroom::server::smtp {
namespace {

class RecipientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/postroom-rcpt-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store::SqliteOptions options;
    options.data_dir = dir_;
    auto opened = store::open_sqlite_store(options);
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    ASSERT_TRUE(store_->add_account("alice@example.test", "$argon2id$x").ok());
    ASSERT_TRUE(store_->add_alias("info@example.test", "alice@example.test").ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  postroom::smtp::Path path(const std::string& address) {
    auto parsed = postroom::smtp::parse_command_line("RCPT TO:<" + address + ">", postroom::smtp::Limits{});
    auto* command = std::get_if<postroom::smtp::Command>(&parsed);
    EXPECT_NE(command, nullptr) << address;
    return command ? command->path : postroom::smtp::Path{};
  }

  RecipientDecision::Kind decide(const std::string& address, bool may_relay, std::uint64_t size = 0) {
    return decide_recipient(*store_, path(address), size, may_relay, "mail.example.test").kind;
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(RecipientsTest, LocalAliasUnknownAndCase) {
  EXPECT_EQ(decide("alice@example.test", false), RecipientDecision::Kind::local);
  EXPECT_EQ(decide("ALICE@Example.TEST", false), RecipientDecision::Kind::local);
  EXPECT_EQ(decide("info@example.test", false), RecipientDecision::Kind::local);
  EXPECT_EQ(decide("nobody@example.test", false), RecipientDecision::Kind::unknown_user);
  EXPECT_EQ(decide("nobody@example.test", true), RecipientDecision::Kind::unknown_user);
}

TEST_F(RecipientsTest, NeverAnOpenRelay) {
  EXPECT_EQ(decide("someone@elsewhere.test", false), RecipientDecision::Kind::relay_denied);
  EXPECT_EQ(decide("someone@[192.0.2.1]", false), RecipientDecision::Kind::relay_denied);
  EXPECT_EQ(decide("someone@elsewhere.test", true), RecipientDecision::Kind::remote);
}

TEST_F(RecipientsTest, Quota) {
  ASSERT_TRUE(store_->set_quota("alice@example.test", 1000, 0).ok());
  EXPECT_EQ(decide("alice@example.test", false, 500), RecipientDecision::Kind::local);
  EXPECT_EQ(decide("alice@example.test", false, 5000), RecipientDecision::Kind::too_big_ever);
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 1).ok());
  auto account = store_->find_account("alice@example.test");
  auto inbox = store_->find_mailbox(account->id, "INBOX");
  store::NewMessage message;
  message.bytes = "Subject: x\r\n\r\nx\r\n";
  ASSERT_TRUE(store_->append(account->id, inbox->id, message).ok());
  EXPECT_EQ(decide("alice@example.test", false), RecipientDecision::Kind::over_quota);
}

TEST_F(RecipientsTest, SendableAddressesIncludeAliases) {
  auto account = store_->find_account("alice@example.test");
  auto addresses = sendable_addresses(*store_, *account);
  EXPECT_EQ(addresses, (std::vector<std::string>{"alice@example.test", "info@example.test"}));
}

TEST(TraceHeaders, ReceivedIsSanitisedAndFolded) {
  ReceivedInfo info;
  info.helo = "evil\r\nX-Injected: yes";
  info.client_ip = "192.0.2.7";
  info.by_host = "mx.example.test";
  info.protocol = with_protocol(true, true, false, false, false);
  info.id = "s1.1";
  std::string header = received_header(info);
  EXPECT_EQ(header.find("\r\nX-Injected"), std::string::npos);
  EXPECT_NE(header.find("with ESMTPS id s1.1"), std::string::npos);
  EXPECT_EQ(header.rfind("\r\n"), header.size() - 2);
  EXPECT_EQ(with_protocol(true, true, true, false, false), "ESMTPSA");
  EXPECT_EQ(with_protocol(false, false, false, false, false), "SMTP");
  EXPECT_EQ(with_protocol(true, false, false, true, false), "LMTP");
}

}  // namespace
}  // namespace postroom::server::smtp
