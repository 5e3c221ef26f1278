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
//     3. queues for garbage collection the blobs whose last reference went away and the
//        blobs stored for requests that failed (README.md "Blob GC").
// - Blob GC (one unlink costs ~3 ms on a slow disk, so a 60-message expunge would wait
//   ~0.2 s for them): queued blobs are checked and unlinked later, in short transactions of
//   their own, whenever no request is queued; a request arriving meanwhile waits for at most
//   one unlink. Past kGcBacklogFiles queued blobs a bounded unit also runs after every batch.
//   The destructor finishes the queue. A crash leaves the queued files as harmless orphans.
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
  std::uint64_t batches = 0;             // metadata transactions committed (= WAL fsyncs)
  std::uint64_t requests = 0;            // requests completed (ok or failed)
  std::uint64_t max_batch = 0;           // largest batch seen
  std::uint64_t dir_fsyncs = 0;          // blob directory fsyncs (by callers and GC rewrites)
  std::uint64_t blob_files = 0;          // blob files written
  std::uint64_t blob_files_removed = 0;  // blob files unlinked by GC
  std::uint64_t gc_pending = 0;          // blobs queued for GC, not checked yet
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
  // Queued blobs beyond which GC also runs after every batch (in units of kGcUnitFiles, so a
  // batch waits ~0.2 s at most): bounds the queue under a load that never leaves the writer
  // idle.
  static constexpr std::size_t kGcBacklogFiles = 4096;
  static constexpr std::size_t kGcUnitFiles = 64;

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

  // For tests and tools. Blocks until every blob queued for GC so far has been checked (and
  // unlinked if unreferenced); never returns while GC is paused.
  void wait_for_gc();
  // While paused, queued blobs stay queued (the destructor still finishes them); shows that
  // callers never wait for unlinks.
  void pause_gc(bool paused);

 private:
  enum class Step { batch, gc, idle, recheck, stop };
  // Decides what the writer does next, waiting if there is nothing to do yet.
  Step next_step(std::unique_lock<std::mutex>& lock, bool idle_checked);
  void run();
  void run_idle_unit();
  // Runs the batch; returns the blobs to queue for GC.
  std::vector<std::string> process(std::vector<WriteRequest*>& batch);
  // Checks and unlinks up to `max_files` queued blobs in one write transaction; with
  // `yield`, stops early (after one unlink at least) once a request is waiting.
  void collect_garbage(std::size_t max_files, bool yield);
  bool requests_waiting();

  std::unique_ptr<Db> db_;
  BlobStore& blobs_;
  const int window_us_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<WriteRequest*> queue_;
  bool stopping_ = false;
  IdleTask idle_task_;
  IdleWork idle_state_ = IdleWork::done;  // writer thread only, after set_idle_task
  std::vector<std::string> garbage_;      // blobs queued for GC (README.md "Blob GC")
  bool gc_paused_ = false;

  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> max_batch_{0};
  std::atomic<std::uint64_t> blobs_removed_{0};

  std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace postroom::store::sqlite
