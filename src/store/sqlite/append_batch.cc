// SqliteStore::append_batch: many different messages of one account in one write request.
//
// The caller's thread does the slow, lock-free work first (bodies made durable with phased
// fsyncs, search text extracted); the writer then runs one savepoint with every row, so the
// whole batch costs one WAL commit. The rows go through insert_row and index_document exactly
// as append's do, so every counter, the change log and the index stay in one place.
#include <map>
#include <string>
#include <vector>

#include "store/sqlite/message_rows.h"
#include "store/sqlite/queries.h"
#include "store/sqlite/sqlite_store.h"

namespace postroom::store::sqlite {

Result<std::vector<MessageMeta>> SqliteStore::append_batch(AccountId account, const std::vector<BatchItem>& items) {
  if (items.empty()) {
    return std::vector<MessageMeta>{};
  }
  std::vector<std::string_view> bodies;
  bodies.reserve(items.size());
  std::uint64_t total_bytes = 0;
  for (const BatchItem& item : items) {
    // Checked before any body is written: a bad item must not cost the others' fsyncs.
    if (Status valid = validate_flags(item.message.flags); !valid) {
      return valid.error();
    }
    bodies.push_back(item.message.bytes);
    total_bytes += item.message.bytes.size();
  }
  auto hashes = blobs_->store_many(bodies);
  if (!hashes) {
    return hashes.error();
  }
  // One search document per distinct body (the first item carrying it is indexed), built
  // here so the writer only inserts it.
  std::map<std::string, SearchDocument> documents;
  std::vector<std::string> distinct;
  const std::int64_t now = unix_now();
  std::vector<RowInput> rows(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const NewMessage& message = items[i].message;
    const std::string& hash = (*hashes)[i];
    if (documents.count(hash) == 0) {
      documents.emplace(hash, extract_search_document(message.bytes));
      distinct.push_back(hash);
    }
    RowInput& row = rows[i];
    row.internal_date = message.internal_date != 0 ? message.internal_date : now;
    row.save_date = now;
    row.size = message.bytes.size();
    row.blob_id = hash;
    row.flags = canonical_flags(message.flags);
    row.envelope = message.derived.envelope;
    row.bodystructure = message.derived.bodystructure;
  }
  // `distinct` doubles as the request's blob list: if it fails, GC removes those no row names.
  return write<std::vector<MessageMeta>>(distinct, [&](WriteContext& context) -> Result<std::vector<MessageMeta>> {
    // Quota for the whole batch, under the write lock so concurrent appends cannot both slip
    // under it. insert_row adds to the usage row by row inside this savepoint.
    if (Status fits = check_quota(context.db(), account, total_bytes, items.size()); !fits) {
      return fits.error();
    }
    std::map<std::string, bool> indexed;
    std::vector<MessageMeta> metas;
    metas.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string& hash = rows[i].blob_id;
      bool& seen = indexed[hash];
      if (!seen) {
        // Re-checked under the write lock: a GC may have removed the file since it was stored.
        if (Status present = context.ensure_blob(hash, items[i].message.bytes); !present) {
          return present.error();
        }
      }
      auto meta = insert_row(context, account, items[i].mailbox, rows[i]);
      if (!meta) {
        return meta.error();
      }
      if (!seen) {
        if (Status done = index_document(context.db(), account, hash, documents.at(hash)); !done) {
          return done.error();
        }
        seen = true;
      }
      metas.push_back(std::move(*meta));
    }
    return metas;
  });
}

}  // namespace postroom::store::sqlite
