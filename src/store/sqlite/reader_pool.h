// Read connections, so reads never queue behind the group committer (WAL lets readers run
// alongside the one writer).
//
// Contract: acquire() hands out an idle connection or opens a new one; the Lease returns it
// on destruction. At most `max_idle` connections are kept; extra ones are closed on return,
// so a burst of readers costs connections only while it lasts. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/sqlite/db.h"

namespace postroom::store::sqlite {

class ReaderPool {
 public:
  ReaderPool(std::string path, int busy_timeout_ms, std::size_t max_idle)
      : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms), max_idle_(max_idle) {}

  class Lease {
   public:
    Lease(ReaderPool& pool, std::unique_ptr<Db> db) : pool_(&pool), db_(std::move(db)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(std::move(other.db_)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Db> db_;
  };

  Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<Db> db);

  const std::string path_;
  const int busy_timeout_ms_;
  const std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Db>> idle_;
};

}  // namespace postroom::store::sqlite
