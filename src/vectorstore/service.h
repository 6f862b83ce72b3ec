// The vector store service behind upstream's Files and Vector Stores APIs and rag's
// `backend: vectorstore` (global.stores.vector_store): stores, uploaded files, attached files
// ingested in the background (text extracted, chunked, embedded, indexed) and searched in
// memory. backend_type memory keeps stores in this process (lost on restart, as upstream);
// valkey keeps them in Redis/Valkey too (redis_persistence.h), shared by every replica, each of
// which reloads within sync_interval of another's change; milvus keeps the chunks in Milvus
// collections laid out as upstream's (milvus_persistence.h); llama_stack keeps them in a Llama
// Stack server, which searches them (llama_stack_persistence.h). With metadata_store postgres the
// stores' records (name, metadata, expiry, counts) are also kept in upstream's PostgreSQL
// registry table (postgres_registry.h), which wins over what the backend keeps.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "postgres/client.h"
#include "redis/client.h"
#include "vectorstore/file_store.h"
#include "vectorstore/llama_stack_persistence.h"
#include "vectorstore/persistence.h"
#include "vectorstore/postgres_registry.h"
#include "vectorstore/types.h"

namespace vsr::vectorstore {

struct ServiceOptions {
  std::string backend_type = "memory";  // what stores report; valkey needs `redis`
  std::string file_storage_dir = "/var/lib/vsr/data";
  size_t max_file_bytes = 50u << 20;
  std::vector<std::string> supported_formats = {".txt", ".md", ".json", ".csv", ".html"};
  int ingestion_workers = 2;
  size_t queue_size = 100;  // attached files waiting; beyond, attaching fails (queue_full)
  size_t max_entries_per_store = 100000;
  std::optional<redis::Endpoint> redis;
  std::string redis_prefix = "vsr_vs_";
  // backend_type milvus: Milvus's address (host:port) and the prefix of its collections.
  std::string milvus_address;
  std::string milvus_prefix = "vsr_vs_";
  // backend_type llama_stack: the server and how it is searched.
  std::optional<LlamaStackOptions> llama_stack;
  // metadata_store postgres: where the stores' records are kept, and the table.
  std::optional<postgres::Endpoint> metadata_postgres;
  std::string metadata_table = "vector_store_registry";
  std::chrono::milliseconds sync_interval{1000};
};

enum class ErrorKind { kInvalid, kNotFound, kUnavailable, kInternal };
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
};

template <class T>
struct Result {
  std::optional<T> value;
  Error error;
  explicit operator bool() const { return value.has_value(); }
  static Result Fail(ErrorKind kind, std::string message) {
    return Result{std::nullopt, Error{kind, std::move(message)}};
  }
};

struct StorePatch {
  std::optional<std::string> name;
  std::optional<boost::json::object> expires_after, metadata;
};

class VectorStoreService {
 public:
  using Embed = std::function<std::vector<float>(const std::string&)>;
  using Log = std::function<void(const std::string&)>;

  // Opens the file store (and Redis, loading what it holds); null with `error`. `embed` may be
  // empty (no embedding model): files upload, but ingestion and search fail saying why.
  static std::shared_ptr<VectorStoreService> Open(ServiceOptions options, Embed embed, Log log,
                                                  std::string& error);
  ~VectorStoreService();
  VectorStoreService(const VectorStoreService&) = delete;
  VectorStoreService& operator=(const VectorStoreService&) = delete;

  const ServiceOptions& options() const { return options_; }
  bool can_embed() const { return static_cast<bool>(embed_); }
  FileStore& files() { return *files_; }
  std::string description() const;

  Result<VectorStore> CreateStore(const std::string& name, const StorePatch& extra);
  Result<VectorStore> GetStore(const std::string& id) const;
  // Newest first unless order is "asc"; after: the id the previous page ended with; limit
  // 1..100 (default 20).
  std::vector<VectorStore> ListStores(int limit, const std::string& order,
                                      const std::string& after) const;
  Result<VectorStore> UpdateStore(const std::string& id, const StorePatch& patch);
  std::optional<Error> DeleteStore(const std::string& id);

  // Queues the file's ingestion; the answer says in_progress (or failed: queue_full).
  Result<VectorStoreFile> AttachFile(const std::string& store_id, const std::string& file_id,
                                     const std::optional<ChunkingStrategy>& strategy);
  std::vector<VectorStoreFile> ListFiles(const std::string& store_id) const;
  std::optional<Error> DetachFile(const std::string& store_id, const std::string& vsf_id);

  // The id of the store named `id_or_name` (its id, else the one store with that name).
  std::optional<std::string> Resolve(const std::string& id_or_name) const;
  // Chunks of the store most similar to `query_embedding` (rag, on the request path: no I/O);
  // with `hybrid`, hybrid search of `query_text` (collection.h).
  Result<std::vector<SearchResult>> Search(const std::string& store_id,
                                           const std::vector<float>& query_embedding, size_t top_k,
                                           double threshold,
                                           const std::vector<std::string>& file_ids,
                                           const HybridOptions* hybrid = nullptr,
                                           std::string_view query_text = {}) const;
  // The same for a question, embedded here (the search API); with `hybrid`, hybrid search
  // (collection.h). With llama_stack, Llama Stack searches (a blocking call; `hybrid` is its
  // search_type).
  Result<std::vector<SearchResult>> SearchText(const std::string& store_id,
                                               const std::string& query, size_t top_k,
                                               double threshold,
                                               const std::vector<std::string>& file_ids,
                                               const HybridOptions* hybrid = nullptr) const;
  // backend_type llama_stack: stores are searched there, by the question's text — on the
  // request path as a call the request makes (RemoteSearchCall, no I/O), then its reply read.
  bool searches_remotely() const { return persistence_ && persistence_->searches_remotely(); }
  Result<RemoteSearch> RemoteSearchCall(const std::string& store_id, const std::string& query,
                                        size_t top_k,
                                        const std::vector<std::string>& file_ids) const;
  Result<std::vector<SearchResult>> ReadRemoteSearch(const boost::json::value& reply,
                                                     double threshold) const;

 private:
  struct Job {
    std::string vsf_id, store_id, file_id;
    std::optional<ChunkingStrategy> strategy;
  };
  VectorStoreService(ServiceOptions options, Embed embed, Log log);
  VectorStore WithCounts(const StoreState& s) const;
  bool Exists(const std::string& id) const;
  void Worker();
  void Ingest(const Job& job);
  void SetStatus(const Job& job, const std::string& status, std::optional<FileError> error);
  void SyncLoop();
  // The store's record, counts included, into the registry (when there is one).
  void SaveRecord(const std::string& store_id);
  // After a change written to a shared store: bump the version, and skip our own reload when no
  // one else changed anything in between.
  void Published();

  ServiceOptions options_;
  Embed embed_;
  Log log_;
  std::unique_ptr<FileStore> files_;
  std::unique_ptr<Persistence> persistence_;    // null: backend_type memory
  std::unique_ptr<PostgresRegistry> registry_;  // null: metadata_store memory

  mutable std::shared_mutex mu_;
  StoreMap stores_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  std::condition_variable stop_cv_;  // wakes the sync thread to stop
  std::atomic<long long> seen_version_{0};
  std::thread sync_;
};

}  // namespace vsr::vectorstore
