#include "store/sqlite/reader_pool.h"

namespace postroom::store::sqlite {

ReaderPool::Lease::~Lease() {
  if (db_ != nullptr) {
    pool_->give_back(std::move(db_));
  }
}

Result<ReaderPool::Lease> ReaderPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Db> db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  auto db = Db::open(path_, busy_timeout_ms_);
  if (!db) {
    return db.error();
  }
  return Lease(*this, std::move(*db));
}

void ReaderPool::give_back(std::unique_ptr<Db> db) {
  // A lease dropped mid-transaction (an early error return) must not leak its snapshot.
  if (!db->in_autocommit()) {
    db->exec_or_log("ROLLBACK");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(db));
  }
}

}  // namespace postroom::store::sqlite
