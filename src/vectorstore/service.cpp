#include "vectorstore/service.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/strings.h"
#include "common/unix_time.h"
#include "vectorstore/chunking.h"
#include "vectorstore/milvus_persistence.h"
#include "vectorstore/redis_persistence.h"
#include "vectorstore/text_extract.h"

namespace vsr::vectorstore {

namespace {

Error NotFound(const std::string& what, const std::string& id) {
  return Error{ErrorKind::kNotFound, what + " not found: " + id};
}

Error Unavailable(const std::string& what, const std::string& why) {
  return Error{ErrorKind::kUnavailable, what + ": " + why};
}

}  // namespace

std::shared_ptr<VectorStoreService> VectorStoreService::Open(ServiceOptions options, Embed embed,
                                                             Log log, std::string& error) {
  auto service = std::shared_ptr<VectorStoreService>(
      new VectorStoreService(std::move(options), std::move(embed), std::move(log)));
  const ServiceOptions& o = service->options_;
  service->files_ = FileStore::Open(o.file_storage_dir, error);
  if (!service->files_) return nullptr;
  if (o.redis) {
    service->persistence_ = RedisPersistence::Connect(*o.redis, o.redis_prefix, error);
    if (!service->persistence_) {
      error = o.backend_type + " at " + o.redis->host + ":" + std::to_string(o.redis->port) + ": " +
              error;
      return nullptr;
    }
  } else if (!o.milvus_address.empty()) {
    service->persistence_ = std::make_unique<MilvusPersistence>(o.milvus_address, o.milvus_prefix);
  } else if (o.llama_stack) {
    service->persistence_ = std::make_unique<LlamaStackPersistence>(*o.llama_stack);
  }
  if (Persistence* p = service->persistence_.get()) {
    const std::optional<long long> version = p->Version(error);
    if (!version || !p->Load(service->stores_, error)) return nullptr;
    service->seen_version_ = *version;
  }
  if (o.metadata_postgres) {
    service->registry_ = PostgresRegistry::Open(*o.metadata_postgres, o.metadata_table, error);
    std::vector<VectorStore> records;
    if (!service->registry_ || !service->registry_->List(records, error)) {
      error = "metadata_postgres: " + error;
      return nullptr;
    }
    // The registry's record of each store wins; a store the backend kept no chunks of comes
    // back empty.
    for (VectorStore& r : records) service->stores_[r.id].meta = std::move(r);
    // Uploaded files: the registry gets the records of those uploaded before it was configured,
    // then each change.
    PostgresRegistry* registry = service->registry_.get();
    for (const FileRecord& f : service->files_->List()) {
      if (!registry->SaveFile(f, error)) {
        error = "metadata_postgres: " + error;
        return nullptr;
      }
    }
    service->files_->Observe([registry, log = service->log_](const FileRecord& f, bool deleted) {
      std::string e;
      if (!(deleted ? registry->DeleteFile(f.id, e) : registry->SaveFile(f, e)) && log) {
        log("vector store: cannot record file " + f.id + " in " + registry->name() + ": " + e);
      }
    });
  }
  // Started once the stores are read (the registry's records applied): it replaces them.
  if (service->persistence_ && service->persistence_->shared()) {
    service->sync_ = std::thread([s = service.get()] { s->SyncLoop(); });
  }
  for (int i = 0; i < std::max(1, o.ingestion_workers); ++i) {
    service->workers_.emplace_back([s = service.get()] { s->Worker(); });
  }
  return service;
}

VectorStoreService::VectorStoreService(ServiceOptions options, Embed embed, Log log)
    : options_(std::move(options)), embed_(std::move(embed)), log_(std::move(log)) {}

VectorStoreService::~VectorStoreService() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  stop_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  if (sync_.joinable()) sync_.join();
}

std::string VectorStoreService::description() const {
  std::string d = options_.backend_type;
  if (persistence_) d += " (" + persistence_->name() + ")";
  std::shared_lock lock(mu_);
  return d + ", " + std::to_string(stores_.size()) + " store(s), files in " + files_->dir();
}

