// The single writer of one store instance: batches concurrent mutations into one group commit.
//
// Contract:
// - submit() blocks until the request's change is durable (or failed) and returns its own
//   status; a failing request never fails the others in its batch.
// - Blob bodies are made durable by the callers before they submit (BlobStore::store, in
//   parallel threads); a request only names them.
// - One batch = every request queued when the writer wakes (plus those arriving within the
//   configured window). For a batch the writer:
//     1. runs BEGIN IMMEDIATE, then each request's apply() inside its own SAVEPOINT
//        (ROLLBACK TO on failure), then one COMMIT = one WAL fsync (synchronous=FULL);
//     2. wakes all callers;
//     3. garbage-collects blobs whose last reference went away, and blobs stored for
//        requests that failed, in a short transaction of its own (README.md "Blob GC").
// - If SQLite aborts the whole transaction (disk full, I/O error) or COMMIT fails, every
//   request of the batch fails with ErrorKind::temporary and nothing of it is visible.
// - Idle work (set_idle_task): deferrable work that needs the write lock (the search index)
//   runs on this thread in small units, each its own transaction, only after the queue has
//   been empty for kIdleDelay — requests never wait behind more than one unit — or after every
//   batch while the task reports it is `behind` (its backlog must not grow without bound).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "store/sqlite/blob_store.h"
#include "store/sqlite/db.h"

namespace postroom::store::sqlite {

// What a request's apply() may do besides SQL, all under the write lock.
class WriteContext {
 public:
  WriteContext(Db& db, BlobStore& blobs) : db_(db), blobs_(blobs) {}
  Db& db() { return db_; }
  // Call before a row names a blob: re-checks the file under the write lock (a GC in another
  // process may have removed it since it was staged) and rewrites it if needed.
  Status ensure_blob(std::string_view hash, std::string_view bytes) { return blobs_.ensure_durable(hash, bytes); }
  // Records a blob whose last reference this request removed; its file is deleted after the
  // commit if it is still unreferenced then.
  void release_blob(std::string hash) { released_.push_back(std::move(hash)); }
  std::vector<std::string>& released() { return released_; }

 private:
  Db& db_;
  BlobStore& blobs_;
  std::vector<std::string> released_;
};

struct WriteRequest {
  // Blobs the caller stored for this request; if the request fails, GC checks whether
  // anyone else references them.
  std::vector<std::string> blob_ids;
  // Runs inside the batch transaction, in the request's savepoint. Must not block on other
  // requests. Returning an error rolls back only this request.
  std::function<Status(WriteContext&)> apply;

  // Filled in by the committer.
  Status status = ok_status();
  bool done = false;
};

struct CommitStats {
  std::uint64_t batches = 0;     // metadata transactions committed (= WAL fsyncs)
  std::uint64_t requests = 0;    // requests completed (ok or failed)
  std::uint64_t max_batch = 0;   // largest batch seen
  std::uint64_t dir_fsyncs = 0;  // blob directory fsyncs (by callers and GC rewrites)
  std::uint64_t blob_files = 0;  // blob files written
};

// What an idle unit left: nothing, more (run again when idle), or so much that it should run
// after every batch too.
enum class IdleWork { done, more, behind };
// One bounded unit of deferred work on the writer's connection; it runs (and commits) its own
// transaction. Must be cheap to call when there is nothing to do.
using IdleTask = std::function<IdleWork(Db&)>;

class GroupCommitter {
 public:
  // Quiet time before an idle unit: long enough that units run in the gaps of a load, not
  // between the requests of one; it also caps the units' share of the CPU (a unit is a few
  // ms), so a backlog is worked off without starving the rest of the machine.
  static constexpr int kIdleDelayMs = 50;

  GroupCommitter(std::unique_ptr<Db> db, BlobStore& blobs, int window_us);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;
  // Finishes queued requests, then stops the writer thread.
  ~GroupCommitter();

  Status submit(WriteRequest& request);
  CommitStats stats() const;
  // Installs the idle task (at most one); it first runs once the queue has been quiet for
  // kIdleDelayMs. The task may use objects that outlive this committer only.
  void set_idle_task(IdleTask task);

 private:
  void run();
  void run_idle_unit();
  void process(std::vector<WriteRequest*>& batch);
  void collect_garbage(std::vector<std::string>& candidates);

  std::unique_ptr<Db> db_;
  BlobStore& blobs_;
  const int window_us_;

  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<WriteRequest*> queue_;
  bool stopping_ = false;
  IdleTask idle_task_;
  IdleWork idle_state_ = IdleWork::done;  // writer thread only, after set_idle_task

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> max_batch_{0};

  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace postroom::store::sqlite
