// The store operations the IMAP server needs (store.h): mailbox delete/rename,
// subscriptions, copy/move, update_flags, CONDSTORE/QRESYNC reads, counters, keywords,
// object ids and full-text search.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "store/search_document.h"
#include "store/store.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::open_store;
using testing::TempDir;

class ImapStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    auto account = store_->add_account("alice@example.test", "$argon2id$hash");
    ASSERT_TRUE(account.ok());
    alice_ = *account;
    inbox_ = *store_->find_mailbox(alice_.id, "INBOX");
  }

  MessageMeta add(MailboxId mailbox, const std::string& subject, std::vector<std::string> flags = {},
                  const std::string& body = "Hello.\r\n") {
    NewMessage message = make_message(subject, body);
    message.flags = std::move(flags);
    auto meta = store_->append(alice_.id, mailbox, message);
    EXPECT_TRUE(meta.ok()) << (meta.ok() ? "" : meta.error().detail);
    return meta.ok() ? *meta : MessageMeta{};
  }

  NewMessage raw(const std::string& bytes) {
    NewMessage message;
    message.bytes = bytes;
    return message;
  }

  std::vector<Uid> search(MailboxId mailbox, TextField field, const std::string& value,
                          const std::string& header = "") {
    auto found = store_->search_text(alice_.id, mailbox, TextCriterion{field, header, value});
    EXPECT_TRUE(found.ok()) << (found.ok() ? "" : found.error().detail);
    return found.ok() ? *found : std::vector<Uid>{};
  }

  // Counters must always equal what the rows say.
  void expect_counters_match(MailboxId mailbox) {
    auto status = store_->mailbox_status(alice_.id, mailbox);
    auto messages = store_->list_messages(alice_.id, mailbox);
    ASSERT_TRUE(status.ok() && messages.ok());
    std::uint32_t unseen = 0;
    std::uint32_t deleted = 0;
    std::uint64_t bytes = 0;
    for (const MessageMeta& meta : *messages) {
      bytes += meta.size;
      unseen += std::find(meta.flags.begin(), meta.flags.end(), "\\Seen") == meta.flags.end() ? 1 : 0;
      deleted += std::find(meta.flags.begin(), meta.flags.end(), "\\Deleted") != meta.flags.end() ? 1 : 0;
    }
    EXPECT_EQ(status->messages, messages->size());
    EXPECT_EQ(status->unseen, unseen);
    EXPECT_EQ(status->deleted, deleted);
    EXPECT_EQ(status->bytes, bytes);
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  Mailbox inbox_;
};

TEST_F(ImapStoreTest, CreateMakesParentsAndObjectIds) {
  auto made = store_->create_mailbox(alice_.id, "a/b/c", "");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->name, "a/b/c");
  ASSERT_EQ(made->object_id.size(), 25u);
  EXPECT_EQ(made->object_id[0], 'M');
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "a").ok());
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "a/b").ok());
  auto got = store_->get_mailbox(alice_.id, made->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->object_id, made->object_id);
  EXPECT_NE(inbox_.object_id, made->object_id);
  EXPECT_FALSE(inbox_.object_id.empty());
  EXPECT_EQ(store_->get_mailbox(alice_.id, 99999).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->create_mailbox(alice_.id, "a/b", "").error().kind, ErrorKind::exists);
}