VectorStore VectorStoreService::WithCounts(const StoreState& s) const {
  VectorStore out = s.meta;
  out.file_counts = {};
  for (const auto& [id, f] : s.files) {
    ++out.file_counts.total;
    if (f.status == "completed") ++out.file_counts.completed;
    if (f.status == "failed") ++out.file_counts.failed;
    if (f.status == "in_progress") ++out.file_counts.in_progress;
  }
  return out;
}

void VectorStoreService::Published() {
  if (!persistence_ || !persistence_->shared()) return;
  std::string error;
  const std::optional<long long> v = persistence_->Bump(error);
  if (!v) {
    if (log_) log_("vector store: cannot mark a change in " + persistence_->name() + ": " + error);
    return;
  }
  long long expected = *v - 1;
  seen_version_.compare_exchange_strong(expected, *v);
}

Result<VectorStore> VectorStoreService::CreateStore(const std::string& name,
                                                    const StorePatch& extra) {
  StoreState state;
  state.meta.id = NewId("vs_");
  state.meta.name = name;
  state.meta.created_at = UnixSeconds();
  state.meta.expires_after = extra.expires_after;
  state.meta.metadata = extra.metadata;
  state.meta.backend_type = options_.backend_type;
  std::string error;
  if ((persistence_ && !persistence_->SaveStore(state.meta, error)) ||
      (registry_ && !registry_->Save(state.meta, error))) {
    return Result<VectorStore>::Fail(ErrorKind::kUnavailable,
                                     "failed to create vector store: " + error);
  }
  const VectorStore out = WithCounts(state);
  {
    std::unique_lock lock(mu_);
    stores_.emplace(state.meta.id, std::move(state));
  }
  Published();
  return {out, {}};
}

Result<VectorStore> VectorStoreService::GetStore(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(id);
  if (it == stores_.end()) return {std::nullopt, NotFound("vector store", id)};
  return {WithCounts(it->second), {}};
}

std::vector<VectorStore> VectorStoreService::ListStores(int limit, const std::string& order,
                                                        const std::string& after) const {
  if (limit <= 0) limit = 20;
  limit = std::min(limit, 100);
  std::vector<VectorStore> all;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, s] : stores_) all.push_back(WithCounts(s));
  }
  const bool asc = order == "asc";
  std::stable_sort(all.begin(), all.end(), [asc](const VectorStore& a, const VectorStore& b) {
    return asc ? a.created_at < b.created_at : a.created_at > b.created_at;
  });
  size_t start = 0;
  if (!after.empty()) {
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].id == after) start = i + 1;
    }
  }
  std::vector<VectorStore> page;
  for (size_t i = start; i < all.size() && page.size() < static_cast<size_t>(limit); ++i) {
    page.push_back(all[i]);
  }
  return page;
}

Result<VectorStore> VectorStoreService::UpdateStore(const std::string& id,
                                                    const StorePatch& patch) {
  VectorStore updated;
  {
    std::unique_lock lock(mu_);
    auto it = stores_.find(id);
    if (it == stores_.end()) return {std::nullopt, NotFound("vector store", id)};
    VectorStore& m = it->second.meta;
    if (patch.name) m.name = *patch.name;
    if (patch.expires_after) m.expires_after = patch.expires_after;
    if (patch.metadata) m.metadata = patch.metadata;
    updated = WithCounts(it->second);
  }
  std::string error;
  if ((persistence_ && !persistence_->SaveStore(updated, error)) ||
      (registry_ && !registry_->Save(updated, error))) {
    return Result<VectorStore>::Fail(ErrorKind::kUnavailable,
                                     "failed to save vector store: " + error);
  }
  Published();
  return {updated, {}};
}

