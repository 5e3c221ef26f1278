#include "server/imap/mailbox_names.h"

#include <gtest/gtest.h>

namespace postroom::server::imap {
namespace {

store::Mailbox box(store::MailboxId id, std::string name, std::string use = "") {
  store::Mailbox b;
  b.id = id;
  b.name = std::move(name);
  b.special_use = std::move(use);
  return b;
}

std::vector<std::string> names(const std::vector<ListedMailbox>& listed) {
  std::vector<std::string> out;
  for (const auto& item : listed) {
    out.push_back(item.entry.mailbox);
  }
  return out;
}

TEST(ListPattern, Wildcards) {
  EXPECT_TRUE(list_pattern_matches("*", "a/b/c"));
  EXPECT_TRUE(list_pattern_matches("%", "Sent"));
  EXPECT_FALSE(list_pattern_matches("%", "a/b"));
  EXPECT_TRUE(list_pattern_matches("a/%", "a/b"));
  EXPECT_FALSE(list_pattern_matches("a/%", "a/b/c"));
  EXPECT_TRUE(list_pattern_matches("inbox", "INBOX"));
  EXPECT_TRUE(list_pattern_matches("InBox/*", "INBOX/x"));
  EXPECT_FALSE(list_pattern_matches("sent", "Sent"));  // only INBOX is case-insensitive
  EXPECT_TRUE(list_pattern_matches("*%*%*%*%*%*%*%*%*x", std::string(2000, 'a') + "x"));
}

TEST(ListMailboxes, AttributesChildrenAndImpliedParents) {
  std::vector<store::Mailbox> boxes{box(1, "INBOX"), box(2, "Sent", "\\Sent"), box(3, "a/b")};
  ListRequest request;
  request.patterns = {"*"};
  auto listed = list_mailboxes(boxes, {"Sent"}, request);
  ASSERT_EQ(names(listed), (std::vector<std::string>{"INBOX", "Sent", "a", "a/b"}));
  EXPECT_EQ(listed[1].entry.attributes, (std::vector<std::string>{"\\HasNoChildren", "\\Sent"}));
  EXPECT_EQ(listed[2].entry.attributes, (std::vector<std::string>{"\\Noselect", "\\HasChildren"}));
  EXPECT_TRUE(listed[2].noselect);
  request.return_subscribed = true;
  listed = list_mailboxes(boxes, {"Sent"}, request);
  EXPECT_EQ(listed[1].entry.attributes, (std::vector<std::string>{"\\HasNoChildren", "\\Subscribed", "\\Sent"}));
}

TEST(ListMailboxes, SubscribedSelectionAndSpecialUse) {
  std::vector<store::Mailbox> boxes{box(1, "INBOX"), box(2, "Trash", "\\Trash"), box(3, "x/y")};
  ListRequest request;
  request.patterns = {"*"};
  request.select_subscribed = true;
  request.return_subscribed = true;
  request.recursive_match = true;
  auto listed = list_mailboxes(boxes, {"INBOX", "gone", "x/y"}, request);
  EXPECT_EQ(names(listed), (std::vector<std::string>{"INBOX", "gone", "x", "x/y"}));
  EXPECT_EQ(listed[1].entry.attributes.front(), "\\NonExistent");
  EXPECT_EQ(listed[2].entry.childinfo, (std::vector<std::string>{"SUBSCRIBED"}));
  ListRequest special;
  special.patterns = {"*"};
  special.select_special_use = true;
  EXPECT_EQ(names(list_mailboxes(boxes, {}, special)), (std::vector<std::string>{"Trash"}));
}

TEST(ListMailboxes, Lsub) {
  std::vector<store::Mailbox> boxes{box(1, "INBOX"), box(3, "x/y")};
  ListRequest request;
  request.patterns = {"%"};
  request.lsub = true;
  request.select_subscribed = true;
  auto listed = list_mailboxes(boxes, {"x/y"}, request);
  ASSERT_EQ(names(listed), (std::vector<std::string>{"x"}));
  EXPECT_EQ(listed[0].entry.attributes, (std::vector<std::string>{"\\Noselect"}));
}

}  // namespace
}  // namespace postroom::server::imap