TEST_F(ImapStoreTest, DeleteMailbox) {
  EXPECT_EQ(store_->delete_mailbox(alice_.id, inbox_.id).error().kind, ErrorKind::permanent);
  auto parent = *store_->create_mailbox(alice_.id, "p", "");
  auto child = *store_->create_mailbox(alice_.id, "p/c", "");
  MessageMeta one = add(parent.id, "one");
  MessageMeta two = add(parent.id, "two");
  add(child.id, "kept");
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "p", true).ok());
  auto usage_before = *store_->usage(alice_.id);
  ModSeq before = *store_->highest_modseq(alice_.id);

  ASSERT_TRUE(store_->delete_mailbox(alice_.id, parent.id).ok());
  EXPECT_EQ(store_->get_mailbox(alice_.id, parent.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "p/c").ok());  // children survive
  EXPECT_EQ(store_->list_messages(alice_.id, child.id)->size(), 1u);
  EXPECT_EQ(store_->usage(alice_.id)->messages, usage_before.messages - 2);
  // Tombstones in the change log.
  auto changes = *store_->changes_since(alice_.id, before, 100);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, ChangeKind::expunged);
  EXPECT_EQ(changes[0].uid, one.uid);
  EXPECT_EQ(changes[1].uid, two.uid);
  // The subscription stays (RFC 9051 §6.3.9).
  EXPECT_EQ(*store_->list_subscriptions(alice_.id), std::vector<std::string>{"p"});
  EXPECT_EQ(store_->delete_mailbox(alice_.id, parent.id).error().kind, ErrorKind::not_found);
}

TEST_F(ImapStoreTest, RenameMovesChildrenAndKeepsIdentity) {
  auto a = *store_->create_mailbox(alice_.id, "a", "");
  auto ab = *store_->create_mailbox(alice_.id, "a/b", "");
  auto abc = *store_->create_mailbox(alice_.id, "a/b/c", "");
  auto other = *store_->create_mailbox(alice_.id, "ab", "");  // not a child of "a"
  MessageMeta message = add(ab.id, "in a/b");
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "a/b", true).ok());

  auto renamed = store_->rename_mailbox(alice_.id, a.id, "x/y");
  ASSERT_TRUE(renamed.ok()) << renamed.error().detail;
  EXPECT_EQ(renamed->name, "x/y");
  EXPECT_EQ(renamed->id, a.id);
  EXPECT_EQ(renamed->uidvalidity, a.uidvalidity);
  EXPECT_EQ(renamed->object_id, a.object_id);
  EXPECT_EQ(store_->get_mailbox(alice_.id, ab.id)->name, "x/y/b");
  EXPECT_EQ(store_->get_mailbox(alice_.id, abc.id)->name, "x/y/b/c");
  EXPECT_EQ(store_->get_mailbox(alice_.id, other.id)->name, "ab");
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "x").ok());  // superior created
  EXPECT_EQ(store_->list_messages(alice_.id, ab.id)->front().uid, message.uid);
  EXPECT_EQ(*store_->list_subscriptions(alice_.id), std::vector<std::string>{"x/y/b"});

  EXPECT_EQ(store_->rename_mailbox(alice_.id, other.id, "x/y").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->rename_mailbox(alice_.id, other.id, "inbox").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->rename_mailbox(alice_.id, other.id, "x/y/b").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->rename_mailbox(alice_.id, a.id, "x/y/q").error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->rename_mailbox(alice_.id, a.id, "bad//name").error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->rename_mailbox(alice_.id, 99999, "z").error().kind, ErrorKind::not_found);
  // A child's new name clashing with an existing mailbox fails the whole rename.
  ASSERT_TRUE(store_->create_mailbox(alice_.id, "q/b", "").ok());
  auto q = *store_->find_mailbox(alice_.id, "q");
  ASSERT_TRUE(store_->delete_mailbox(alice_.id, q.id).ok());
  EXPECT_EQ(store_->rename_mailbox(alice_.id, a.id, "q").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->get_mailbox(alice_.id, a.id)->name, "x/y");
  EXPECT_EQ(store_->get_mailbox(alice_.id, ab.id)->name, "x/y/b");
}

