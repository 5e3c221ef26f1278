#include "store/sqlite/group_committer.h"

#include <chrono>
#include <utility>

#include "base/log.h"

namespace postroom::store::sqlite {

GroupCommitter::GroupCommitter(std::unique_ptr<Db> db, BlobStore& blobs, int window_us)
    : db_(std::move(db)), blobs_(blobs), window_us_(window_us), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
}

Status GroupCommitter::submit(WriteRequest& request) {
  std::unique_lock<std::mutex> lock(mutex_);
  POSTROOM_CHECK(!stopping_, "write submitted to a store being destroyed");
  queue_.push_back(&request);
  work_cv_.notify_one();
  done_cv_.wait(lock, [&request] { return request.done; });
  return request.status;
}

CommitStats GroupCommitter::stats() const {
  CommitStats stats;
  stats.batches = batches_.load(std::memory_order_relaxed);
  stats.requests = requests_.load(std::memory_order_relaxed);
  stats.max_batch = max_batch_.load(std::memory_order_relaxed);
  stats.dir_fsyncs = blobs_.dir_fsyncs();
  stats.blob_files = blobs_.files_written();
  return stats;
}

void GroupCommitter::set_idle_task(IdleTask task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    POSTROOM_CHECK(!idle_task_, "idle task set twice");
    idle_task_ = std::move(task);
  }
  work_cv_.notify_one();
}

void GroupCommitter::run_idle_unit() {
  IdleTask task;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task = idle_task_;
  }
  idle_state_ = task ? task(*db_) : IdleWork::done;
  if (!db_->in_autocommit()) {
    // The task must end its transaction; never leave the writer's connection inside one.
    db_->exec_or_log("ROLLBACK");
  }
}

void GroupCommitter::run() {
  std::vector<WriteRequest*> batch;
  bool idle_checked = false;  // has the idle task looked for work since it was installed?
  while (true) {
    bool idle_now = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto has_work = [this] { return stopping_ || !queue_.empty(); };
      bool idle_pending = idle_task_ && (!idle_checked || idle_state_ != IdleWork::done);
      if (idle_pending) {
        idle_now = !work_cv_.wait_for(lock, std::chrono::milliseconds(kIdleDelayMs), has_work);
      } else {
        // Wakes for requests, stop, or a newly installed idle task.
        work_cv_.wait(lock, [&] { return has_work() || (idle_task_ && !idle_checked); });
      }
      if (!idle_now && queue_.empty()) {
        if (stopping_) {
          return;  // stopping and drained
        }
        continue;  // the idle task was installed: go wait for quiet
      }
    }
    if (idle_now) {
      idle_checked = true;
      run_idle_unit();
      continue;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (window_us_ > 0 && !stopping_) {
        // Trade a little latency for bigger batches when the caller asked for it.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(window_us_);
        work_cv_.wait_until(lock, deadline, [this] { return stopping_; });
      }
      batch.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    process(batch);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (WriteRequest* request : batch) {
        request->done = true;
      }
    }
    done_cv_.notify_all();
    batch.clear();
    // Any request may have queued idle work (an append queues its search document).
    idle_checked = false;
    if (idle_state_ == IdleWork::behind) {
      run_idle_unit();
    }
  }
}

void GroupCommitter::process(std::vector<WriteRequest*>& batch) {
  for (WriteRequest* request : batch) {
    request->status = ok_status();
  }
  // Blobs whose last reference went away in requests that committed.
  std::vector<std::string> released;
  auto fail_all = [&](const Error& error) {
    for (WriteRequest* request : batch) {
      if (request->status) {
        request->status = error;
      }
    }
    released.clear();
  };

  // 1. All metadata in one transaction, one savepoint per request.
  if (Status begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
    fail_all(begun.error());
  } else {
    bool aborted = false;
    for (WriteRequest* request : batch) {
      if (Status savepoint = db_->exec("SAVEPOINT request"); !savepoint) {
        aborted = true;
        fail_all(savepoint.error());
        break;
      }
      WriteContext context(*db_, blobs_);
      Status applied = request->apply(context);
      if (!applied && db_->in_autocommit()) {
        // SQLite rolled back the whole transaction (SQLITE_FULL, SQLITE_IOERR...): the requests
        // already applied in this batch are gone too.
        aborted = true;
        fail_all(applied.error());
        break;
      }
      if (!applied) {
        request->status = applied;
        if (Status undone = db_->exec("ROLLBACK TO request; RELEASE request"); !undone) {
          aborted = true;
          fail_all(undone.error());
          break;
        }
        continue;
      }
      if (Status kept = db_->exec("RELEASE request"); !kept) {
        aborted = true;
        fail_all(kept.error());
        break;
      }
      for (std::string& hash : context.released()) {
        released.push_back(std::move(hash));
      }
    }
    if (!aborted) {
      if (Status committed = db_->exec("COMMIT"); !committed) {
        fail_all(committed.error());
      }
    }
    if (!db_->in_autocommit()) {
      db_->exec_or_log("ROLLBACK");
    }
    batches_.fetch_add(1, std::memory_order_relaxed);
  }

  requests_.fetch_add(batch.size(), std::memory_order_relaxed);
  std::uint64_t size = batch.size();
  std::uint64_t seen = max_batch_.load(std::memory_order_relaxed);
  while (size > seen && !max_batch_.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }

  // Blobs a failed request stored: nobody may reference them (a request rejected for quota
  // must not leave an orphan file).
  std::vector<std::string> candidates = std::move(released);
  for (WriteRequest* request : batch) {
    if (!request->status) {
      // Expected refusals (not_found, over_quota...) are the caller's to report; only
      // failures of the machinery deserve a warning here.
      const Error& error = request->status.error();
      bool machinery = error.kind == ErrorKind::temporary || error.kind == ErrorKind::permanent;
      log::write(machinery ? log::Level::warn : log::Level::debug, "store.write.failed",
                 {{"kind", to_string(error.kind)}, {"detail", error.detail}});
      candidates.insert(candidates.end(), request->blob_ids.begin(), request->blob_ids.end());
    }
  }
  // The callers' results are final now, but waking them waits for GC: it keeps this thread the
  // only deleter in this process between batches, and GC is one short transaction.
  if (!candidates.empty()) {
    collect_garbage(candidates);
  }
}

void GroupCommitter::collect_garbage(std::vector<std::string>& candidates) {
  // Under the write lock no one can add a reference between our check and the unlink; an
  // appender that staged this blob earlier re-checks the file under the lock (ensure_blob).
  if (Status begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
    log::warn("store.blob.gc_skipped", {{"detail", begun.error().detail}});
    return;
  }
  for (const std::string& hash : candidates) {
    auto stmt = db_->prepare("SELECT 1 FROM blobs WHERE blob_id = ?1");
    if (!stmt) {
      break;
    }
    stmt->bind(1, hash);
    auto row = stmt->step();
    if (!row) {
      log::warn("store.blob.gc_failed", {{"detail", row.error().detail}});
      break;
    }
    if (*row) {
      continue;  // still referenced (maybe re-added in this very batch)
    }
    if (Status removed = blobs_.remove(hash); !removed) {
      log::warn("store.blob.gc_failed", {{"detail", removed.error().detail}});
    }
  }
  db_->exec_or_log("COMMIT");
}

}  // namespace postroom::store::sqlite
