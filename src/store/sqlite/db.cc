#include "store/sqlite/db.h"

#include <string>

#include "base/log.h"

namespace postroom::store::sqlite {

Error sqlite_error(int code, std::string_view what, sqlite3* db) {
  std::string detail(what);
  detail += ": ";
  detail += sqlite3_errstr(code);
  if (db != nullptr) {
    detail += " (";
    detail += sqlite3_errmsg(db);
    detail += ")";
  }
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_INTERRUPT: return make_error(ErrorKind::temporary, std::move(detail));
    case SQLITE_CONSTRAINT: return make_error(ErrorKind::exists, std::move(detail));
    default:
      // Corruption, misuse, schema mismatch: nothing a retry fixes.
      return make_error(ErrorKind::permanent, std::move(detail));
  }
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_blob(int index, std::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3* db = sqlite3_db_handle(stmt_);
  return sqlite_error(rc, sqlite3_sql(stmt_), db);
}

Status Stmt::run() {
  while (true) {
    auto row = step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return ok_status();
    }
  }
}

std::string Stmt::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  int size = sqlite3_column_bytes(stmt_, index);
  if (text == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string_view Stmt::column_view(int index) const {
  const unsigned char* text = sqlite3_column_text(stmt_, index);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index))};
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(rc, "open " + path, raw);
    sqlite3_close_v2(raw);
    return error;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // journal_mode=WAL is persistent in the file; setting it on every connection is harmless
  // and covers a file created by an older tool. synchronous=FULL makes every COMMIT fsync
  // the WAL, which is what "durable when the call returns" needs.
  Status pragmas = db->exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "PRAGMA foreign_keys=ON;");
  if (!pragmas) {
    return pragmas.error();
  }
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) {
    sqlite3_finalize(stmt);
  }
  sqlite3_close_v2(db_);
}

Result<Stmt> Db::prepare(const char* sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    return Stmt(it->second);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return sqlite_error(rc, sql, db_);
  }
  cache_.emplace(std::move(key), stmt);
  return Stmt(stmt);
}

Status Db::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(rc, sql, db_);
    sqlite3_free(message);
    return error;
  }
  return ok_status();
}

void Db::exec_or_log(const char* sql) {
  if (Status done = exec(sql); !done) {
    log::warn("store.sqlite.cleanup_failed", {{"sql", sql}, {"detail", done.error().detail}});
  }
}

}  // namespace postroom::store::sqlite