TEST_F(ImapStoreTest, RenameInboxMovesItsMessages) {
  ASSERT_TRUE(store_->create_mailbox(alice_.id, "INBOX/child", "").ok());
  add(inbox_.id, "one", {"\\Seen"});
  add(inbox_.id, "two");
  ModSeq before = *store_->highest_modseq(alice_.id);
  auto renamed = store_->rename_mailbox(alice_.id, inbox_.id, "Old");
  ASSERT_TRUE(renamed.ok()) << renamed.error().detail;
  EXPECT_NE(renamed->id, inbox_.id);
  EXPECT_EQ(renamed->name, "Old");
  EXPECT_EQ(renamed->messages, 2u);
  EXPECT_EQ(renamed->unseen, 1u);
  EXPECT_TRUE(store_->list_messages(alice_.id, inbox_.id)->empty());
  EXPECT_EQ(store_->expunged_since(alice_.id, inbox_.id, before)->size(), 2u);
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "INBOX/child").ok());
  EXPECT_TRUE(store_->find_mailbox(alice_.id, "INBOX").ok());
  expect_counters_match(inbox_.id);
  expect_counters_match(renamed->id);
  EXPECT_EQ(search(renamed->id, TextField::subject, "two").size(), 1u);
}

TEST_F(ImapStoreTest, Subscriptions) {
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "inbox", true).ok());
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "Does/Not/Exist", true).ok());
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "Does/Not/Exist", true).ok());
  EXPECT_EQ(*store_->list_subscriptions(alice_.id), (std::vector<std::string>{"Does/Not/Exist", "INBOX"}));
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "Does/Not/Exist", false).ok());
  ASSERT_TRUE(store_->set_subscribed(alice_.id, "never", false).ok());
  EXPECT_EQ(*store_->list_subscriptions(alice_.id), std::vector<std::string>{"INBOX"});
  EXPECT_EQ(store_->set_subscribed(alice_.id, "a//b", true).error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->set_subscribed(999, "x", true).error().kind, ErrorKind::not_found);
}

TEST_F(ImapStoreTest, CopySharesBodiesAndCopiesFlags) {
  auto archive = *store_->find_mailbox(alice_.id, "Archive");
  MessageMeta one = add(inbox_.id, "one", {"\\Seen", "$Important"});
  MessageMeta two = add(inbox_.id, "two");
  int blobs = count_blob_files(dir_.path());
  auto copied = store_->copy_messages(alice_.id, inbox_.id, {two.uid, 999, one.uid}, archive.id);
  ASSERT_TRUE(copied.ok()) << copied.error().detail;
  EXPECT_EQ(copied->uidvalidity, archive.uidvalidity);
  ASSERT_EQ(copied->uids.size(), 2u);
  EXPECT_EQ(copied->uids[0].source, one.uid);
  EXPECT_EQ(copied->uids[1].source, two.uid);
  EXPECT_EQ(copied->highest_modseq, *store_->highest_modseq(alice_.id));
  auto metas = *store_->list_messages(alice_.id, archive.id);
  ASSERT_EQ(metas.size(), 2u);
  EXPECT_EQ(metas[0].uid, copied->uids[0].destination);
  EXPECT_EQ(metas[0].flags, (std::vector<std::string>{"\\Seen", "$Important"}));
  EXPECT_EQ(metas[0].blob_id, one.blob_id);
  EXPECT_EQ(metas[0].email_id, one.email_id);
  EXPECT_EQ(metas[0].internal_date, one.internal_date);
  EXPECT_EQ(count_blob_files(dir_.path()), blobs);
  EXPECT_EQ(store_->usage(alice_.id)->messages, 4u);
  EXPECT_EQ(*store_->mailbox_keywords(alice_.id, archive.id), std::vector<std::string>{"$Important"});
  expect_counters_match(archive.id);
  // The copy stays searchable when the original goes, and its body file stays.
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {one.uid}).ok());
  EXPECT_EQ(search(archive.id, TextField::subject, "one"), std::vector<Uid>{copied->uids[0].destination});
  EXPECT_TRUE(store_->read_message(alice_.id, archive.id, copied->uids[0].destination).ok());
  // Copy into the same mailbox is allowed.
  auto again = store_->copy_messages(alice_.id, inbox_.id, {two.uid}, inbox_.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uids[0].destination, two.uid + 1);
  EXPECT_EQ(store_->copy_messages(alice_.id, inbox_.id, {two.uid}, 99999).error().kind, ErrorKind::not_found);
}

