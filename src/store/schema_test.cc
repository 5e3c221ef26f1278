// Schema migrations of the SQLite backend.
#include "store/sqlite/schema.h"

#include <gtest/gtest.h>

#include "store/sqlite/db.h"
#include "store/test_support.h"

namespace postroom::store::sqlite {
namespace {

using store::testing::open_store;
using store::testing::TempDir;

TEST(SchemaTest, FreshDatabaseReachesLatestAndReopenIsIdempotent) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->add_domain("example.test").ok());
  }
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->list_domains()->size(), 1u);
  }
  auto db = Db::open(dir.path() + "/postroom.db", 1000);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*schema_version(**db), latest_schema_version());
  // Migrating an up-to-date database changes nothing.
  EXPECT_TRUE(migrate(**db).ok());
  EXPECT_EQ(*schema_version(**db), latest_schema_version());
}

TEST(SchemaTest, OlderDatabaseMigratesForwardKeepingData) {
  ASSERT_GE(latest_schema_version(), 2);
  TempDir dir;
  {
    auto db = Db::open(dir.path() + "/postroom.db", 1000);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate(**db, 1).ok());
    EXPECT_EQ(*schema_version(**db), 1);
    // Data written by a version-1 binary.
    ASSERT_TRUE((*db)
                    ->exec("INSERT INTO domains(name) VALUES('old.test');"
                           "INSERT INTO accounts(address, domain_id, password_hash) VALUES('a@old.test', 1, 'h');")
                    .ok());
    // The change log does not exist yet at version 1.
    EXPECT_FALSE((*db)->exec("SELECT count(*) FROM changes").ok());
  }
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  auto account = store->find_account("a@old.test");
  ASSERT_TRUE(account.ok());
  EXPECT_TRUE(store->changes_since(account->id, 0, 10)->empty());
  auto db = Db::open(dir.path() + "/postroom.db", 1000);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*schema_version(**db), latest_schema_version());
}

TEST(SchemaTest, NewerDatabaseIsRefused) {
  TempDir dir;
  {
    auto db = Db::open(dir.path() + "/postroom.db", 1000);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("PRAGMA user_version=999").ok());
  }
  SqliteOptions options;
  options.data_dir = dir.path();
  auto store = open_sqlite_store(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::permanent);
}

TEST(SchemaTest, ConnectionPragmas) {
  TempDir dir;
  auto db = Db::open(dir.path() + "/postroom.db", 1000);
  ASSERT_TRUE(db.ok());
  auto mode = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
  auto sync = (*db)->prepare("PRAGMA synchronous");
  ASSERT_TRUE(*sync->step());
  EXPECT_EQ(sync->column_int(0), 2);  // FULL
  auto keys = (*db)->prepare("PRAGMA foreign_keys");
  ASSERT_TRUE(*keys->step());
  EXPECT_EQ(keys->column_int(0), 1);
}

}  // namespace
}  // namespace postroom::store::sqlite