std::optional<Error> VectorStoreService::DeleteStore(const std::string& id) {
  if (!Exists(id)) return NotFound("vector store", id);
  std::string error;
  if ((persistence_ && !persistence_->DeleteStore(id, error)) ||
      (registry_ && !registry_->Delete(id, error))) {
    return Unavailable("failed to delete vector store", error);
  }
  {
    std::unique_lock lock(mu_);
    stores_.erase(id);
  }
  Published();
  return std::nullopt;
}

Result<VectorStoreFile> VectorStoreService::AttachFile(
    const std::string& store_id, const std::string& file_id,
    const std::optional<ChunkingStrategy>& strategy) {
  if (!files_->Get(file_id)) {
    return Result<VectorStoreFile>::Fail(ErrorKind::kInvalid, "file not found: " + file_id);
  }
  VectorStoreFile f;
  f.id = NewId("vsf_");
  f.vector_store_id = store_id;
  f.file_id = file_id;
  f.chunking_strategy = strategy;
  f.created_at = UnixSeconds();
  {
    // In the store before the job is queued: a worker may take it at once.
    std::unique_lock lock(mu_);
    auto it = stores_.find(store_id);
    if (it == stores_.end()) {
      return Result<VectorStoreFile>::Fail(ErrorKind::kInvalid,
                                           "vector store not found: " + store_id);
    }
    it->second.files[f.id] = f;
  }
  // Saved before a worker can save its outcome over it.
  const auto save = [&] {
    std::string error;
    if (persistence_ && !persistence_->SaveFile(f, error) && log_) {
      log_("vector store: cannot save the status of " + f.id + " in " + persistence_->name() +
           ": " + error);
    }
  };
  save();
  bool queued = false;
  {
    std::lock_guard lock(queue_mu_);
    if (queue_.size() < options_.queue_size) {
      queue_.push_back({f.id, store_id, file_id, strategy});
      queued = true;
    }
  }
  if (!queued) {
    f.status = "failed";
    f.last_error = FileError{"queue_full", "ingestion queue is full, try again later"};
    std::unique_lock lock(mu_);
    auto it = stores_.find(store_id);
    if (it != stores_.end() && it->second.files.contains(f.id)) it->second.files[f.id] = f;
    lock.unlock();
    save();
  }
  Published();
  SaveRecord(store_id);
  if (queued) queue_cv_.notify_one();
  return {f, {}};
}

std::vector<VectorStoreFile> VectorStoreService::ListFiles(const std::string& store_id) const {
  std::vector<VectorStoreFile> out;
  std::shared_lock lock(mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end()) return out;
  for (const auto& [id, f] : it->second.files) out.push_back(f);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
  return out;
}

std::optional<Error> VectorStoreService::DetachFile(const std::string& store_id,
                                                    const std::string& vsf_id) {
  VectorStoreFile f;
  std::vector<std::string> chunk_ids;
  {
    std::unique_lock lock(mu_);
    auto it = stores_.find(store_id);
    if (it == stores_.end()) return NotFound("vector store", store_id);
    auto fit = it->second.files.find(vsf_id);
    if (fit == it->second.files.end()) return NotFound("vector store file", vsf_id);
    f = fit->second;
    it->second.files.erase(fit);
    // Another attachment of the same file keeps its chunks (they share ids).
    bool attached_again = false;
    for (const auto& [id, other] : it->second.files) attached_again |= other.file_id == f.file_id;
    if (!attached_again) chunk_ids = it->second.chunks.EraseFile(f.file_id);
  }
  std::string error;
  if (persistence_ && !persistence_->DeleteFile(f, chunk_ids, error)) {
    return Unavailable("failed to delete chunks", error);
  }
  Published();
  SaveRecord(store_id);
  return std::nullopt;
}

bool VectorStoreService::Exists(const std::string& id) const {
  std::shared_lock lock(mu_);
  return stores_.contains(id);
}

std::optional<std::string> VectorStoreService::Resolve(const std::string& id_or_name) const {
  std::shared_lock lock(mu_);
  if (stores_.contains(id_or_name)) return id_or_name;
  std::optional<std::string> found;
  for (const auto& [id, s] : stores_) {
    if (s.meta.name != id_or_name) continue;
    if (found) return std::nullopt;  // ambiguous: two stores with that name
    found = id;
  }
  return found;
}