TEST_F(ImapStoreTest, CopyOverQuotaCopiesNothing) {
  auto archive = *store_->find_mailbox(alice_.id, "Archive");
  MessageMeta one = add(inbox_.id, "one");
  MessageMeta two = add(inbox_.id, "two");
  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 3).ok());
  auto copied = store_->copy_messages(alice_.id, inbox_.id, {one.uid, two.uid}, archive.id);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error().kind, ErrorKind::over_quota);
  EXPECT_TRUE(store_->list_messages(alice_.id, archive.id)->empty());
  EXPECT_EQ(store_->usage(alice_.id)->messages, 2u);
  EXPECT_EQ(store_->get_mailbox(alice_.id, archive.id)->uidnext, 1u);
  // A move is not refused by quota: usage does not grow.
  auto moved = store_->move_messages(alice_.id, inbox_.id, {one.uid, two.uid}, archive.id);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(store_->usage(alice_.id)->messages, 2u);
}

TEST_F(ImapStoreTest, MoveIsAtomic) {
  auto archive = *store_->find_mailbox(alice_.id, "Archive");
  MessageMeta one = add(inbox_.id, "one", {"$Work"});
  MessageMeta two = add(inbox_.id, "two", {"\\Deleted"});
  ModSeq before = *store_->highest_modseq(alice_.id);
  int blobs = count_blob_files(dir_.path());

  // A failing move leaves everything as it was.
  EXPECT_EQ(store_->move_messages(alice_.id, inbox_.id, {one.uid}, 99999).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->list_messages(alice_.id, inbox_.id)->size(), 2u);
  EXPECT_EQ(*store_->highest_modseq(alice_.id), before);

  auto moved = store_->move_messages(alice_.id, inbox_.id, {one.uid, two.uid}, archive.id);
  ASSERT_TRUE(moved.ok()) << moved.error().detail;
  ASSERT_EQ(moved->uids.size(), 2u);
  EXPECT_TRUE(store_->list_messages(alice_.id, inbox_.id)->empty());
  EXPECT_EQ(store_->list_messages(alice_.id, archive.id)->size(), 2u);
  EXPECT_EQ(*store_->expunged_since(alice_.id, inbox_.id, before), (std::vector<Uid>{one.uid, two.uid}));
  EXPECT_EQ(count_blob_files(dir_.path()), blobs);
  EXPECT_EQ(store_->usage(alice_.id)->messages, 2u);
  EXPECT_TRUE(store_->mailbox_keywords(alice_.id, inbox_.id)->empty());
  EXPECT_EQ(*store_->mailbox_keywords(alice_.id, archive.id), std::vector<std::string>{"$Work"});
  EXPECT_EQ(moved->highest_modseq, *store_->highest_modseq(alice_.id));
  expect_counters_match(inbox_.id);
  expect_counters_match(archive.id);
  EXPECT_EQ(search(archive.id, TextField::text, "two").size(), 1u);
  EXPECT_TRUE(search(inbox_.id, TextField::text, "two").empty());
}

