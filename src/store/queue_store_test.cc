// The QueueStore contract (store/queue.h) on the SQLite backend.
#include "store/queue.h"

#include <gtest/gtest.h>

#include "store/sqlite/queries.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::count_blob_files;
using testing::make_message;
using testing::TempDir;

std::unique_ptr<QueueStore> open_queue(const std::string& dir) {
  SqliteOptions options;
  options.data_dir = dir;
  auto queue = open_sqlite_queue(options);
  EXPECT_TRUE(queue.ok()) << (queue.ok() ? "" : queue.error().detail);
  return queue.ok() ? std::move(*queue) : nullptr;
}

NewQueueMessage make_queued(std::vector<std::string> recipients, std::string body = "Subject: hi\r\n\r\nHello.\r\n") {
  NewQueueMessage message;
  message.sender = "alice@example.test";
  for (auto& r : recipients) {
    message.recipients.push_back(NewQueueRecipient{std::move(r), "", kNotifyDefault});
  }
  message.envid = "env-1";
  message.ret = DsnRet::headers;
  message.body_type = "8BITMIME";
  message.bytes = std::move(body);
  return message;
}

TEST(QueueStoreTest, EnqueueIsDurableAcrossReopen) {
  TempDir dir;
  QueueId id = 0;
  {
    auto queue = open_queue(dir.path());
    ASSERT_NE(queue, nullptr);
    auto message = make_queued({"bob@remote.test", "carol@remote.test", "bob@remote.test"});
    message.recipients[1].orcpt = "rfc822;carol@remote.test";
    message.recipients[1].notify = kNotifyFailure | kNotifyDelay;
    auto queued = queue->enqueue(message);
    ASSERT_TRUE(queued.ok()) << queued.error().detail;
    id = *queued;
  }
  auto queue = open_queue(dir.path());
  ASSERT_NE(queue, nullptr);
  auto got = queue->get(id);
  ASSERT_TRUE(got.ok()) << got.error().detail;
  EXPECT_EQ(got->sender, "alice@example.test");
  EXPECT_EQ(got->envid, "env-1");
  EXPECT_EQ(got->ret, DsnRet::headers);
  EXPECT_EQ(got->body_type, "8BITMIME");
  ASSERT_EQ(got->recipients.size(), 2u);  // the duplicate merged
  EXPECT_EQ(got->recipients[1].orcpt, "rfc822;carol@remote.test");
  EXPECT_EQ(got->recipients[1].notify, kNotifyFailure | kNotifyDelay);
  EXPECT_EQ(got->recipients[0].state, RecipientState::pending);
  auto body = queue->read_body(*got);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "Subject: hi\r\n\r\nHello.\r\n");
  EXPECT_FALSE(queue->enqueue(make_queued({})).ok());
}

TEST(QueueStoreTest, DueOrderingAndStates) {
  TempDir dir;
  auto queue = open_queue(dir.path());
  ASSERT_NE(queue, nullptr);
  auto first = queue->enqueue(make_queued({"a@x.test", "b@x.test"}, "Subject: 1\r\n\r\n1\r\n"));
  auto second = queue->enqueue(make_queued({"c@y.test"}, "Subject: 2\r\n\r\n2\r\n"));
  ASSERT_TRUE(first.ok() && second.ok());
  std::int64_t now = sqlite::unix_now();

  auto due = queue->due(now, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, *first);

  // Defer the first message's recipients into the future: only the second is due.
  auto m1 = queue->get(*first);
  ASSERT_TRUE(m1.ok());
  ASSERT_TRUE(queue->mark_deferred(*first, m1->recipients[0].id, now + 100, "451 try later").ok());
  ASSERT_TRUE(queue->mark_delivered(*first, m1->recipients[1].id, "250 ok", "mx.x.test").ok());
  due = queue->due(now, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, *second);
  auto next = queue->next_due();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, now);  // the second message is due now

  m1 = queue->get(*first);
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->recipients[0].state, RecipientState::pending);
  EXPECT_EQ(m1->recipients[0].attempts, 1u);
  EXPECT_EQ(m1->recipients[0].last_error, "451 try later");
  EXPECT_EQ(m1->recipients[1].state, RecipientState::delivered);
  EXPECT_EQ(m1->recipients[1].remote_mta, "mx.x.test");

  // Later it is due again, in time order.
  due = queue->due(now + 100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].id, *second);

  // retry_now makes it due at once.
  ASSERT_TRUE(queue->retry_now(*first).ok());
  due = queue->due(sqlite::unix_now(), 10);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), 2u);
  EXPECT_EQ(queue->retry_now(999).error().kind, ErrorKind::not_found);

  // A permanent failure: the message stays (DSN owed) and is due; bouncing it removes it.
  ASSERT_TRUE(queue->mark_failed(*first, m1->recipients[0].id, "5.1.1", "550 no such user").ok());
  due = queue->due(0, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, *first);
  RecipientUpdate bounced;
  bounced.recipient_id = m1->recipients[0].id;
  bounced.state = RecipientState::bounced;
  ASSERT_TRUE(queue->update(*first, {bounced}).ok());
  EXPECT_EQ(queue->get(*first).error().kind, ErrorKind::not_found);

  // A recipient of another message is refused.
  RecipientUpdate wrong;
  wrong.recipient_id = m1->recipients[0].id;
  wrong.state = RecipientState::delivered;
  EXPECT_EQ(queue->update(*second, {wrong}).error().kind, ErrorKind::not_found);

  auto all = queue->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  ASSERT_TRUE(queue->remove(*second).ok());
  EXPECT_EQ(queue->remove(*second).error().kind, ErrorKind::not_found);
  next = queue->next_due();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

TEST(QueueStoreTest, QueuedBodySurvivesMailboxGcAndIsCollectedAfter) {
  TempDir dir;
  auto store = testing::open_store(dir.path());
  ASSERT_NE(store, nullptr);
  auto queue = open_queue(dir.path());
  ASSERT_NE(queue, nullptr);
  ASSERT_TRUE(store->add_domain("example.test").ok());
  auto alice = store->add_account("alice@example.test", "$argon2id$x");
  ASSERT_TRUE(alice.ok());
  auto inbox = store->find_mailbox(alice->id, "INBOX");
  ASSERT_TRUE(inbox.ok());

  // The same bytes in a mailbox and in the queue: one blob, two references.
  NewMessage message = make_message("shared");
  auto meta = store->append(alice->id, inbox->id, message);
  ASSERT_TRUE(meta.ok());
  auto queued = queue->enqueue(make_queued({"bob@remote.test"}, message.bytes));
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(count_blob_files(dir.path()), 1);

  // Expunging the mailbox copy must not remove the queued body.
  ASSERT_TRUE(store->expunge(alice->id, inbox->id, {meta->uid}).ok());
  store->wait_for_blob_gc();
  EXPECT_EQ(count_blob_files(dir.path()), 1);
  auto got = queue->get(*queued);
  ASSERT_TRUE(got.ok());
  auto body = queue->read_body(*got);
  ASSERT_TRUE(body.ok()) << body.error().detail;
  EXPECT_EQ(*body, message.bytes);

  // Delivering the last recipient removes the message and, now unreferenced, the body.
  ASSERT_TRUE(queue->mark_delivered(*queued, got->recipients[0].id, "250 ok", "mx").ok());
  EXPECT_EQ(queue->get(*queued).error().kind, ErrorKind::not_found);
  // The file goes once the queue's writer is idle (or closed).
  queue.reset();
  EXPECT_EQ(count_blob_files(dir.path()), 0);
}

}  // namespace
}  // namespace postroom::store
