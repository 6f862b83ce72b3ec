#include "plugins/cache_sharing.h"

#include <algorithm>

#include "cache/milvus_replication.h"
#include "cache/redis_replication.h"
#include "milvus/rest.h"

namespace vsr::plugins {

namespace {

std::unique_ptr<cache::CacheReplication> ThroughRedis(
    const config::SemanticCacheStore& store, cache::SemanticCache* cache,
    const std::function<void(const std::string&)>& log) {
  const auto& backend = store.backend_type == "valkey" ? store.valkey : store.redis;
  const config::KvCacheBackend settings = backend.value_or(config::KvCacheBackend{});
  const auto& conn = settings.connection;
  cache::RedisReplicationOptions options;
  options.endpoint.tls.enabled = conn.tls.enabled;
  options.endpoint.tls.ca_file = conn.tls.ca_file;
  options.endpoint.tls.cert_file = conn.tls.cert_file;
  options.endpoint.tls.key_file = conn.tls.key_file;
  options.endpoint.host = conn.host.empty() ? "localhost" : conn.host;
  options.endpoint.port = conn.port > 0 ? conn.port : 6379;
  options.endpoint.database = conn.database;
  options.endpoint.password = conn.password;
  if (conn.timeout > 0) options.endpoint.timeout_ms = conn.timeout * 1000;
  options.stream_key =
      (settings.index.name.empty() ? std::string("semantic_cache_idx") : settings.index.name) +
      ":entries";
  options.max_len = static_cast<size_t>(std::max(1, store.max_entries));
  options.kind = store.backend_type;
  return std::make_unique<cache::RedisReplication>(cache, std::move(options), log);
}

std::unique_ptr<cache::CacheReplication> ThroughMilvus(
    const config::SemanticCacheStore& store, cache::SemanticCache* cache, int dimension,
    const std::function<void(const std::string&)>& log) {
  const config::MilvusBackend settings = store.milvus.value_or(config::MilvusBackend{});
  const auto& conn = settings.connection;
  const auto& collection = settings.collection;
  cache::MilvusReplicationOptions options;
  options.kind = store.backend_type;
  options.address = milvus::BaseUrl(conn.host, conn.port, conn.tls.enabled);
  if (conn.auth.enabled) options.token = conn.auth.username + ":" + conn.auth.password;
  if (conn.timeout > 0) options.timeout = std::chrono::seconds(conn.timeout);
  if (!collection.name.empty()) options.collection = collection.name;
  if (!collection.description.empty()) options.description = collection.description;
  if (!collection.vector_field.name.empty()) options.vector_field = collection.vector_field.name;
  if (!collection.vector_field.metric_type.empty())
    options.metric_type = collection.vector_field.metric_type;
  if (!collection.index.type.empty()) options.index_type = collection.index.type;
  if (collection.index.params.M > 0) options.index_m = collection.index.params.M;
  if (collection.index.params.efConstruction > 0)
    options.index_ef_construction = collection.index.params.efConstruction;
  // Upstream sizes the vector field from its embedding model and ignores the configured size.
  if (dimension > 0) {
    options.dimension = dimension;
  } else if (collection.vector_field.dimension > 0) {
    options.dimension = collection.vector_field.dimension;
  }
  options.auto_create = settings.development.auto_create_collection;
  options.drop_on_start = settings.development.drop_collection_on_startup;
  options.max_entries = static_cast<size_t>(std::max(1, store.max_entries));
  if (settings.performance.batch.insert_batch_size > 0)
    options.batch = static_cast<size_t>(settings.performance.batch.insert_batch_size);
  if (settings.data_management.ttl.cleanup_interval > 0)
    options.cleanup_seconds = settings.data_management.ttl.cleanup_interval;
  return std::make_unique<cache::MilvusReplication>(cache, std::move(options), log);
}

}  // namespace

std::unique_ptr<cache::CacheReplication> CacheSharing(
    const config::SemanticCacheStore& store, cache::SemanticCache* cache, int dimension,
    const std::function<void(const std::string&)>& log) {
  if (store.backend_type == "redis" || store.backend_type == "valkey")
    return ThroughRedis(store, cache, log);
  if (store.backend_type == "milvus" || store.backend_type == "hybrid")
    return ThroughMilvus(store, cache, dimension, log);
  return nullptr;
}

}  // namespace vsr::plugins