TEST_F(ImapStoreTest, UpdateFlagsOnlyBumpsRealChanges) {
  MessageMeta one = add(inbox_.id, "one");
  MessageMeta two = add(inbox_.id, "two", {"\\Seen"});
  MessageMeta three = add(inbox_.id, "three");
  ModSeq after_append = *store_->highest_modseq(alice_.id);

  auto update =
      store_->update_flags(alice_.id, inbox_.id, {one.uid, two.uid, 12345}, FlagOp::add, {"\\seen"}, std::nullopt);
  ASSERT_TRUE(update.ok()) << update.error().detail;
  ASSERT_EQ(update->changed.size(), 1u);  // two already had \Seen
  EXPECT_EQ(update->changed[0].uid, one.uid);
  EXPECT_EQ(update->changed[0].flags, std::vector<std::string>{"\\Seen"});  // canonical spelling
  EXPECT_EQ(update->changed[0].modseq, after_append + 1);
  EXPECT_TRUE(update->modified.empty());
  expect_counters_match(inbox_.id);

  // CONDSTORE: one changed after after_append, so UNCHANGEDSINCE after_append refuses it.
  update = store_->update_flags(alice_.id, inbox_.id, {one.uid, two.uid, three.uid}, FlagOp::add, {"\\Deleted", "Foo"},
                                after_append);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->modified, std::vector<Uid>{one.uid});
  ASSERT_EQ(update->changed.size(), 2u);
  EXPECT_EQ(update->changed[0].uid, two.uid);
  EXPECT_EQ(update->changed[1].uid, three.uid);
  EXPECT_EQ(*store_->mailbox_keywords(alice_.id, inbox_.id), std::vector<std::string>{"Foo"});
  expect_counters_match(inbox_.id);

  // list_flags_since sees exactly the changed messages.
  auto since = *store_->list_flags_since(alice_.id, inbox_.id, after_append);
  ASSERT_EQ(since.size(), 3u);
  auto later = *store_->list_flags_since(alice_.id, inbox_.id, after_append + 1);
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(later[0].uid, two.uid);

  // remove with case-insensitive match; replace.
  update = store_->update_flags(alice_.id, inbox_.id, {two.uid, three.uid}, FlagOp::remove, {"foo"}, std::nullopt);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->changed.size(), 2u);
  EXPECT_TRUE(store_->mailbox_keywords(alice_.id, inbox_.id)->empty());
  update = store_->update_flags(alice_.id, inbox_.id, {three.uid}, FlagOp::replace, {"\\Deleted"}, std::nullopt);
  ASSERT_TRUE(update.ok());
  EXPECT_TRUE(update->changed.empty());  // already exactly {\Deleted}
  update = store_->update_flags(alice_.id, inbox_.id, {three.uid}, FlagOp::replace, {}, std::nullopt);
  ASSERT_EQ(update->changed.size(), 1u);
  EXPECT_TRUE(update->changed[0].flags.empty());
  expect_counters_match(inbox_.id);

  EXPECT_EQ(store_->update_flags(alice_.id, inbox_.id, {one.uid}, FlagOp::add, {"bad flag"}, std::nullopt).error().kind,
            ErrorKind::bad_syntax);
  EXPECT_EQ(store_->update_flags(alice_.id, 99999, {one.uid}, FlagOp::add, {"x"}, std::nullopt).error().kind,
            ErrorKind::not_found);

  // Expunge: counters, tombstones for VANISHED (EARLIER).
  ModSeq before_expunge = *store_->highest_modseq(alice_.id);
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {two.uid}).ok());
  EXPECT_EQ(*store_->expunged_since(alice_.id, inbox_.id, before_expunge), std::vector<Uid>{two.uid});
  EXPECT_TRUE(store_->expunged_since(alice_.id, inbox_.id, before_expunge + 1)->empty());
  EXPECT_EQ(store_->mailbox_status(alice_.id, inbox_.id)->highestmodseq, before_expunge + 1);
  expect_counters_match(inbox_.id);
}

TEST_F(ImapStoreTest, StatusCountersAndObjectIds) {
  add(inbox_.id, "a", {"\\Seen"});
  MessageMeta b = add(inbox_.id, "b", {"\\Deleted"});
  auto status = *store_->mailbox_status(alice_.id, inbox_.id);
  EXPECT_EQ(status.messages, 2u);
  EXPECT_EQ(status.unseen, 1u);
  EXPECT_EQ(status.deleted, 1u);
  EXPECT_EQ(status.uidnext, b.uid + 1);
  EXPECT_EQ(status.uidvalidity, inbox_.uidvalidity);
  EXPECT_EQ(status.highestmodseq, b.modseq);
  EXPECT_EQ(b.email_id, "E" + b.blob_id.substr(0, 24));
  EXPECT_TRUE(b.thread_id.empty());
  EXPECT_EQ(store_->mailbox_status(alice_.id, 99999).error().kind, ErrorKind::not_found);
}

