// SEARCH's scan path reads FTS5's content shadow table instead of search_fts, so that a
// SUBJECT, address or HEADER search reads no body (store/sqlite/search_index.h). These tests
// guard the layout that relies on, the answers of every field through the scan (queued and
// indexed documents) and through the indexed HEADER path, and that a field scan reads far
// fewer bytes than the bodies it skips.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/test_support.h"

namespace postroom::store {
namespace {

using testing::open_store;
using testing::query_int;
using testing::query_texts;
using testing::TempDir;

// Bytes this process has asked of read()/pread() so far (SQLite reads pages with pread), or
// nothing where /proc/self/io is missing.
std::optional<std::uint64_t> bytes_read_so_far() {
  std::ifstream io("/proc/self/io");
  std::string key;
  std::uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") {
      return value;
    }
  }
  return std::nullopt;
}

// A body of about `bytes` octets of text that contains none of the words searched for below,
// then `tail`.
std::string long_body(std::size_t bytes, const std::string& tail) {
  std::string body;
  body.reserve(bytes + tail.size() + 64);
  for (int line = 0; body.size() < bytes; ++line) {
    body += "Filler line " + std::to_string(line) + " of a long message body, plain words only.\r\n";
  }
  return body + tail + "\r\n";
}

struct Fields {
  std::string from, to, cc, bcc, subject, colour, body;
};

NewMessage message_with(const Fields& fields) {
  NewMessage message;
  message.bytes = "From: " + fields.from + "\r\nTo: " + fields.to + "\r\n";
  if (!fields.cc.empty()) {
    message.bytes += "Cc: " + fields.cc + "\r\n";
  }
  if (!fields.bcc.empty()) {
    message.bytes += "Bcc: " + fields.bcc + "\r\n";
  }
  message.bytes += "Subject: " + fields.subject + "\r\n";
  if (!fields.colour.empty()) {
    message.bytes += "X-Colour: " + fields.colour + "\r\n";
  }
  message.bytes += "\r\n" + fields.body;
  message.derived.envelope = "(NIL \"" + fields.subject + "\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  message.derived.bodystructure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 8 1)";
  return message;
}

// Two messages whose words each appear in one field only, and the second one's body names
// every header value of the first: a field search that looked at the wrong column (or at the
// body) would find the wrong message. `tag` ends both bodies: messages with the same body
// share one search document (per account), so a different tag gives different documents.
std::vector<NewMessage> two_messages(std::size_t body_bytes, const std::string& tag) {
  return {message_with({"Ann Sender <ann@from.test>", "Bob <bob@to.test>", "Carol <carol@cc.test>",
                        "Dave <dave@bcc.test>", "Zebra report", "teal", long_body(body_bytes, "A walrus. " + tag)}),
          message_with({"Erin <erin@from.test>", "Frank <frank@to.test>", "", "", "Walrus notes", "ochre",
                        long_body(body_bytes, "zebra ann@from.test bob@to.test carol dave teal " + tag)})};
}

class SearchScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store(dir_.path());
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    alice_ = *store_->add_account("alice@example.test", "$argon2id$hash");
    inbox_ = store_->find_mailbox(alice_.id, "INBOX")->id;
    archive_ = store_->find_mailbox(alice_.id, "Archive")->id;
  }

  // Appends indexed at once (append_batch writes the FTS rows in its transaction).
  std::vector<Uid> add_indexed(MailboxId mailbox, const std::vector<NewMessage>& messages) {
    std::vector<Store::BatchItem> items;
    for (const NewMessage& message : messages) {
      items.push_back(Store::BatchItem{mailbox, message});
    }
    auto metas = store_->append_batch(alice_.id, items);
    EXPECT_TRUE(metas.ok()) << (metas.ok() ? "" : metas.error().detail);
    std::vector<Uid> uids;
    for (const MessageMeta& meta : metas.ok() ? *metas : std::vector<MessageMeta>{}) {
      uids.push_back(meta.uid);
    }
    return uids;
  }

  // Appends queued for the idle indexer (scanned from their blobs until it gets to them).
  std::vector<Uid> add_queued(MailboxId mailbox, const std::vector<NewMessage>& messages) {
    std::vector<Uid> uids;
    for (const NewMessage& message : messages) {
      auto meta = store_->append(alice_.id, mailbox, message);
      EXPECT_TRUE(meta.ok());
      uids.push_back(meta.ok() ? meta->uid : 0);
    }
    return uids;
  }

  std::vector<Uid> search(MailboxId mailbox, TextField field, const std::string& value,
                          const std::string& header = "") {
    auto found = store_->search_text(alice_.id, mailbox, TextCriterion{field, header, value});
    EXPECT_TRUE(found.ok()) << (found.ok() ? "" : found.error().detail);
    return found.ok() ? *found : std::vector<Uid>{};
  }

  // Every field over a mailbox holding two_messages() as uids `m`, checked against what each
  // criterion must find. `where` names the case in failures.
  void expect_field_answers(MailboxId mailbox, const std::vector<Uid>& m, const char* where) {
    SCOPED_TRACE(where);
    ASSERT_EQ(m.size(), 2u);
    const std::vector<Uid> first{m[0]};
    const std::vector<Uid> second{m[1]};
    const std::vector<Uid> both{m[0], m[1]};
    const std::vector<Uid> none;
    EXPECT_EQ(search(mailbox, TextField::subject, "zebra"), first);
    EXPECT_EQ(search(mailbox, TextField::subject, "WALRUS"), second);
    EXPECT_EQ(search(mailbox, TextField::subject, "ze"), first);  // under three characters
    EXPECT_EQ(search(mailbox, TextField::subject, ""), both);
    EXPECT_EQ(search(mailbox, TextField::subject, "teal"), none);
    EXPECT_EQ(search(mailbox, TextField::from, "ann@from"), first);
    EXPECT_EQ(search(mailbox, TextField::from, "nn"), first);
    EXPECT_EQ(search(mailbox, TextField::from, "bob"), none);
    EXPECT_EQ(search(mailbox, TextField::to, "bob@to"), first);
    EXPECT_EQ(search(mailbox, TextField::to, "frank"), second);
    EXPECT_EQ(search(mailbox, TextField::to, "ann"), none);
    EXPECT_EQ(search(mailbox, TextField::cc, "carol"), first);
    EXPECT_EQ(search(mailbox, TextField::cc, "dave"), none);
    EXPECT_EQ(search(mailbox, TextField::bcc, "dave"), first);
    EXPECT_EQ(search(mailbox, TextField::bcc, "carol"), none);
    EXPECT_EQ(search(mailbox, TextField::header, "teal", "X-Colour"), first);
    EXPECT_EQ(search(mailbox, TextField::header, "", "x-colour"), both);
    EXPECT_EQ(search(mailbox, TextField::header, "walrus", "Subject"), second);
    EXPECT_EQ(search(mailbox, TextField::header, "zebra", "X-Colour"), none);
    EXPECT_EQ(search(mailbox, TextField::body, "zebra"), second);
    EXPECT_EQ(search(mailbox, TextField::body, "walrus"), first);
    EXPECT_EQ(search(mailbox, TextField::text, "zebra"), both);
    EXPECT_EQ(search(mailbox, TextField::text, "ochre"), second);
  }

  TempDir dir_;
  std::unique_ptr<sqlite::SqliteStore> store_;
  Account alice_;
  MailboxId inbox_ = 0;
  MailboxId archive_ = 0;
};

