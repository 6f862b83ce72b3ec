// Vector stores kept in Redis/Valkey (backend_type valkey), so they survive restarts and every
// router replica serves the same stores. Plain hashes, no search module needed (Debian's
// redis-server has none): searches stay in each router's memory, which mirrors Redis.
//   <prefix>stores             id -> store JSON
//   <prefix>files:<store>      vsf id -> attached-file JSON
//   <prefix>chunks:<store>     chunk id -> {id, file_id, filename, content, chunk_index}
//   <prefix>vectors:<store>    chunk id -> embedding as float32 bytes
//   <prefix>version            bumped after every change; replicas reload when it moves
// Synchronous (hiredis): used from the router API's thread, the ingestion workers and the
// service's sync thread, never from the request path.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "redis/client.h"
#include "vectorstore/persistence.h"

namespace vsr::vectorstore {

class RedisPersistence final : public Persistence {
 public:
  // Connects (two connections: writes, and the sync thread's reads); null with `error`.
  static std::unique_ptr<RedisPersistence> Connect(const redis::Endpoint& endpoint,
                                                   std::string prefix, std::string& error);

  bool SaveStore(const VectorStore& s, std::string& error) override;
  bool DeleteStore(const std::string& id, std::string& error) override;
  bool SaveFile(const VectorStoreFile& f, std::string& error) override;
  bool DeleteFile(const VectorStoreFile& f, const std::vector<std::string>& chunk_ids,
                  std::string& error) override;
  bool InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                    std::string& error) override;
  bool shared() const override { return true; }
  // Marks a change; returns the new version (nullopt when Redis is unreachable).
  std::optional<long long> Bump(std::string& error) override;
  // The current version (sync thread's connection).
  std::optional<long long> Version(std::string& error) override;
  // Everything (sync thread's connection).
  bool Load(StoreMap& out, std::string& error) override;
  std::string name() const override { return name_; }

 private:
  RedisPersistence(std::unique_ptr<redis::Client> writer, std::unique_ptr<redis::Client> reader,
                   std::string prefix);
  bool Run(const std::vector<std::string_view>& args, std::string& error);

  std::string prefix_, name_;
  std::mutex write_mu_;
  std::unique_ptr<redis::Client> writer_;
  std::mutex read_mu_;
  std::unique_ptr<redis::Client> reader_;
};

}  // namespace vsr::vectorstore