TEST_F(ImapStoreTest, SearchIsCaseInsensitiveSubstring) {
  MessageMeta hello = add(inbox_.id, "Hello world", {}, "Greetings from the body.\r\n");
  MessageMeta other = add(inbox_.id, "Other", {}, "Nothing to see; hello is in here.\r\n");
  EXPECT_EQ(search(inbox_.id, TextField::subject, "ell"), std::vector<Uid>{hello.uid});
  EXPECT_EQ(search(inbox_.id, TextField::subject, "ELLO W"), std::vector<Uid>{hello.uid});
  EXPECT_EQ(search(inbox_.id, TextField::body, "HELLO"), std::vector<Uid>{other.uid});
  EXPECT_EQ(search(inbox_.id, TextField::text, "hello"), (std::vector<Uid>{hello.uid, other.uid}));
  EXPECT_EQ(search(inbox_.id, TextField::from, "A@EXAMPLE"), (std::vector<Uid>{hello.uid, other.uid}));
  EXPECT_TRUE(search(inbox_.id, TextField::cc, "example").empty());
  // Short needles take the scanning path.
  EXPECT_EQ(search(inbox_.id, TextField::subject, "LO"), std::vector<Uid>{hello.uid});
  EXPECT_EQ(search(inbox_.id, TextField::subject, "he"), (std::vector<Uid>{hello.uid, other.uid}));  // "otHEr"
  EXPECT_EQ(search(inbox_.id, TextField::subject, "O"), (std::vector<Uid>{hello.uid, other.uid}));
  EXPECT_EQ(search(inbox_.id, TextField::subject, ""), (std::vector<Uid>{hello.uid, other.uid}));
  EXPECT_TRUE(search(inbox_.id, TextField::subject, "zz").empty());
  // Quotes and FTS syntax characters are literal.
  EXPECT_TRUE(search(inbox_.id, TextField::text, "\"OR\" NEAR(").empty());
  EXPECT_EQ(search(inbox_.id, TextField::body, "see; hello"), std::vector<Uid>{other.uid});
}

TEST_F(ImapStoreTest, SearchDecodesTransferEncodingsAndCharsets) {
  auto qp = store_->append(alice_.id, inbox_.id,
                           raw("From: =?ISO-8859-1?Q?J=F6rg?= <j@example.test>\r\n"
                               "Subject: =?UTF-8?B?w4RyZ2VyIGltIELDvHJv?=\r\n"
                               "X-Ticket: Case-4711\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=ISO-8859-1\r\n"
                               "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                               "So ein =E4rger mit dem Dr=FCcker.\r\n"));
  ASSERT_TRUE(qp.ok());
  auto b64 = store_->append(alice_.id, inbox_.id,
                            raw("From: b@example.test\r\nSubject: attachment\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: multipart/mixed; boundary=XX\r\n\r\n"
                                "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n"
                                "w4RSR0VSIMO8YmVyYWxs\r\n"  // "ÄRGER überall"
                                "--XX\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Transfer-Encoding: base64\r\n\r\n"
                                "c2VjcmV0IGJpbmFyeQ==\r\n"  // "secret binary": not text
                                "--XX--\r\n"));
  ASSERT_TRUE(b64.ok());
  EXPECT_EQ(search(inbox_.id, TextField::body, "ÄRGER"), (std::vector<Uid>{qp->uid, b64->uid}));
  EXPECT_EQ(search(inbox_.id, TextField::body, "drücker"), std::vector<Uid>{qp->uid});
  EXPECT_EQ(search(inbox_.id, TextField::body, "Überall"), std::vector<Uid>{b64->uid});
  EXPECT_TRUE(search(inbox_.id, TextField::body, "secret").empty());
  EXPECT_EQ(search(inbox_.id, TextField::subject, "ärger im bü"), std::vector<Uid>{qp->uid});
  EXPECT_EQ(search(inbox_.id, TextField::from, "jörg"), std::vector<Uid>{qp->uid});
  EXPECT_EQ(search(inbox_.id, TextField::from, "Ö"), std::vector<Uid>{qp->uid});  // short, non-ASCII
  EXPECT_EQ(search(inbox_.id, TextField::header, "4711", "x-ticket"), std::vector<Uid>{qp->uid});
  EXPECT_EQ(search(inbox_.id, TextField::header, "", "X-TICKET"), std::vector<Uid>{qp->uid});
  EXPECT_TRUE(search(inbox_.id, TextField::header, "4711", "Subject").empty());
  EXPECT_EQ(search(inbox_.id, TextField::header, "attach", "subject"), std::vector<Uid>{b64->uid});
  EXPECT_EQ(store_->search_text(alice_.id, inbox_.id, TextCriterion{TextField::header, "", "x"}).error().kind,
            ErrorKind::bad_syntax);
  // Expunging the last reference removes the document.
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {qp->uid}).ok());
  EXPECT_EQ(search(inbox_.id, TextField::body, "ärger"), std::vector<Uid>{b64->uid});
}

