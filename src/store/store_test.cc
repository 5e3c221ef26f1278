// Behaviour of the Store contract (store.h) on the SQLite backend.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::open_store;
using testing::TempDir;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("Example.TEST").ok());
    auto account = store_->add_account("Alice@Example.test", "$argon2id$hash");
    ASSERT_TRUE(account.ok()) << account.error().detail;
    alice_ = *account;
    auto inbox = store_->find_mailbox(alice_.id, "INBOX");
    ASSERT_TRUE(inbox.ok());
    inbox_ = *inbox;
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  Mailbox inbox_;
};

TEST_F(StoreTest, DomainsAreLowerCaseAndUnique) {
  auto domains = store_->list_domains();
  ASSERT_TRUE(domains.ok());
  ASSERT_EQ(domains->size(), 1u);
  EXPECT_EQ((*domains)[0].name, "example.test");
  auto again = store_->add_domain("EXAMPLE.test");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->add_domain("bad domain").error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->add_domain("").error().kind, ErrorKind::bad_syntax);
}

TEST_F(StoreTest, DomainWithAccountsCannotBeDeleted) {
  auto refused = store_->delete_domain("example.test");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->delete_domain("nowhere.test").error().kind, ErrorKind::not_found);
  ASSERT_TRUE(store_->delete_account("alice@example.test").ok());
  EXPECT_TRUE(store_->delete_domain("EXAMPLE.TEST").ok());
  EXPECT_TRUE(store_->list_domains()->empty());
}

TEST_F(StoreTest, DomainWithAliasesCannotBeDeleted) {
  ASSERT_TRUE(store_->add_domain("other.test").ok());
  ASSERT_TRUE(store_->add_alias("info@other.test", "alice@example.test").ok());
  EXPECT_EQ(store_->delete_domain("other.test").error().kind, ErrorKind::exists);
  ASSERT_TRUE(store_->delete_alias("INFO@other.test").ok());
  EXPECT_TRUE(store_->delete_domain("other.test").ok());
}

TEST_F(StoreTest, AccountsCrud) {
  EXPECT_EQ(alice_.address, "alice@example.test");
  EXPECT_EQ(store_->add_account("ALICE@example.test", "x").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->add_account("bob@nowhere.test", "x").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->add_account("no-at-sign", "x").error().kind, ErrorKind::bad_syntax);

  auto found = store_->find_account("aLiCe@EXAMPLE.TEST");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, alice_.id);
  EXPECT_EQ(found->password_hash, "$argon2id$hash");
  EXPECT_EQ(store_->get_account(alice_.id)->address, "alice@example.test");
  EXPECT_EQ(store_->get_account(9999).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->find_account("nobody@example.test").error().kind, ErrorKind::not_found);

  ASSERT_TRUE(store_->set_password("alice@example.test", "$argon2id$new").ok());
  EXPECT_EQ(store_->get_account(alice_.id)->password_hash, "$argon2id$new");
  EXPECT_EQ(store_->set_password("nobody@example.test", "x").error().kind, ErrorKind::not_found);

  ASSERT_TRUE(store_->add_domain("other.test").ok());
  ASSERT_TRUE(store_->add_account("bob@other.test", "x").ok());
  EXPECT_EQ(store_->list_accounts("")->size(), 2u);
  auto only_other = store_->list_accounts("OTHER.test");
  ASSERT_TRUE(only_other.ok());
  ASSERT_EQ(only_other->size(), 1u);
  EXPECT_EQ((*only_other)[0].address, "bob@other.test");

  ASSERT_TRUE(store_->delete_account("Bob@Other.Test").ok());
  EXPECT_EQ(store_->find_account("bob@other.test").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->delete_account("bob@other.test").error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, AliasesResolveOneLevel) {
  ASSERT_TRUE(store_->add_alias("Postmaster@example.test", "alice@example.test").ok());
  EXPECT_EQ(store_->add_alias("postmaster@example.test", "alice@example.test").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->add_alias("alice@example.test", "alice@example.test").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->add_alias("x@example.test", "nobody@example.test").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->add_alias("x@nowhere.test", "alice@example.test").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->add_account("postmaster@example.test", "x").error().kind, ErrorKind::exists);

  auto aliases = store_->list_aliases("example.test");
  ASSERT_TRUE(aliases.ok());
  ASSERT_EQ(aliases->size(), 1u);
  EXPECT_EQ((*aliases)[0].source, "postmaster@example.test");
  EXPECT_EQ((*aliases)[0].target, "alice@example.test");

  EXPECT_EQ(store_->resolve_recipient("POSTMASTER@example.test")->id, alice_.id);
  EXPECT_EQ(store_->resolve_recipient("alice@EXAMPLE.test")->id, alice_.id);
  EXPECT_EQ(store_->resolve_recipient("nobody@example.test").error().kind, ErrorKind::not_found);

  EXPECT_EQ(store_->delete_alias("nobody@example.test").error().kind, ErrorKind::not_found);
  // Deleting the account removes aliases that point to it.
  ASSERT_TRUE(store_->delete_account("alice@example.test").ok());
  EXPECT_TRUE(store_->list_aliases("")->empty());
}