Result<std::vector<SearchResult>> VectorStoreService::Search(
    const std::string& store_id, const std::vector<float>& query_embedding, size_t top_k,
    double threshold, const std::vector<std::string>& file_ids, const HybridOptions* hybrid,
    std::string_view query_text) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end()) return {std::nullopt, NotFound("vector store", store_id)};
  const Collection& chunks = it->second.chunks;
  return {hybrid != nullptr ? chunks.HybridSearch(query_embedding, query_text, top_k, threshold,
                                                  file_ids, *hybrid)
                            : chunks.Search(query_embedding, top_k, threshold, file_ids),
          {}};
}

Result<std::vector<SearchResult>> VectorStoreService::SearchText(
    const std::string& store_id, const std::string& query, size_t top_k, double threshold,
    const std::vector<std::string>& file_ids, const HybridOptions* hybrid) const {
  if (searches_remotely()) {
    if (!Exists(store_id)) return {std::nullopt, NotFound("vector store", store_id)};
    Result<RemoteSearch> call = RemoteSearchCall(store_id, query, top_k, file_ids);
    if (!call) return {std::nullopt, call.error};
    boost::json::value reply;
    std::string error;
    if (!SendSearch(*call.value, reply, error)) {
      return Result<std::vector<SearchResult>>::Fail(
          ErrorKind::kUnavailable, "search in " + persistence_->name() + ": " + error);
    }
    return ReadRemoteSearch(reply, threshold);
  }
  if (!embed_) {
    return Result<std::vector<SearchResult>>::Fail(ErrorKind::kUnavailable,
                                                   "no embedding model is loaded");
  }
  // Checked before the embedding (a forward pass) is computed for nothing.
  if (!Exists(store_id)) return {std::nullopt, NotFound("vector store", store_id)};
  return Search(store_id, embed_(query), top_k, threshold, file_ids, hybrid, query);
}

Result<RemoteSearch> VectorStoreService::RemoteSearchCall(
    const std::string& store_id, const std::string& query, size_t top_k,
    const std::vector<std::string>& file_ids) const {
  std::string error;
  std::optional<RemoteSearch> call =
      persistence_ ? persistence_->SearchCall(store_id, query, top_k, file_ids, error)
                   : std::nullopt;
  if (!call) return Result<RemoteSearch>::Fail(ErrorKind::kNotFound, error);
  return {std::move(call), {}};
}

Result<std::vector<SearchResult>> VectorStoreService::ReadRemoteSearch(
    const boost::json::value& reply, double threshold) const {
  std::vector<SearchResult> out;
  std::string error;
  if (!persistence_ || !persistence_->ReadSearch(reply, threshold, out, error))
    return Result<std::vector<SearchResult>>::Fail(ErrorKind::kUnavailable, error);
  return {std::move(out), {}};
}

void VectorStoreService::Worker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Ingest(job);
  }
}

