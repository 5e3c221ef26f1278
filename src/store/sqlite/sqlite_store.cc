// Opening the store, and domains.
#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "store/sqlite/names.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/search_index.h"

namespace postroom::store::sqlite {
namespace {

// Long enough to ride out another process's group commit (the CLI next to the daemon), short
// enough that a stuck lock surfaces as a temporary error rather than a hang.
constexpr int kBusyTimeoutMs = 10000;
// Idle read connections kept; readers beyond this open and close their own. Above the
// storage pool's default size (16): a connection opened per read re-reads the schema and
// maps and unmaps the file (munmap and page faults were ~10% of IMAP CPU at 8).
constexpr std::size_t kMaxIdleReaders = 32;

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  if (options.data_dir.empty()) {
    return make_error(ErrorKind::permanent, "sqlite store: data_dir is empty");
  }
  if (::mkdir(options.data_dir.c_str(), 0750) != 0 && errno != EEXIST) {
    return make_error(ErrorKind::temporary, "mkdir " + options.data_dir + ": " + std::strerror(errno));
  }
  auto blobs = std::make_unique<BlobStore>(options.data_dir);
  if (Status ready = blobs->init(); !ready) {
    return ready.error();
  }
  std::string db_path = options.data_dir + "/postroom.db";
  auto writer = Db::open(db_path, kBusyTimeoutMs);
  if (!writer) {
    return writer.error();
  }
  if (Status migrated = migrate(**writer); !migrated) {
    return migrated.error();
  }
  auto committer = std::make_unique<GroupCommitter>(std::move(*writer), *blobs, options.group_commit_window_us);
  // Appends queue their search documents and expunges their removals; the writer does both
  // when it is idle. The blob store outlives the committer (members are destroyed in reverse
  // order).
  committer->set_idle_task([blobs = blobs.get()](Db& db) { return run_search_idle_unit(db, *blobs); });
  auto readers = std::make_unique<ReaderPool>(db_path, kBusyTimeoutMs, kMaxIdleReaders);
  log::info("store.sqlite.open", {{"path", db_path}, {"schema", latest_schema_version()}});
  auto store =
      std::unique_ptr<SqliteStore>(new SqliteStore(std::move(blobs), std::move(committer), std::move(readers)));
  if (Status indexed = store->backfill_search_index(); !indexed) {
    return indexed.error();
  }
  return store;
}

Result<Domain> SqliteStore::add_domain(std::string_view name) {
  auto normalized = normalize_domain(name);
  if (!normalized) {
    return normalized.error();
  }
  return write<Domain>({}, [&](WriteContext& context) -> Result<Domain> {
    Db& db = context.db();
    auto stmt = db.prepare("INSERT INTO domains(name) VALUES(?1)");
    if (!stmt) {
      return stmt.error();
    }
    stmt->bind(1, *normalized);
    if (Status ran = stmt->run(); !ran) {
      if (ran.error().kind == ErrorKind::exists) {
        return make_error(ErrorKind::exists, "domain exists: " + *normalized);
      }
      return ran.error();
    }
    return Domain{db.last_insert_rowid(), *normalized};
  });
}

Result<std::vector<Domain>> SqliteStore::list_domains() {
  return read<std::vector<Domain>>([](Db& db) -> Result<std::vector<Domain>> {
    auto stmt = db.prepare("SELECT id, name FROM domains ORDER BY name");
    if (!stmt) {
      return stmt.error();
    }
    std::vector<Domain> domains;
    while (true) {
      auto row = stmt->step();
      if (!row) {
        return row.error();
      }
      if (!*row) {
        break;
      }
      domains.push_back(Domain{stmt->column_int(0), stmt->column_text(1)});
    }
    return domains;
  });
}

Status SqliteStore::delete_domain(std::string_view name) {
  auto normalized = normalize_domain(name);
  if (!normalized) {
    return normalized.error();
  }
  return write<Ok>({}, [&](WriteContext& context) -> Status {
    Db& db = context.db();
    auto id = domain_id(db, *normalized);
    if (!id) {
      return id.error();
    }
    auto in_use = db.prepare(
        "SELECT EXISTS(SELECT 1 FROM accounts WHERE domain_id = ?1) "
        "OR EXISTS(SELECT 1 FROM aliases WHERE domain_id = ?1)");
    if (!in_use) {
      return in_use.error();
    }
    in_use->bind(1, *id);
    auto row = in_use->step();
    if (!row) {
      return row.error();
    }
    if (in_use->column_int(0) != 0) {
      return make_error(ErrorKind::exists, "domain still has accounts or aliases: " + *normalized);
    }
    auto erase = db.prepare("DELETE FROM domains WHERE id = ?1");
    if (!erase) {
      return erase.error();
    }
    erase->bind(1, *id);
    return erase->run();
  });
}

}  // namespace postroom::store::sqlite

namespace postroom::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto store = sqlite::SqliteStore::open(options);
  if (!store) {
    return store.error();
  }
  return std::unique_ptr<Store>(std::move(*store));
}

}  // namespace postroom::store