// search_index.h: search_fts_content(id, c0..c6) holds search_fts's columns in declaration
// order, under the FTS rowid. If this fails, the scan in search.cc reads the wrong text (or
// none): fix scan_columns and the layout note in search_index.h together with the schema.
TEST_F(SearchScanTest, ContentShadowTableHoldsTheFtsColumnsInOrder) {
  add_indexed(inbox_, two_messages(1000, "layout"));
  const std::vector<std::string> fts_columns{"hfrom", "hto", "hcc", "hbcc", "subject", "headers", "body"};
  ASSERT_EQ(query_texts(dir_.path(), "SELECT name FROM pragma_table_info('search_fts') ORDER BY cid"), fts_columns)
      << "search_fts's columns changed (schema.cc step 5)";
  ASSERT_EQ(query_texts(dir_.path(), "SELECT name FROM pragma_table_info('search_fts_content') ORDER BY cid"),
            (std::vector<std::string>{"id", "c0", "c1", "c2", "c3", "c4", "c5", "c6"}))
      << "FTS5's content table is missing or laid out differently (content= or contentless option?)";
  ASSERT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts_content"), 2);
  ASSERT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts"), 2);
  // The same rows, under the docids of search_docs.
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_docs d JOIN search_fts_content c ON c.id = d.docid"),
            2);
  // Each column holds the same text as the FTS column of its position, and the first
  // message's texts differ from column to column (so a shifted column cannot compare equal).
  std::set<std::string> first_row;
  for (std::size_t i = 0; i < fts_columns.size(); ++i) {
    const std::string column = "c" + std::to_string(i);
    SCOPED_TRACE(fts_columns[i] + " = " + column);
    std::vector<std::string> texts =
        query_texts(dir_.path(), "SELECT " + column + " FROM search_fts_content ORDER BY id");
    EXPECT_EQ(query_texts(dir_.path(), "SELECT " + fts_columns[i] + " FROM search_fts ORDER BY rowid"), texts);
    ASSERT_EQ(texts.size(), 2u);
    first_row.insert(texts[0]);
  }
  EXPECT_EQ(first_row.size(), fts_columns.size());
  EXPECT_EQ(query_texts(dir_.path(), "SELECT c4 FROM search_fts_content ORDER BY id"),
            (std::vector<std::string>{"Zebra report", "Walrus notes"}));
  // The body is the last column: the scan of the other fields relies on it to skip its pages.
  EXPECT_EQ(query_texts(dir_.path(), "SELECT name FROM pragma_table_info('search_fts') ORDER BY cid DESC LIMIT 1"),
            std::vector<std::string>{"body"});
}

// Schema step 9: search_heads repeats the short fields of every FTS row (the scans of
// FROM/TO/CC/BCC/SUBJECT read it), is written with it and goes with it.
TEST_F(SearchScanTest, HeadsTableMirrorsTheShortFtsColumns) {
  std::vector<Uid> uids = add_indexed(inbox_, two_messages(1000, "heads"));
  const std::string same =
      "SELECT count(*) FROM search_heads h JOIN search_fts_content c ON c.id = h.docid WHERE h.hfrom = c.c0 "
      "AND h.hto = c.c1 AND h.hcc = c.c2 AND h.hbcc = c.c3 AND h.subject = c.c4";
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_heads"), 2);
  EXPECT_EQ(query_int(dir_.path(), same), 2);
  EXPECT_EQ(search(inbox_, TextField::subject, "zebra"), std::vector<Uid>{uids[0]});

  ASSERT_TRUE(store_->expunge(alice_.id, inbox_, {uids[0]}).ok());
  // Removal is the idle indexer's (search_unindex); both rows go together.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (query_int(dir_.path(), "SELECT count(*) FROM search_fts_content") > 1 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts_content"), 1);
  EXPECT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_heads"), 1);
  EXPECT_EQ(query_int(dir_.path(), same), 1);
  EXPECT_TRUE(search(inbox_, TextField::subject, "zebra").empty());
  EXPECT_EQ(search(inbox_, TextField::subject, "walrus"), std::vector<Uid>{uids[1]});
}