TEST_F(StoreTest, DefaultMailboxesAreCreated) {
  auto mailboxes = store_->list_mailboxes(alice_.id);
  ASSERT_TRUE(mailboxes.ok());
  ASSERT_EQ(mailboxes->size(), std::size(kDefaultMailboxes));
  EXPECT_EQ((*mailboxes)[0].name, "INBOX");
  for (const DefaultMailbox& expected : kDefaultMailboxes) {
    auto found = store_->find_mailbox(alice_.id, expected.name);
    ASSERT_TRUE(found.ok()) << expected.name;
    EXPECT_EQ(found->special_use, expected.special_use);
    EXPECT_EQ(found->uidnext, 1u);
    EXPECT_NE(found->uidvalidity, 0u);
  }
  // UIDVALIDITY differs between mailboxes.
  std::vector<std::uint32_t> validities;
  for (const Mailbox& mailbox : *mailboxes) {
    validities.push_back(mailbox.uidvalidity);
  }
  std::sort(validities.begin(), validities.end());
  EXPECT_EQ(std::unique(validities.begin(), validities.end()), validities.end());
}

TEST_F(StoreTest, InboxIsCaseInsensitiveOtherNamesAreNot) {
  EXPECT_EQ(store_->find_mailbox(alice_.id, "inbox")->id, inbox_.id);
  EXPECT_EQ(store_->find_mailbox(alice_.id, "InBoX")->id, inbox_.id);
  EXPECT_EQ(store_->find_mailbox(alice_.id, "sent").error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->create_mailbox(alice_.id, "inbox", "").error().kind, ErrorKind::exists);
  auto work = store_->create_mailbox(alice_.id, "Work/Projects", "");
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(store_->create_mailbox(alice_.id, "Work/Projects", "").error().kind, ErrorKind::exists);
  EXPECT_EQ(store_->create_mailbox(alice_.id, "Work//x", "").error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->create_mailbox(alice_.id, "", "").error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(store_->create_mailbox(9999, "x", "").error().kind, ErrorKind::not_found);
  EXPECT_GT(work->uidvalidity, inbox_.uidvalidity);
}

TEST_F(StoreTest, AppendAndReadAreByteIdentical) {
  NewMessage message = make_message("hi", std::string("binary\0bytes\r\n\xff\xfe", 16));
  message.flags = {"\\Seen", "$Label1", "\\Seen"};
  message.internal_date = 1700000000;
  auto meta = store_->append(alice_.id, inbox_.id, message);
  ASSERT_TRUE(meta.ok()) << meta.error().detail;
  EXPECT_EQ(meta->uid, 1u);
  EXPECT_EQ(meta->size, message.bytes.size());
  EXPECT_EQ(meta->internal_date, 1700000000);
  EXPECT_GT(meta->save_date, 0);
  EXPECT_EQ(meta->blob_id, sqlite::sha256_hex(message.bytes));
  EXPECT_EQ(meta->flags, (std::vector<std::string>{"\\Seen", "$Label1"}));

  auto bytes = store_->read_message(alice_.id, inbox_.id, meta->uid);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, message.bytes);
  auto derived = store_->derived(alice_.id, inbox_.id, meta->uid);
  ASSERT_TRUE(derived.ok());
  EXPECT_EQ(derived->envelope, message.derived.envelope);
  EXPECT_EQ(derived->bodystructure, message.derived.bodystructure);

  auto listed = store_->list_messages(alice_.id, inbox_.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].blob_id, meta->blob_id);
  EXPECT_EQ((*listed)[0].flags, meta->flags);

  auto mailbox = store_->find_mailbox(alice_.id, "INBOX");
  EXPECT_EQ(mailbox->uidnext, 2u);
  EXPECT_EQ(mailbox->messages, 1u);
  EXPECT_EQ(mailbox->bytes, message.bytes.size());
  EXPECT_EQ(mailbox->highestmodseq, meta->modseq);
  EXPECT_EQ(store_->usage(alice_.id)->bytes, message.bytes.size());
  EXPECT_EQ(store_->usage(alice_.id)->messages, 1u);

  EXPECT_EQ(store_->read_message(alice_.id, inbox_.id, 99).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->append(alice_.id, 9999, message).error().kind, ErrorKind::not_found);
  // A mailbox of another account is not reachable through this account's id.
  ASSERT_TRUE(store_->add_account("bob@example.test", "x").ok());
  auto bob = store_->find_account("bob@example.test");
  EXPECT_EQ(store_->append(bob->id, inbox_.id, message).error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, ReadMessagesAnswersEachUidInOrderWithinItsMailbox) {
  NewMessage one = make_message("one", "first\r\n");
  NewMessage two = make_message("two", "second\r\n");
  NewMessage sent_copy = make_message("sent", "third\r\n");
  auto first = store_->append(alice_.id, inbox_.id, one);
  auto second = store_->append(alice_.id, inbox_.id, two);
  ASSERT_TRUE(first.ok() && second.ok());
  auto sent = store_->find_mailbox(alice_.id, "Sent");
  ASSERT_TRUE(sent.ok());
  auto in_sent = store_->append(alice_.id, sent->id, sent_copy);
  ASSERT_TRUE(in_sent.ok());
  ASSERT_EQ(in_sent->uid, first->uid);  // UIDs are per mailbox: the mailbox decides

  // Any order, a missing UID and a repeated one: one answer per UID asked for, each what
  // read_message gives.
  const std::vector<Uid> uids{second->uid, 99, first->uid, second->uid};
  std::vector<Result<std::string>> bodies = store_->read_messages(alice_.id, inbox_.id, uids);
  ASSERT_EQ(bodies.size(), uids.size());
  ASSERT_TRUE(bodies[0].ok());
  EXPECT_EQ(*bodies[0], two.bytes);
  EXPECT_EQ(bodies[1].error().kind, ErrorKind::not_found);
  ASSERT_TRUE(bodies[2].ok());
  EXPECT_EQ(*bodies[2], one.bytes);
  ASSERT_TRUE(bodies[3].ok());
  EXPECT_EQ(*bodies[3], two.bytes);
  EXPECT_TRUE(store_->read_messages(alice_.id, inbox_.id, {}).empty());

  auto from_sent = store_->read_messages(alice_.id, sent->id, std::vector<Uid>{in_sent->uid});
  ASSERT_TRUE(from_sent.front().ok());
  EXPECT_EQ(*from_sent.front(), sent_copy.bytes);
  // Another account cannot reach this mailbox by its id.
  ASSERT_TRUE(store_->add_account("bob@example.test", "x").ok());
  auto bob = store_->find_account("bob@example.test");
  auto as_bob = store_->read_messages(bob->id, inbox_.id, std::vector<Uid>{first->uid});
  EXPECT_EQ(as_bob.front().error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, SameContentIsStoredOnce) {
  auto bob = store_->add_account("bob@example.test", "x");
  ASSERT_TRUE(bob.ok());
  auto bob_inbox = store_->find_mailbox(bob->id, "INBOX");
  NewMessage message = make_message("shared");
  auto many = store_->append_many({{alice_.id, inbox_.id}, {bob->id, bob_inbox->id}}, message);
  ASSERT_TRUE(many.ok()) << many.error().detail;
  ASSERT_EQ(many->size(), 2u);
  ASSERT_TRUE(store_->append(bob->id, bob_inbox->id, message).ok());
  EXPECT_EQ(count_blob_files(dir_.path()), 1);

  // The blob survives while anyone references it, and goes with the last reference.
  ASSERT_TRUE(store_->delete_account("bob@example.test").ok());
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
  EXPECT_EQ(*store_->read_message(alice_.id, inbox_.id, (*many)[0].uid), message.bytes);
  ASSERT_TRUE(store_->delete_account("alice@example.test").ok());
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 0);
}

