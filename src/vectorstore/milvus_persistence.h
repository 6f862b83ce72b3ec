// Chunks in Milvus (backend_type milvus), one collection per store as upstream's Milvus backend
// lays them out: <prefix><store id> (prefix default vsr_vs_) with id (primary), file_id,
// filename, content, embedding (the embedding model's dimension), chunk_index and created_at
// (Unix seconds), an HNSW index over inner product — so upstream's router can search what this
// one ingested and the reverse. A collection is made with the store's first chunks. Searches
// stay in each router's memory, which Milvus fills at start: a store comes back from its
// collection (named by its id, every file in it completed); its name and metadata are not kept
// (upstream keeps those in its metadata registry). At most 16,384 chunks a store are read back
// (Milvus's query window). Over Milvus's REST API (src/milvus).
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "milvus/rest.h"
#include "vectorstore/persistence.h"

namespace vsr::vectorstore {

class MilvusPersistence final : public Persistence {
 public:
  MilvusPersistence(const std::string& address, std::string prefix);

  std::string name() const override;
  bool SaveStore(const VectorStore& s, std::string& error) override;
  bool DeleteStore(const std::string& id, std::string& error) override;
  bool SaveFile(const VectorStoreFile& f, std::string& error) override;
  bool DeleteFile(const VectorStoreFile& f, const std::vector<std::string>& chunk_ids,
                  std::string& error) override;
  bool InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                    std::string& error) override;
  bool Load(StoreMap& out, std::string& error) override;

 private:
  std::string CollectionOf(const std::string& store) const { return prefix_ + store; }
  // Makes the store's collection for `dimension`-long vectors unless it exists.
  bool Ensure(const std::string& store, size_t dimension, std::string& error);

  milvus::Rest rest_;
  std::string prefix_;
  std::mutex mu_;
  std::set<std::string> known_;  // collections seen to exist
};

}  // namespace vsr::vectorstore