void VectorStoreService::Ingest(const Job& job) {
  const std::optional<FileRecord> record = files_->Get(job.file_id);
  std::string error;
  const std::optional<std::string> content =
      record ? files_->Read(job.file_id, error) : std::nullopt;
  if (!content) {
    SetStatus(job, "failed",
              FileError{"read_error", "failed to read file: " +
                                          (record ? error : "file not found: " + job.file_id)});
    return;
  }
  std::string text;
  if (!ExtractText(*content, record->filename, text, error)) {
    SetStatus(job, "failed", FileError{"parse_error", "failed to extract text: " + error});
    return;
  }
  const std::vector<TextChunk> pieces = ChunkText(text, job.strategy ? &*job.strategy : nullptr);
  if (pieces.empty()) {
    SetStatus(job, "failed", FileError{"empty_content", "file produced no text chunks"});
    return;
  }
  if (!embed_) {
    SetStatus(job, "failed",
              FileError{"embedding_error", "no embedding model is loaded (see the router log)"});
    return;
  }
  std::vector<Chunk> chunks;
  for (const TextChunk& piece : pieces) {
    Chunk c;
    c.id = job.file_id + "_chunk_" + std::to_string(piece.chunk_index);
    c.file_id = job.file_id;
    c.filename = record->filename;
    c.content = piece.content;
    c.chunk_index = piece.chunk_index;
    c.embedding = embed_(piece.content);
    if (c.embedding.empty()) {
      SetStatus(job, "failed",
                FileError{"embedding_error",
                          "failed to embed chunk " + std::to_string(piece.chunk_index)});
      return;
    }
    Normalize(c.embedding);
    chunks.push_back(std::move(c));
  }
  {
    std::shared_lock lock(mu_);
    auto it = stores_.find(job.store_id);
    if (it == stores_.end() || !it->second.files.contains(job.vsf_id)) return;  // gone meanwhile
    if (it->second.chunks.size() + chunks.size() > options_.max_entries_per_store) {
      lock.unlock();
      SetStatus(
          job, "failed",
          FileError{"storage_error", "failed to store chunks: collection " + job.store_id +
                                         " has reached maximum entries (" +
                                         std::to_string(options_.max_entries_per_store) + ")"});
      return;
    }
  }
  if (persistence_ && !persistence_->InsertChunks(job.store_id, chunks, error)) {
    SetStatus(job, "failed", FileError{"storage_error", "failed to store chunks: " + error});
    return;
  }
  {
    std::unique_lock lock(mu_);
    auto it = stores_.find(job.store_id);
    if (it == stores_.end()) return;
    for (Chunk& c : chunks) it->second.chunks.Put(std::move(c));
  }
  SetStatus(job, "completed", std::nullopt);
}

void VectorStoreService::SetStatus(const Job& job, const std::string& status,
                                   std::optional<FileError> error) {
  VectorStoreFile updated;
  {
    std::unique_lock lock(mu_);
    auto it = stores_.find(job.store_id);
    if (it == stores_.end()) return;
    auto fit = it->second.files.find(job.vsf_id);
    if (fit == it->second.files.end()) return;
    fit->second.status = status;
    fit->second.last_error = std::move(error);
    updated = fit->second;
  }
  if (updated.last_error && log_) {
    log_("vector store: " + job.file_id + " in " + job.store_id + " failed (" +
         updated.last_error->code + "): " + updated.last_error->message);
  }
  std::string save_error;
  if (persistence_ && !persistence_->SaveFile(updated, save_error) && log_) {
    log_("vector store: cannot save the status of " + updated.id + ": " + save_error);
  }
  Published();
  SaveRecord(job.store_id);
}

void VectorStoreService::SaveRecord(const std::string& store_id) {
  if (!registry_) return;
  VectorStore record;
  {
    std::shared_lock lock(mu_);
    auto it = stores_.find(store_id);
    if (it == stores_.end()) return;
    record = WithCounts(it->second);
  }
  std::string error;
  if (!registry_->Save(record, error) && log_) {
    log_("vector store: cannot save " + store_id + " in " + registry_->name() + ": " + error);
  }
}

void VectorStoreService::SyncLoop() {
  bool warned = false;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      if (stop_cv_.wait_for(lock, options_.sync_interval, [this] { return stopping_; })) return;
    }
    std::string error;
    const std::optional<long long> version = persistence_->Version(error);
    StoreMap fresh;
    if (version && *version == seen_version_) continue;
    if (!version || !persistence_->Load(fresh, error)) {
      if (!warned && log_) {
        log_("vector store: cannot read " + persistence_->name() + " (" + error +
             "); serving the stores as last read until it answers");
      }
      warned = true;
      continue;
    }
    warned = false;
    {
      std::unique_lock lock(mu_);
      stores_ = std::move(fresh);
    }
    seen_version_ = *version;
  }
}

}  // namespace vsr::vectorstore