TEST_F(StoreTest, AppendManyIsAllOrNothing) {
  auto bob = store_->add_account("bob@example.test", "x");
  auto bob_inbox = store_->find_mailbox(bob->id, "INBOX");
  ASSERT_TRUE(store_->set_quota("bob@example.test", 0, 1).ok());
  ASSERT_TRUE(store_->append(bob->id, bob_inbox->id, make_message("fills bob")).ok());
  auto many = store_->append_many({{alice_.id, inbox_.id}, {bob->id, bob_inbox->id}}, make_message("to both"));
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().kind, ErrorKind::over_quota);
  EXPECT_TRUE(store_->list_messages(alice_.id, inbox_.id)->empty());
  EXPECT_EQ(store_->find_mailbox(alice_.id, "INBOX")->uidnext, 1u);
  EXPECT_EQ(store_->highest_modseq(alice_.id).value(), 1u);  // a new account starts at 1
  // The rejected body left no file behind.
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
}

TEST_F(StoreTest, ExpungeLeavesTombstoneAndUidsStayMonotonic) {
  std::vector<Uid> uids;
  for (int i = 0; i < 3; ++i) {
    auto meta = store_->append(alice_.id, inbox_.id, make_message("m" + std::to_string(i)));
    ASSERT_TRUE(meta.ok());
    uids.push_back(meta->uid);
  }
  EXPECT_EQ(uids, (std::vector<Uid>{1, 2, 3}));
  ModSeq before = *store_->highest_modseq(alice_.id);

  auto removed = store_->expunge(alice_.id, inbox_.id, {3, 2, 42, 3});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, (std::vector<Uid>{2, 3}));
  // Blob files are unlinked after the callers are woken (README.md "Blob GC").
  store_->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 1);
  EXPECT_EQ(store_->usage(alice_.id)->messages, 1u);
  EXPECT_EQ(store_->find_mailbox(alice_.id, "INBOX")->messages, 1u);

  auto changes = store_->changes_since(alice_.id, before, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  for (const Change& change : *changes) {
    EXPECT_EQ(change.kind, ChangeKind::expunged);
    EXPECT_EQ(change.mailbox, inbox_.id);
    EXPECT_GT(change.modseq, before);
  }
  EXPECT_LT((*changes)[0].modseq, (*changes)[1].modseq);

  // A UID is never reused, even for the expunged highest one.
  auto next = store_->append(alice_.id, inbox_.id, make_message("after"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->uid, 4u);
  EXPECT_EQ(store_->expunge(alice_.id, 9999, {1}).error().kind, ErrorKind::not_found);
  auto nothing = store_->expunge(alice_.id, inbox_.id, {2});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
}

TEST_F(StoreTest, ChangesSinceIsOrderedAndPaged) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->append(alice_.id, inbox_.id, make_message("m" + std::to_string(i))).ok());
  }
  auto all = store_->changes_since(alice_.id, 0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].kind, ChangeKind::added);
    EXPECT_EQ((*all)[i].uid, i + 1);
    if (i > 0) {
      EXPECT_GT((*all)[i].modseq, (*all)[i - 1].modseq);
    }
  }
  auto page = store_->changes_since(alice_.id, (*all)[1].modseq, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].uid, 3u);
  EXPECT_EQ(store_->highest_modseq(alice_.id).value(), all->back().modseq);
  EXPECT_EQ(store_->changes_since(9999, 0, 10).error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, FlagsUpdateModseq) {
  auto meta = store_->append(alice_.id, inbox_.id, make_message("flag me"));
  ASSERT_TRUE(meta.ok());
  auto flagged = store_->set_flags(alice_.id, inbox_.id, meta->uid, {"\\Seen", "\\Flagged"});
  ASSERT_TRUE(flagged.ok()) << flagged.error().detail;
  EXPECT_GT(flagged->modseq, meta->modseq);
  EXPECT_EQ(flagged->flags, (std::vector<std::string>{"\\Seen", "\\Flagged"}));
  EXPECT_EQ(store_->find_mailbox(alice_.id, "INBOX")->highestmodseq, flagged->modseq);
  EXPECT_EQ(store_->highest_modseq(alice_.id).value(), flagged->modseq);
  auto changes = store_->changes_since(alice_.id, meta->modseq, 10);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].kind, ChangeKind::flags);
  EXPECT_EQ((*changes)[0].modseq, flagged->modseq);

  EXPECT_EQ(store_->set_flags(alice_.id, inbox_.id, 99, {"\\Seen"}).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->set_flags(alice_.id, inbox_.id, meta->uid, {"two words"}).error().kind, ErrorKind::bad_syntax);
  // Failed calls do not consume modseqs.
  EXPECT_EQ(store_->highest_modseq(alice_.id).value(), flagged->modseq);
  auto cleared = store_->set_flags(alice_.id, inbox_.id, meta->uid, {});
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->flags.empty());
}