TEST_F(ImapStoreTest, SearchBackfillsMessagesStoredBeforeTheIndex) {
  MessageMeta message = add(inbox_.id, "legacy subject");
  store_.reset();
  // Simulate a database from before schema step 5's index: drop the documents.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/postroom.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DELETE FROM search_fts; DELETE FROM search_docs; "
                         "DELETE FROM counters WHERE name = 'search_backfilled';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  store_ = open_store(dir_.path());
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(search(inbox_.id, TextField::subject, "legacy"), std::vector<Uid>{message.uid});
}

TEST_F(ImapStoreTest, TwoInstancesSeeEachOther) {
  auto second = open_store(dir_.path());
  ASSERT_NE(second, nullptr);
  MessageMeta one = add(inbox_.id, "from the daemon");
  auto archive = *second->find_mailbox(alice_.id, "Archive");
  auto moved = second->move_messages(alice_.id, inbox_.id, {one.uid}, archive.id);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(search(archive.id, TextField::subject, "daemon"), std::vector<Uid>{moved->uids[0].destination});
  EXPECT_EQ(store_->mailbox_status(alice_.id, archive.id)->messages, 1u);
  ASSERT_TRUE(store_->rename_mailbox(alice_.id, archive.id, "Archive2").ok());
  EXPECT_EQ(second->get_mailbox(alice_.id, archive.id)->name, "Archive2");
}

TEST_F(ImapStoreTest, SearchAndReadsOnTwoThousandMessages) {
  constexpr int kMessages = 2000;
  constexpr int kThreads = 8;
  // A short commit window batches the appends, as under load in the daemon.
  store_.reset();
  store_ = open_store(dir_.path(), 1000);
  ASSERT_NE(store_, nullptr);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kMessages; i += kThreads) {
        NewMessage message =
            make_message("Report " + std::to_string(i), "Quarterly numbers for region " + std::to_string(i % 97) +
                                                            ", item " + std::to_string(i) + ".\r\n");
        ASSERT_TRUE(store_->append(alice_.id, inbox_.id, message).ok());
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  auto appended = std::chrono::steady_clock::now();
  auto time = [&](auto&& fn) {
    auto begin = std::chrono::steady_clock::now();
    fn();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  };
  std::vector<Uid> hits;
  double fts_ms = time([&] { hits = search(inbox_.id, TextField::body, "item 1234."); });
  EXPECT_EQ(hits.size(), 1u);
  double fts_many_ms = time([&] { hits = search(inbox_.id, TextField::text, "region 42,"); });
  EXPECT_GE(hits.size(), 20u);
  double scan_ms = time([&] { hits = search(inbox_.id, TextField::subject, "99"); });
  EXPECT_GE(hits.size(), 20u);
  std::vector<MessageMeta> metas;
  double list_ms = time([&] { metas = *store_->list_messages(alice_.id, inbox_.id); });
  EXPECT_EQ(metas.size(), static_cast<std::size_t>(kMessages));
  double status_ms = time([&] { EXPECT_EQ(store_->mailbox_status(alice_.id, inbox_.id)->messages, 2000u); });
  ModSeq high = *store_->highest_modseq(alice_.id);
  double since_ms = time([&] { EXPECT_EQ(store_->list_flags_since(alice_.id, inbox_.id, high - 5)->size(), 5u); });
  std::printf(
      "[ timing ] %d appends %.0f ms; FTS search (1 hit) %.2f ms, (many) %.2f ms; 2-char scan %.2f ms; "
      "list_messages %.2f ms; status %.3f ms; flags_since %.3f ms\n",
      kMessages, std::chrono::duration<double, std::milli>(appended - start).count(), fts_ms, fts_many_ms, scan_ms,
      list_ms, status_ms, since_ms);
}

