// Vector store records in PostgreSQL (global.stores.vector_store.metadata_store: postgres), in
// upstream's registry table (vector_store_registry unless metadata_postgres.table_name says
// otherwise: id, name, created_at, status, backend_type, the file counts, the expiry policy
// flattened to anchor and days, metadata as JSONB), so a store's name, metadata and expiry
// survive a restart whatever backend keeps its chunks, and upstream's router reads the same
// rows. Uploaded files' records also go to upstream's file_registry table (id, bytes,
// created_at, filename, purpose, status); their content stays in file_storage_dir, which stays
// the router's own index of them.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "postgres/client.h"
#include "vectorstore/types.h"

namespace vsr::vectorstore {

class PostgresRegistry {
 public:
  // Connects and creates the table when missing; null with `error`.
  static std::unique_ptr<PostgresRegistry> Open(const postgres::Endpoint& endpoint,
                                                const std::string& table, std::string& error);

  std::string name() const { return client_->name() + " table " + table_; }
  bool Save(const VectorStore& s, std::string& error);  // insert or update
  bool Delete(const std::string& id, std::string& error);
  bool List(std::vector<VectorStore>& out, std::string& error);
  bool SaveFile(const FileRecord& f, std::string& error);  // insert or update
  bool DeleteFile(const std::string& id, std::string& error);

 private:
  PostgresRegistry(std::unique_ptr<postgres::Client> client, std::string table)
      : client_(std::move(client)), table_(std::move(table)) {}

  std::mutex mu_;  // one connection: the API thread, workers and the sync thread take turns
  std::unique_ptr<postgres::Client> client_;
  std::string table_;
};

}  // namespace vsr::vectorstore