TEST_F(StoreTest, QuotaRejectsBytesAndMessages) {
  NewMessage message = make_message("q");
  ASSERT_TRUE(store_->set_quota("alice@example.test", message.bytes.size() * 2, 0).ok());
  EXPECT_EQ(store_->find_account("alice@example.test")->quota_bytes, message.bytes.size() * 2);
  ASSERT_TRUE(store_->append(alice_.id, inbox_.id, message).ok());
  ASSERT_TRUE(store_->append(alice_.id, inbox_.id, message).ok());
  auto over = store_->append(alice_.id, inbox_.id, message);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().kind, ErrorKind::over_quota);

  ASSERT_TRUE(store_->set_quota("alice@example.test", 0, 3).ok());
  ASSERT_TRUE(store_->append(alice_.id, inbox_.id, message).ok());
  EXPECT_EQ(store_->append(alice_.id, inbox_.id, message).error().kind, ErrorKind::over_quota);
  EXPECT_EQ(store_->usage(alice_.id)->messages, 3u);

  // Expunging frees quota.
  ASSERT_TRUE(store_->expunge(alice_.id, inbox_.id, {1}).ok());
  EXPECT_TRUE(store_->append(alice_.id, inbox_.id, message).ok());
  EXPECT_EQ(store_->set_quota("nobody@example.test", 1, 1).error().kind, ErrorKind::not_found);
  EXPECT_EQ(store_->usage(9999).error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, ReopenKeepsEverything) {
  NewMessage message = make_message("persist");
  auto meta = store_->append(alice_.id, inbox_.id, message);
  ASSERT_TRUE(meta.ok());
  auto work = store_->create_mailbox(alice_.id, "Work", "");
  ASSERT_TRUE(work.ok());
  store_.reset();

  auto reopened = open_store(dir_.path());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->find_account("alice@example.test")->id, alice_.id);
  EXPECT_EQ(*reopened->read_message(alice_.id, inbox_.id, meta->uid), message.bytes);
  auto again = reopened->find_mailbox(alice_.id, "Work");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uidvalidity, work->uidvalidity);
  EXPECT_EQ(reopened->highest_modseq(alice_.id).value(), meta->modseq);
  // New mailboxes after a restart still get a fresh UIDVALIDITY.
  auto later = reopened->create_mailbox(alice_.id, "Later", "");
  ASSERT_TRUE(later.ok());
  EXPECT_GT(later->uidvalidity, work->uidvalidity);
}

