// Thin RAII layer over the SQLite C API, used only inside store/sqlite.
//
// Contract:
// - A Db is one sqlite3 connection, used by one thread at a time (the writer thread owns one;
//   readers borrow one from ReaderPool). Opening applies the pragmas every connection needs:
//   WAL, synchronous=FULL (a COMMIT returns only after the WAL is fsynced), foreign_keys=ON,
//   busy_timeout (another process - the CLI - may hold the write lock for a moment).
// - Prepared statements are cached per connection; a Stmt resets and clears its bindings when
//   it goes out of scope so the cached statement can be reused.
// - Every SQLite failure becomes an Error; busy/locked/full/I/O map to ErrorKind::temporary
//   because retrying later can succeed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"

namespace postroom::store::sqlite {

// Maps an SQLite result code to the store's closed error kinds.
Error sqlite_error(int code, std::string_view what, sqlite3* db);

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  // Bind by 1-based index. Text is copied by SQLite (SQLITE_TRANSIENT) so callers may pass
  // temporaries.
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, std::string_view value);
  Stmt& bind_blob(int index, std::string_view value);
  Stmt& bind_null(int index);

  // Steps once. Returns true when a row is available, false when done.
  Result<bool> step();
  // Steps until done (for statements that return no rows).
  Status run();

  std::int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  std::string column_text(int index) const;
  // The column's text without a copy; valid until the next step() or reset of this statement.
  std::string_view column_view(int index) const;
  bool column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
};

class Db {
 public:
  // Opens (creating if needed) the database file and applies the connection pragmas.
  static Result<std::unique_ptr<Db>> open(const std::string& path, int busy_timeout_ms);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Prepares (or takes from the cache) one statement.
  Result<Stmt> prepare(const char* sql);
  // Runs one or more statements without results (DDL, BEGIN/COMMIT, SAVEPOINT).
  Status exec(const char* sql);
  // For cleanup (ROLLBACK, ending a read transaction) where nothing better than a log line
  // can be done on failure.
  void exec_or_log(const char* sql);

  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // True when no transaction is open: after an error this tells whether SQLite rolled the
  // whole transaction back on its own (it does for SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM).
  bool in_autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  sqlite3* raw() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  // Keyed by the SQL text pointer's content; statements live as long as the connection.
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace postroom::store::sqlite
