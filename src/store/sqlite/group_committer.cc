#include "store/sqlite/group_committer.h"

#include <algorithm>
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
  stats.blob_files_removed = blobs_removed_.load(std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats.gc_pending = garbage_.size();
  }
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

void GroupCommitter::wait_for_gc() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [this] { return garbage_.empty(); });
}

void GroupCommitter::pause_gc(bool paused) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gc_paused_ = paused;
  }
  work_cv_.notify_one();
}

bool GroupCommitter::requests_waiting() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !queue_.empty();
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

GroupCommitter::Step GroupCommitter::next_step(std::unique_lock<std::mutex>& lock, bool idle_checked) {
  // Priority: requests, then blob GC (cheap per file, and a request arriving meanwhile waits
  // for one unlink at most), then idle work after a quiet spell. Stopping drains the first
  // two; idle work is deferrable and stays queued (it lives in the database).
  if (!queue_.empty()) {
    return Step::batch;
  }
  if (!garbage_.empty() && (!gc_paused_ || stopping_)) {
    return Step::gc;
  }
  if (stopping_) {
    return Step::stop;
  }
  auto wake = [this] { return stopping_ || !queue_.empty() || (!garbage_.empty() && !gc_paused_); };
  bool idle_pending = idle_task_ && (!idle_checked || idle_state_ != IdleWork::done);
  if (idle_pending) {
    return work_cv_.wait_for(lock, std::chrono::milliseconds(kIdleDelayMs), wake) ? Step::recheck : Step::idle;
  }
  // Wakes for requests, GC, stop, or a newly installed idle task.
  work_cv_.wait(lock, [&] { return wake() || (idle_task_ && !idle_checked); });
  return Step::recheck;
}

void GroupCommitter::run() {
  std::vector<WriteRequest*> batch;
  bool idle_checked = false;  // has the idle task looked for work since it was installed?
  while (true) {
    Step step;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      step = next_step(lock, idle_checked);
    }
    switch (step) {
      case Step::stop: return;
      case Step::recheck: continue;
      case Step::gc: collect_garbage(kGcUnitFiles, /*yield=*/true); continue;
      case Step::idle:
        idle_checked = true;
        run_idle_unit();
        continue;
      case Step::batch: break;
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
    std::vector<std::string> garbage = process(batch);
    {
      // The commit is durable: wake the callers now. Their blobs' files are removed later,
      // when the writer has nothing else to do.
      std::lock_guard<std::mutex> lock(mutex_);
      for (WriteRequest* request : batch) {
        request->done = true;
      }
      garbage_.insert(garbage_.end(), std::make_move_iterator(garbage.begin()), std::make_move_iterator(garbage.end()));
    }
    done_cv_.notify_all();
    batch.clear();
    bool gc_behind = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gc_behind = garbage_.size() >= kGcBacklogFiles && !gc_paused_;
    }
    if (gc_behind) {
      collect_garbage(kGcUnitFiles, /*yield=*/false);
    }
    // Any request may have queued idle work (an append queues its search document).
    idle_checked = false;
    if (idle_state_ == IdleWork::behind) {
      run_idle_unit();
    }
  }
}

std::vector<std::string> GroupCommitter::process(std::vector<WriteRequest*>& batch) {
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
  return candidates;
}

void GroupCommitter::collect_garbage(std::size_t max_files, bool yield) {
  // Copied, not moved out: the queue stays non-empty until its blobs are done, so
  // wait_for_gc cannot return halfway. Only this thread changes garbage_, so its front is
  // stable meanwhile.
  std::vector<std::string> work;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work.assign(garbage_.begin(), garbage_.begin() + static_cast<std::ptrdiff_t>(std::min(max_files, garbage_.size())));
  }
  std::size_t checked = 0;
  // Under the write lock no one can add a reference between our check and the unlink; an
  // appender that staged this blob earlier re-checks the file under the lock (ensure_blob).
  if (Status begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
    // Dropped, not retried: the files stay as orphans (harmless), and a lock held by another
    // process for the whole busy timeout must not turn into a busy loop here.
    log::warn("store.blob.gc_skipped", {{"detail", begun.error().detail}, {"files", work.size()}});
    checked = work.size();
  } else {
    for (; checked < work.size(); ++checked) {
      if (yield && checked > 0 && requests_waiting()) {
        break;
      }
      const std::string& hash = work[checked];
      auto stmt = db_->prepare("SELECT 1 FROM blobs WHERE blob_id = ?1");
      if (!stmt) {
        log::warn("store.blob.gc_failed", {{"detail", stmt.error().detail}});
        checked = work.size();
        break;
      }
      stmt->bind(1, hash);
      auto row = stmt->step();
      if (!row) {
        log::warn("store.blob.gc_failed", {{"detail", row.error().detail}});
        checked = work.size();
        break;
      }
      if (*row) {
        continue;  // referenced again (re-added since it was released)
      }
      if (Status removed = blobs_.remove(hash); !removed) {
        log::warn("store.blob.gc_failed", {{"detail", removed.error().detail}});
        continue;
      }
      blobs_removed_.fetch_add(1, std::memory_order_relaxed);
    }
    db_->exec_or_log("COMMIT");
    if (!db_->in_autocommit()) {
      db_->exec_or_log("ROLLBACK");
    }
  }
  bool empty = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    garbage_.erase(garbage_.begin(), garbage_.begin() + static_cast<std::ptrdiff_t>(checked));
    empty = garbage_.empty();
  }
  if (empty) {
    done_cv_.notify_all();
  }
}

}  // namespace postroom::store::sqlite
