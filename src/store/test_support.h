// Helpers for the store tests: a temp data directory that cleans up after itself, and small
// message builders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace postroom::store::testing {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/postroom-store-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? made : "";
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<sqlite::SqliteStore> open_store(const std::string& dir, int window_us = 0) {
  SqliteOptions options;
  options.data_dir = dir;
  options.group_commit_window_us = window_us;
  auto store = sqlite::SqliteStore::open(options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().detail);
  return store.ok() ? std::move(*store) : nullptr;
}

// The first column of every row `sql` returns, as text, read from the store's database in
// `dir` on a connection of the test's own (NULL reads as "").
inline std::vector<std::string> query_texts(const std::string& dir, const std::string& sql) {
  std::vector<std::string> texts;
  auto db = sqlite::Db::open(dir + "/postroom.db", 10000);
  EXPECT_TRUE(db.ok()) << (db.ok() ? "" : db.error().detail);
  if (!db.ok()) {
    return texts;
  }
  auto stmt = (*db)->prepare(sql.c_str());
  EXPECT_TRUE(stmt.ok()) << sql << ": " << (stmt.ok() ? "" : stmt.error().detail);
  if (!stmt.ok()) {
    return texts;
  }
  for (auto row = stmt->step(); row.ok() && *row; row = stmt->step()) {
    texts.push_back(stmt->column_text(0));
  }
  return texts;
}

// One integer (the first column of the first row) of `sql`; -1 when there is no row.
inline std::int64_t query_int(const std::string& dir, const std::string& sql) {
  std::vector<std::string> texts = query_texts(dir, sql);
  return texts.empty() ? -1 : std::stoll(texts.front());
}

inline NewMessage make_message(const std::string& subject, const std::string& body = "Hello.\r\n") {
  NewMessage message;
  message.bytes = "From: a@example.test\r\nTo: b@example.test\r\nSubject: " + subject + "\r\n\r\n" + body;
  message.derived.envelope = "(NIL \"" + subject + "\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  message.derived.bodystructure = "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 8 1)";
  return message;
}

// Number of blob files under <dir>/blobs (temp files excluded).
inline int count_blob_files(const std::string& dir) {
  int count = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(dir + "/blobs", error);
       it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) {
      break;
    }
    if (it->is_regular_file() && it->path().parent_path().filename() != "tmp") {
      ++count;
    }
  }
  return count;
}

}  // namespace postroom::store::testing
