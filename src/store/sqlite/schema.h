// Versioned schema of the embedded store.
//
// Contract: the schema version is PRAGMA user_version. kMigrations[i] takes the database from
// version i to i+1; migrate() applies the missing steps in order, each in its own
// BEGIN IMMEDIATE transaction that re-reads the version under the write lock, so two processes
// opening the same fresh directory at once (daemon + CLI) apply each step exactly once.
// A database newer than this binary is refused (ErrorKind::permanent) rather than guessed at.
#pragma once

#include "base/result.h"
#include "store/sqlite/db.h"

namespace postroom::store::sqlite {

// Number of migration steps this binary knows; also the version of a fully migrated DB.
int latest_schema_version();

Result<int> schema_version(Db& db);

// Migrates forward to `target` (default: latest). Idempotent.
Status migrate(Db& db, int target = -1);

}  // namespace postroom::store::sqlite