TEST_F(StoreTest, TwoInstancesShareOneDirectory) {
  // The daemon and the CLI open the same data directory at once.
  auto cli = open_store(dir_.path());
  ASSERT_NE(cli, nullptr);
  ASSERT_TRUE(cli->add_account("carol@example.test", "x").ok());
  auto carol = store_->find_account("carol@example.test");
  ASSERT_TRUE(carol.ok());
  auto carol_inbox = store_->find_mailbox(carol->id, "INBOX");

  NewMessage message = make_message("both");
  auto from_daemon = store_->append(carol->id, carol_inbox->id, message);
  auto from_cli = cli->append(carol->id, carol_inbox->id, message);
  ASSERT_TRUE(from_daemon.ok());
  ASSERT_TRUE(from_cli.ok());
  EXPECT_NE(from_daemon->uid, from_cli->uid);
  EXPECT_EQ(cli->list_messages(carol->id, carol_inbox->id)->size(), 2u);
  EXPECT_EQ(count_blob_files(dir_.path()), 1);

  // The CLI deletes the account; the daemon sees it gone at once, and the blob is removed.
  ASSERT_TRUE(cli->delete_account("carol@example.test").ok());
  EXPECT_EQ(store_->find_account("carol@example.test").error().kind, ErrorKind::not_found);
  cli->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir_.path()), 0);
  // And the daemon can store the same content again afterwards.
  auto again = store_->append(alice_.id, inbox_.id, message);
  ASSERT_TRUE(again.ok()) << to_string(again.error().kind) << ": " << again.error().detail;
  EXPECT_EQ(*store_->read_message(alice_.id, inbox_.id, again->uid), message.bytes);
}

}  // namespace
}  // namespace postroom::store