TEST(SearchDocument, FoldCaseAndHeaderLookup) {
  EXPECT_EQ(fold_case("ÄRGER Straße ΣΟΦΙΑ Москва Łódź"), "ärger straße σοφια москва łódź");
  EXPECT_EQ(fold_case("\xff\xfe"
                      "AB"),
            "\xff\xfe"
            "ab");
  EXPECT_EQ(utf8_length("äbc"), 3u);
  SearchDocument document = extract_search_document("Subject: Hi\r\nX-A: one\r\nx-a: two\r\n\r\nbody\r\n");
  EXPECT_EQ(document.subject, "Hi");
  auto lookup = header_values(document.headers, "X-a");
  EXPECT_TRUE(lookup.found);
  EXPECT_EQ(lookup.values, "one\ntwo");
  EXPECT_FALSE(header_values(document.headers, "X-B").found);
  EXPECT_EQ(document.body, "body\r\n");
}

TEST_F(ImapStoreTest, ScanMessageStatesAndGetMessages) {
  MessageMeta a = add(inbox_.id, "a", {"\\Seen"});
  MessageMeta b = add(inbox_.id, "b");
  MessageMeta c = add(inbox_.id, "c", {"\\Seen"});
  // A flag change gives b the highest modseq: the scan must still answer in UID order.
  ASSERT_TRUE(store_->update_flags(alice_.id, inbox_.id, {b.uid}, FlagOp::add, {"$Work"}, std::nullopt).ok());
  struct State {
    Uid uid;
    ModSeq modseq;
    std::string flags;
  };
  std::vector<State> seen;
  auto highest = store_->scan_message_states(alice_.id, inbox_.id, [&](Uid uid, ModSeq modseq, std::string_view flags) {
    seen.push_back({uid, modseq, std::string(flags)});
  });
  ASSERT_TRUE(highest.ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].uid, a.uid);
  EXPECT_EQ(seen[1].uid, b.uid);
  EXPECT_EQ(seen[2].uid, c.uid);
  EXPECT_EQ(seen[0].flags, "\\Seen");
  EXPECT_EQ(seen[1].flags, "$Work");
  EXPECT_GT(seen[1].modseq, seen[2].modseq);
  EXPECT_EQ(*highest, store_->get_mailbox(alice_.id, inbox_.id)->highestmodseq);
  // Another account's mailbox id is not found, never scanned.
  auto bob = store_->add_account("bob@example.test", "$argon2id$hash");
  ASSERT_TRUE(bob.ok());
  EXPECT_FALSE(store_->scan_message_states(bob->id, inbox_.id, [](Uid, ModSeq, std::string_view) {}).ok());

  std::vector<Uid> wanted{a.uid, c.uid, c.uid + 100};
  auto metas = store_->get_messages(alice_.id, inbox_.id, wanted);
  ASSERT_TRUE(metas.ok());
  ASSERT_EQ(metas->size(), 2u);  // the missing UID is skipped
  EXPECT_EQ((*metas)[0].uid, a.uid);
  EXPECT_EQ((*metas)[0].size, a.size);
  EXPECT_EQ((*metas)[0].blob_id, a.blob_id);
  EXPECT_EQ((*metas)[1].uid, c.uid);
  EXPECT_EQ((*metas)[1].internal_date, c.internal_date);
  EXPECT_TRUE(store_->get_messages(bob->id, inbox_.id, wanted)->empty());
}

}  // namespace
}  // namespace postroom::store