TEST_F(SearchScanTest, FieldsScanTheirOwnColumnWithLargeBodies) {
  constexpr std::size_t kBody = 100 * 1024;
  std::vector<Uid> queued = add_queued(inbox_, two_messages(kBody, "queued"));
  std::vector<Uid> indexed = add_indexed(archive_, two_messages(kBody, "indexed"));
  // Right after the appends the idle indexer has (almost surely) not reached the inbox's
  // documents: they are answered from their blobs, the archive's from the content table.
  expect_field_answers(inbox_, queued, "queued");
  expect_field_answers(archive_, indexed, "indexed at once");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (query_int(dir_.path(), "SELECT count(*) FROM search_fts_content") < 4 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(query_int(dir_.path(), "SELECT count(*) FROM search_fts_content"), 4);
  expect_field_answers(inbox_, queued, "indexed by the idle indexer");
}

// HEADER in a mailbox above its scan limit (1,000 messages) goes through the trigram index and
// then reads the header text of each candidate (from the content table) to check the name.
TEST_F(SearchScanTest, IndexedHeaderSearchChecksTheFieldName) {
  std::vector<NewMessage> messages = two_messages(200, "large");
  for (int i = 0; i < 1000; ++i) {
    messages.push_back(message_with({"Other <other@from.test>", "Bob <bob@to.test>", "", "",
                                     "Filler " + std::to_string(i) + " teal", "", "Filler body.\r\n"}));
  }
  std::vector<Uid> uids = add_indexed(inbox_, messages);
  ASSERT_EQ(uids.size(), messages.size());
  // "teal" is in every filler's Subject, only the first message has it as X-Colour.
  EXPECT_EQ(search(inbox_, TextField::header, "teal", "X-Colour"), std::vector<Uid>{uids[0]});
  EXPECT_EQ(search(inbox_, TextField::header, "walrus", "subject"), std::vector<Uid>{uids[1]});
  EXPECT_EQ(search(inbox_, TextField::header, "ochre", "Subject"), std::vector<Uid>{});
  EXPECT_EQ(search(inbox_, TextField::header, "teal", "Subject").size(), 1000u);
}

// The point of the content table: a SUBJECT, FROM or HEADER scan reads the small columns, not
// the bodies. Measured as bytes read by the process (SQLite's page reads); a BODY scan of the
// same mailbox shows what reading the bodies costs.
TEST_F(SearchScanTest, FieldScanDoesNotReadBodies) {
  constexpr int kPairs = 20;
  constexpr std::size_t kBody = 128 * 1024;
  if (!bytes_read_so_far()) {
    GTEST_SKIP() << "no /proc/self/io";
  }
  std::vector<NewMessage> messages;
  for (int i = 0; i < kPairs; ++i) {
    for (NewMessage& message : two_messages(kBody, "pair " + std::to_string(i))) {
      messages.push_back(std::move(message));
    }
  }
  ASSERT_EQ(add_indexed(inbox_, messages).size(), messages.size());
  const std::uint64_t bodies = messages.size() * kBody;
  auto measure = [&](TextField field, const std::string& value, const std::string& header, std::size_t hits) {
    std::uint64_t before = *bytes_read_so_far();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(search(inbox_, field, value, header).size(), hits);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t read = *bytes_read_so_far() - before;
    std::printf("[ MEASURE  ] %s \"%s\" scan of %zu messages (%llu KiB of bodies): %llu KiB read, %.2f ms\n",
                header.empty() ? "field" : header.c_str(), value.c_str(), messages.size(),
                static_cast<unsigned long long>(bodies / 1024), static_cast<unsigned long long>(read / 1024), ms);
    return read;
  };
  EXPECT_LT(measure(TextField::subject, "zebra", "", kPairs), bodies / 16);
  EXPECT_LT(measure(TextField::from, "ann@", "", kPairs), bodies / 16);
  EXPECT_LT(measure(TextField::header, "teal", "X-Colour", kPairs), bodies / 16);
  // The baseline: the body scan reads them all (else this test measures nothing).
  EXPECT_GT(measure(TextField::body, "walrus", "", kPairs), bodies / 2);
}

}  // namespace
}  // namespace postroom::store
