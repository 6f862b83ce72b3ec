// DecodeFields for global: router-wide settings that override the built-in defaults.
#include "config/decode_fields.h"

namespace vsr::config {

// Helpers and per-struct decoders live in vsr::config (not an anonymous namespace) so the
// Decode<T> templates find them by argument-dependent lookup.

// ---- router ---------------------------------------------------------------------------------
void DecodeFields(MapReader& r, StreamedBody& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("max_bytes", v.max_bytes, Int64AtLeast(0));
  r.Optional("timeout_sec", v.timeout_sec, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MomentumConfig& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("attack", v.attack, UnitInterval());
  r.Optional("release", v.release, UnitInterval());
  r.Optional("threshold", v.threshold, UnitInterval());
}
void DecodeFields(MapReader& r, MlKnn& v) {
  r.Optional("k", v.k, IntAtLeast(1));
  r.Optional("pretrained_path", v.pretrained_path);
}
void DecodeFields(MapReader& r, MlKmeans& v) {
  r.Optional("num_clusters", v.num_clusters, IntAtLeast(1));
  r.Optional("efficiency_weight", v.efficiency_weight, UnitInterval());
  r.Optional("pretrained_path", v.pretrained_path);
}
void DecodeFields(MapReader& r, MlSvm& v) {
  r.Optional("kernel", v.kernel, OneOf({"linear", "rbf", "poly", "sigmoid"}));
  r.Optional("gamma", v.gamma, AtLeast(0));
  r.Optional("pretrained_path", v.pretrained_path);
}
void DecodeFields(MapReader& r, MlMlp& v) {
  r.Optional("device", v.device, OneOf({"cpu", "cuda", "gpu"}));
  r.Optional("pretrained_path", v.pretrained_path);
}
void DecodeFields(MapReader& r, MlSelectionConfig& v) {
  r.Optional("models_path", v.models_path);
  r.Optional("embedding_dim", v.embedding_dim, IntAtLeast(0));
  r.Optional("knn", v.knn);
  r.Optional("kmeans", v.kmeans);
  r.Optional("svm", v.svm);
  r.Optional("mlp", v.mlp);
}
void DecodeFields(MapReader& r, QualityGap& v) {
  r.Required("task_family", v.task_family);
  r.Required("current_model", v.current_model);
  r.Required("candidate_model", v.candidate_model);
  r.Required("value", v.value);
}
void DecodeFields(MapReader& r, HandoffPenalty& v) {
  r.Required("from_model", v.from_model);
  r.Required("to_model", v.to_model);
  r.Required("value", v.value);
}
void DecodeFields(MapReader& r, RemainingTurnPrior& v) {
  r.Required("intent_or_domain", v.intent_or_domain);
  r.Required("value", v.value);
}
void DecodeFields(MapReader& r, LookupTables& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("storage_path", v.storage_path);
  r.Optional("auto_save_interval", v.auto_save_interval);
  r.Optional("populate_from_replay", v.populate_from_replay);
  r.Optional("populate_interval", v.populate_interval);
  r.Optional("quality_gaps", v.quality_gaps);
  r.Optional("handoff_penalties", v.handoff_penalties);
  r.Optional("remaining_turn_priors", v.remaining_turn_priors);
}
void DecodeFields(MapReader& r, ModelSelection& v) {
  r.Optional("method", v.method, OneOf(AlgorithmTypeNames()));
  r.Optional("enabled", v.enabled);
  r.Optional("elo", v.elo);
  r.Optional("router_dc", v.router_dc);
  r.Optional("automix", v.automix);
  r.Optional("hybrid", v.hybrid);
  r.Optional("ml", v.ml);
  r.Optional("momentum", v.momentum);
  r.Optional("lookup_tables", v.lookup_tables);
}
void DecodeFields(MapReader& r, RouterGlobal& v) {
  r.Optional("config_source", v.config_source, OneOf({"file", "kubernetes"}));
  r.Optional("strategy", v.strategy, OneOf({"priority", "confidence"}));
  r.Optional("auto_model_name", v.auto_model_name);
  r.Optional("include_config_models_in_list", v.include_config_models_in_list);
  r.Optional("clear_route_cache", v.clear_route_cache);
  r.Optional("streamed_body", v.streamed_body);
  r.Optional("model_selection", v.model_selection);
}

// ---- services -------------------------------------------------------------------------------
void DecodeFields(MapReader& r, BatchSizeRange& v) {
  r.Required("min", v.min, IntAtLeast(0));
  r.Required("max", v.max, IntAtLeast(0));
  r.Required("label", v.label);
}
void DecodeFields(MapReader& r, BatchMetrics& v) {
  r.Optional("sample_rate", v.sample_rate, UnitInterval());
  r.Optional("batch_size_ranges", v.batch_size_ranges);
  r.Optional("duration_buckets", v.duration_buckets);
  r.Optional("size_buckets", v.size_buckets);
  r.Optional("enabled", v.enabled);
  r.Optional("detailed_goroutine_tracking", v.detailed_goroutine_tracking);
  r.Optional("high_resolution_timing", v.high_resolution_timing);
}
void DecodeFields(MapReader& r, BatchClassification& v) {
  r.Optional("max_batch_size", v.max_batch_size, IntAtLeast(1));
  r.Optional("concurrency_threshold", v.concurrency_threshold, IntAtLeast(0));
  r.Optional("max_concurrency", v.max_concurrency, IntAtLeast(1));
  r.Optional("metrics", v.metrics);
}
void DecodeFields(MapReader& r, ApiService& v) {
  r.Optional("batch_classification", v.batch_classification);
}
void DecodeFields(MapReader& r, ResponseApiRedis& v) {
  r.Optional("address", v.address);
  r.Optional("password", v.password);
  r.Optional("db", v.db, IntAtLeast(0));
  r.Optional("key_prefix", v.key_prefix);
  r.Optional("cluster_mode", v.cluster_mode);
  r.Optional("cluster_addresses", v.cluster_addresses);
  r.Optional("pool_size", v.pool_size, IntAtLeast(0));
  r.Optional("min_idle_conns", v.min_idle_conns, IntAtLeast(0));
  r.Optional("max_retries", v.max_retries, IntAtLeast(0));
  r.Optional("dial_timeout", v.dial_timeout, IntAtLeast(0));
  r.Optional("read_timeout", v.read_timeout, IntAtLeast(0));
  r.Optional("write_timeout", v.write_timeout, IntAtLeast(0));
  r.Optional("tls_enabled", v.tls_enabled);
  r.Optional("tls_cert_path", v.tls_cert_path);
  r.Optional("tls_key_path", v.tls_key_path);
  r.Optional("tls_ca_path", v.tls_ca_path);
  r.Optional("config_path", v.config_path);
}
void DecodeFields(MapReader& r, ResponseApiService& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("store_backend", v.store_backend, OneOf({"memory", "redis", "milvus"}));
  r.Optional("ttl_seconds", v.ttl_seconds, IntAtLeast(0));
  r.Optional("max_responses", v.max_responses, IntAtLeast(0));
  r.Optional("redis", v.redis);
}
void DecodeFields(MapReader& r, TracingExporter& v) {
  r.Optional("type", v.type, OneOf({"otlp", "stdout", "jaeger", "zipkin"}));
  r.Optional("endpoint", v.endpoint);
  r.Optional("insecure", v.insecure);
}
void DecodeFields(MapReader& r, TracingSampling& v) {
  r.Optional("type", v.type, OneOf({"always_on", "always_off", "probabilistic", "traceidratio"}));
  r.Optional("rate", v.rate, UnitInterval());
}
void DecodeFields(MapReader& r, TracingResource& v) {
  r.Optional("service_name", v.service_name);
  r.Optional("service_version", v.service_version);
  r.Optional("deployment_environment", v.deployment_environment);
}
void DecodeFields(MapReader& r, Tracing& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("provider", v.provider);
  r.Optional("exporter", v.exporter);
  r.Optional("sampling", v.sampling);
  r.Optional("resource", v.resource);
}
void DecodeFields(MapReader& r, WindowedMetrics& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("time_windows", v.time_windows);
  r.Optional("update_interval", v.update_interval);
  r.Optional("model_metrics", v.model_metrics);
  r.Optional("queue_depth_estimation", v.queue_depth_estimation);
  r.Optional("max_models", v.max_models, IntAtLeast(0));
}
void DecodeFields(MapReader& r, Metrics& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("windowed_metrics", v.windowed_metrics);
}
void DecodeFields(MapReader& r, Observability& v) {
  r.Optional("tracing", v.tracing);
  r.Optional("metrics", v.metrics);
}
void DecodeFields(MapReader& r, AuthzIdentity& v) {
  r.Optional("user_id_header", v.user_id_header);
  r.Optional("user_groups_header", v.user_groups_header);
}
void DecodeFields(MapReader& r, AuthzProvider& v) {
  r.Required("type", v.type);
  r.Optional("headers", v.headers);
}
void DecodeFields(MapReader& r, Authz& v) {
  r.Optional("fail_open", v.fail_open);
  r.Optional("identity", v.identity);
  r.Optional("providers", v.providers);
}
void DecodeFields(MapReader& r, RateLimitMatch& v) {
  r.Optional("user", v.user);
  r.Optional("group", v.group);
  r.Optional("model", v.model);
}
void DecodeFields(MapReader& r, RateLimitRule& v) {
  r.Required("name", v.name);
  r.Optional("match", v.match);
  r.Optional("requests_per_unit", v.requests_per_unit, IntAtLeast(0));
  r.Optional("tokens_per_unit", v.tokens_per_unit, IntAtLeast(0));
  r.Required("unit", v.unit, OneOf({"second", "minute", "hour", "day"}));
}
void DecodeFields(MapReader& r, RateLimitProvider& v) {
  r.Required("type", v.type, OneOf({"redis", "memory", "local", "envoy"}));
  r.Optional("address", v.address);
  r.Optional("domain", v.domain);
  r.Optional("rules", v.rules);
}
void DecodeFields(MapReader& r, RateLimit& v) {
  r.Optional("fail_open", v.fail_open);
  r.Optional("providers", v.providers);
}
void DecodeFields(MapReader& r, ReplayRedis& v) {
  r.Required("address", v.address);
  r.Optional("db", v.db, IntAtLeast(0));
  r.Optional("password", v.password);
  r.Optional("use_tls", v.use_tls);
  r.Optional("tls_skip_verify", v.tls_skip_verify);
  r.Optional("max_retries", v.max_retries, IntAtLeast(0));
  r.Optional("pool_size", v.pool_size, IntAtLeast(0));
  r.Optional("key_prefix", v.key_prefix);
}
void DecodeFields(MapReader& r, PostgresConnection& v) {
  r.Required("host", v.host);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Required("database", v.database);
  r.Required("user", v.user);
  r.Optional("password", v.password);
  r.Optional("ssl_mode", v.ssl_mode);
  r.Optional("max_open_conns", v.max_open_conns, IntAtLeast(0));
  r.Optional("max_idle_conns", v.max_idle_conns, IntAtLeast(0));
  r.Optional("conn_max_lifetime", v.conn_max_lifetime, IntAtLeast(0));
  r.Optional("table_name", v.table_name);
}
void DecodeFields(MapReader& r, ReplayMilvus& v) {
  r.Required("address", v.address);
  r.Optional("username", v.username);
  r.Optional("password", v.password);
  r.Optional("collection_name", v.collection_name);
  r.Optional("consistency_level", v.consistency_level);
  r.Optional("shard_num", v.shard_num, IntAtLeast(0));
}
void DecodeFields(MapReader& r, ReplaySqlite& v) {
  r.Required("path", v.path);
}
void DecodeFields(MapReader& r, RouterReplayService& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("store_backend", v.store_backend,
             OneOf({"memory", "sqlite", "redis", "postgres", "milvus"}));
  r.Optional("ttl_seconds", v.ttl_seconds, IntAtLeast(0));
  r.Optional("async_writes", v.async_writes);
  r.Optional("redis", v.redis);
  r.Optional("postgres", v.postgres);
  r.Optional("milvus", v.milvus);
  r.Optional("sqlite", v.sqlite);
}
void DecodeFields(MapReader& r, StartupStatusRedis& v) {
  r.Required("address", v.address);
  r.Optional("password", v.password);
  r.Optional("db", v.db, IntAtLeast(0));
}
void DecodeFields(MapReader& r, StartupStatus& v) {
  r.Optional("store_backend", v.store_backend, OneOf({"file", "redis", "memory"}));
  r.Optional("redis", v.redis);
}
void DecodeFields(MapReader& r, Services& v) {
  r.Optional("api", v.api);
  r.Optional("response_api", v.response_api);
  r.Optional("observability", v.observability);
  r.Optional("authz", v.authz);
  r.Optional("ratelimit", v.ratelimit);
  r.Optional("router_replay", v.router_replay);
  r.Optional("startup_status", v.startup_status);
}

// ---- stores ---------------------------------------------------------------------------------
void DecodeFields(MapReader& r, Tls& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("cert_file", v.cert_file);
  r.Optional("key_file", v.key_file);
  r.Optional("ca_file", v.ca_file);
}
void DecodeFields(MapReader& r, VectorField& v) {
  r.Optional("name", v.name);
  r.Optional("dimension", v.dimension, IntAtLeast(1));
  r.Optional("metric_type", v.metric_type, OneOf({"COSINE", "IP", "L2"}));
}
void DecodeFields(MapReader& r, HnswParams& v) {
  r.Optional("M", v.M, IntAtLeast(1));
  r.Optional("efConstruction", v.efConstruction, IntAtLeast(1));
}
void DecodeFields(MapReader& r, StoreLogging& v) {
  r.Optional("level", v.level, OneOf({"debug", "info", "warn", "error"}));
  r.Optional("enable_query_log", v.enable_query_log);
  r.Optional("enable_metrics", v.enable_metrics);
}
void DecodeFields(MapReader& r, KvConnection& v) {
  r.Optional("host", v.host);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Optional("database", v.database, IntAtLeast(0));
  r.Optional("password", v.password);
  r.Optional("timeout", v.timeout, IntAtLeast(0));
  r.Optional("tls", v.tls);
}
void DecodeFields(MapReader& r, KvIndex& v) {
  r.Optional("name", v.name);
  r.Optional("prefix", v.prefix);
  r.Optional("vector_field", v.vector_field);
  r.Optional("index_type", v.index_type, OneOf({"HNSW", "FLAT"}));
  r.Optional("params", v.params);
}
void DecodeFields(MapReader& r, KvSearch& v) {
  r.Optional("topk", v.topk, IntAtLeast(1));
}
void DecodeKvDevelopment(MapReader& r, DevelopmentFlags& v) {
  r.Optional("drop_index_on_startup", v.drop_index_on_startup);
  r.Optional("auto_create_index", v.auto_create_index);
  r.Optional("verbose_errors", v.verbose_errors);
}
void DecodeFields(MapReader& r, KvCacheBackend& v) {
  r.Optional("connection", v.connection);
  r.Optional("index", v.index);
  r.Optional("search", v.search);
  if (const YamlNode* dev = r.Raw("development")) {
    MapReader d(*dev, KeyPath(r.path(), "development"), r.ctx());
    if (d.valid()) DecodeKvDevelopment(d, v.development);
  }
  r.Optional("logging", v.logging);
}
void DecodeFields(MapReader& r, MilvusAuth& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("username", v.username);
  r.Optional("password", v.password);
}
void DecodeFields(MapReader& r, MilvusConnection& v) {
  r.Optional("host", v.host);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Optional("database", v.database);
  r.Optional("timeout", v.timeout, IntAtLeast(0));
  r.Optional("auth", v.auth);
  r.Optional("tls", v.tls);
}
void DecodeFields(MapReader& r, MilvusIndex& v) {
  r.Optional("type", v.type, OneOf({"HNSW", "FLAT", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "DISKANN"}));
  r.Optional("params", v.params);
}
void DecodeFields(MapReader& r, MilvusCollection& v) {
  r.Optional("name", v.name);
  r.Optional("description", v.description);
  r.Optional("vector_field", v.vector_field);
  r.Optional("index", v.index);
}
void DecodeFields(MapReader& r, MilvusSearchParams& v) {
  r.Optional("ef", v.ef, IntAtLeast(1));
}
void DecodeFields(MapReader& r, MilvusSearch& v) {
  r.Optional("params", v.params);
  r.Optional("topk", v.topk, IntAtLeast(1));
  r.Optional("consistency_level", v.consistency_level,
             OneOf({"Strong", "Bounded", "Session", "Eventually"}));
}
void DecodeFields(MapReader& r, MilvusPool& v) {
  r.Optional("max_connections", v.max_connections, IntAtLeast(0));
  r.Optional("max_idle_connections", v.max_idle_connections, IntAtLeast(0));
  r.Optional("acquire_timeout", v.acquire_timeout, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MilvusBatch& v) {
  r.Optional("insert_batch_size", v.insert_batch_size, IntAtLeast(1));
  r.Optional("timeout", v.timeout, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MilvusPerformance& v) {
  r.Optional("connection_pool", v.connection_pool);
  r.Optional("batch", v.batch);
}
void DecodeFields(MapReader& r, MilvusTtl& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("timestamp_field", v.timestamp_field);
  r.Optional("cleanup_interval", v.cleanup_interval, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MilvusCompaction& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("interval", v.interval, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MilvusDataManagement& v) {
  r.Optional("ttl", v.ttl);
  r.Optional("compaction", v.compaction);
}
void DecodeMilvusDevelopment(MapReader& r, DevelopmentFlags& v) {
  r.Optional("drop_collection_on_startup", v.drop_collection_on_startup);
  r.Optional("auto_create_collection", v.auto_create_collection);
  r.Optional("verbose_errors", v.verbose_errors);
}
void DecodeFields(MapReader& r, MilvusBackend& v) {
  r.Optional("connection", v.connection);
  r.Optional("collection", v.collection);
  r.Optional("search", v.search);
  r.Optional("performance", v.performance);
  r.Optional("data_management", v.data_management);
  r.Optional("logging", v.logging);
  if (const YamlNode* dev = r.Raw("development")) {
    MapReader d(*dev, KeyPath(r.path(), "development"), r.ctx());
    if (d.valid()) DecodeMilvusDevelopment(d, v.development);
  }
}
void DecodeFields(MapReader& r, SemanticCacheStore& v) {
  r.Optional("backend_type", v.backend_type,
             OneOf({"memory", "redis", "valkey", "milvus", "hybrid"}));
  r.Optional("enabled", v.enabled);
  double threshold = 0;
  if (r.Optional("similarity_threshold", threshold, UnitInterval()))
    v.similarity_threshold = threshold;
  r.Optional("max_entries", v.max_entries, IntAtLeast(0));
  r.Optional("ttl_seconds", v.ttl_seconds, IntAtLeast(0));
  r.Optional("eviction_policy", v.eviction_policy, OneOf({"fifo", "lru", "lfu"}));
  r.Optional("redis", v.redis);
  r.Optional("valkey", v.valkey);
  r.Optional("milvus", v.milvus);
  r.Optional("embedding_model", v.embedding_model);
  // Upstream's ValidateCacheConfig: the Milvus-backed caches need their connection.
  if (v.enabled && (v.backend_type == "milvus" || v.backend_type == "hybrid") && !v.milvus) {
    r.ctx().Error(KeyPath(r.path(), "milvus"),
                  "semantic_cache.milvus configuration is required when backend_type is '" +
                      v.backend_type + "'",
                  "add a 'milvus:' block with connection.host and connection.port");
  }
}
void DecodeFields(MapReader& r, MemoryValkey& v) {
  r.Optional("host", v.host);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Optional("database", v.database, IntAtLeast(0));
  r.Optional("password", v.password);
  r.Optional("timeout", v.timeout, IntAtLeast(0));
  r.Optional("collection_prefix", v.collection_prefix);
  r.Optional("index_name", v.index_name);
  r.Optional("dimension", v.dimension, IntAtLeast(1));
  r.Optional("metric_type", v.metric_type, OneOf({"COSINE", "IP", "L2"}));
  r.Optional("index_m", v.index_m, IntAtLeast(1));
  r.Optional("index_ef_construction", v.index_ef_construction, IntAtLeast(1));
  r.Optional("tls_enabled", v.tls_enabled);
  r.Optional("tls_ca_path", v.tls_ca_path);
  r.Optional("tls_insecure_skip_verify", v.tls_insecure_skip_verify);
}
void DecodeFields(MapReader& r, MemoryMilvus& v) {
  r.Optional("address", v.address);
  r.Optional("collection", v.collection);
  r.Optional("dimension", v.dimension, IntAtLeast(1));
  r.Optional("num_partitions", v.num_partitions, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MemoryRedisCache& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("address", v.address);
  r.Optional("ttl_seconds", v.ttl_seconds, IntAtLeast(0));
  r.Optional("db", v.db, IntAtLeast(0));
  r.Optional("key_prefix", v.key_prefix);
  r.Optional("password", v.password);
}
void DecodeFields(MapReader& r, MemoryQualityScoring& v) {
  r.Optional("initial_strength_days", v.initial_strength_days, IntAtLeast(0));
  r.Optional("prune_threshold", v.prune_threshold, UnitInterval());
  r.Optional("max_memories_per_user", v.max_memories_per_user, IntAtLeast(0));
}
void DecodeFields(MapReader& r, MemoryStore& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("backend", v.backend, OneOf({"milvus", "valkey", "redis", "memory"}));
  r.Optional("auto_store", v.auto_store);
  r.Optional("disabled_routes", v.disabled_routes);
  r.Optional("disabled_models", v.disabled_models);
  r.Optional("milvus", v.milvus);
  r.Optional("valkey", v.valkey);
  r.Optional("redis_cache", v.redis_cache);
  r.Optional("embedding_model", v.embedding_model);
  r.Optional("extraction_batch_size", v.extraction_batch_size, IntAtLeast(1));
  r.Optional("default_retrieval_limit", v.default_retrieval_limit, IntAtLeast(1));
  r.Optional("default_similarity_threshold", v.default_similarity_threshold, UnitInterval());
  r.Optional("hybrid_search", v.hybrid_search);
  r.Optional("hybrid_mode", v.hybrid_mode, OneOf({"rerank", "filter"}));
  r.Optional("adaptive_threshold", v.adaptive_threshold);
  r.Optional("quality_scoring", v.quality_scoring);
  r.Optional("reflection", v.reflection);
}
void DecodeFields(MapReader& r, VectorStoreMemory& v) {
  r.Optional("max_entries_per_store", v.max_entries_per_store, IntAtLeast(0));
}
void DecodeFields(MapReader& r, LlamaStack& v) {
  r.Required("endpoint", v.endpoint);
  r.Optional("auth_token", v.auth_token);
  r.Optional("embedding_model", v.embedding_model);
  r.Optional("request_timeout_seconds", v.request_timeout_seconds, IntAtLeast(0));
  r.Optional("search_type", v.search_type, OneOf({"vector", "keyword", "hybrid"}));
}
void DecodeFields(MapReader& r, VectorStoreValkey& v) {
  r.Optional("host", v.host);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Optional("database", v.database, IntAtLeast(0));
  r.Optional("password", v.password);
  r.Optional("connect_timeout", v.connect_timeout, IntAtLeast(0));
  r.Optional("collection_prefix", v.collection_prefix);
  r.Optional("metric_type", v.metric_type, OneOf({"COSINE", "IP", "L2"}));
  r.Optional("index_m", v.index_m, IntAtLeast(1));
  r.Optional("index_ef_construction", v.index_ef_construction, IntAtLeast(1));
}
void DecodeFields(MapReader& r, VectorStore& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("backend_type", v.backend_type, OneOf({"memory", "milvus", "llama_stack", "valkey"}));
  r.Optional("file_storage_dir", v.file_storage_dir);
  r.Optional("max_file_size_mb", v.max_file_size_mb, IntAtLeast(1));
  r.Optional("embedding_model", v.embedding_model);
  r.Optional("embedding_dimension", v.embedding_dimension, IntAtLeast(1));
  r.Optional("ingestion_workers", v.ingestion_workers, IntAtLeast(1));
  r.Optional("supported_formats", v.supported_formats);
  r.Optional("milvus", v.milvus);
  r.Optional("memory", v.memory);
  r.Optional("llama_stack", v.llama_stack);
  r.Optional("valkey", v.valkey);
  r.Optional("metadata_store", v.metadata_store, OneOf({"memory", "postgres"}));
  r.Optional("metadata_postgres", v.metadata_postgres);
  if (!v.enabled) return;
  // Upstream's VectorStoreConfig.Validate: what an enabled store needs.
  const auto need = [&r](bool missing, std::string_view key, const std::string& message,
                         const std::string& hint) {
    if (missing) r.ctx().Error(KeyPath(r.path(), key), message, hint);
  };
  need(v.backend_type.empty(), "backend_type", "vector_store.backend_type is required when enabled",
       "add 'backend_type: memory' (or valkey to keep stores in Redis/Valkey)");
  need(v.backend_type == "milvus" && !v.milvus, "milvus",
       "vector_store.milvus configuration is required when backend_type is 'milvus'",
       "add a 'milvus:' block");
  need(v.backend_type == "valkey" && !v.valkey, "valkey",
       "vector_store.valkey configuration is required when backend_type is 'valkey'",
       "add a 'valkey:' block with host and port");
  need(v.backend_type == "valkey" && v.valkey && v.valkey->host.empty(), "valkey",
       "vector_store.valkey.host is required", "add 'host:' under valkey");
  need(v.backend_type == "llama_stack" && !v.llama_stack, "llama_stack",
       "vector_store.llama_stack configuration is required when backend_type is 'llama_stack'",
       "add a 'llama_stack:' block with its endpoint");
  need(v.metadata_store == "postgres" && !v.metadata_postgres, "metadata_postgres",
       "vector_store.metadata_postgres is required when metadata_store is 'postgres'",
       "add a 'metadata_postgres:' block");
}
void DecodeFields(MapReader& r, Stores& v) {
  r.Optional("semantic_cache", v.semantic_cache);
  r.Optional("memory", v.memory);
  r.Optional("vector_store", v.vector_store);
}

// ---- integrations ---------------------------------------------------------------------------
// An optional number in [0, 1] (upstream's advanced_filtering checks).
void OptionalUnit(MapReader& r, std::string_view key, std::optional<double>& out) {
  double x = 0;
  if (r.Optional(key, x, UnitInterval())) out = x;
}
void OptionalCount(MapReader& r, std::string_view key, std::optional<int>& out) {
  int x = 0;
  if (r.Optional(key, x, IntAtLeast(0))) out = x;
}

void DecodeFields(MapReader& r, ToolFilteringWeights& v) {
  OptionalUnit(r, "embed", v.embed);
  OptionalUnit(r, "lexical", v.lexical);
  OptionalUnit(r, "tag", v.tag);
  OptionalUnit(r, "name", v.name);
  OptionalUnit(r, "category", v.category);
}
void DecodeFields(MapReader& r, HybridHistory& v) {
  r.Optional("history_horizon", v.history_horizon);
  r.Optional("min_history_steps", v.min_history_steps);
  r.Optional("history_confidence_threshold", v.history_confidence_threshold);
  r.Optional("weight_semantic", v.weight_semantic);
  r.Optional("weight_history_transition", v.weight_history_transition);
  r.Optional("weight_decision_prior", v.weight_decision_prior);
  r.Optional("repetition_penalty_strength", v.repetition_penalty_strength);
}
void DecodeFields(MapReader& r, AdvancedToolFiltering& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("retrieval_strategy", v.retrieval_strategy, OneOf({"weighted", "hybrid_history"}));
  OptionalCount(r, "candidate_pool_size", v.candidate_pool_size);
  OptionalCount(r, "min_lexical_overlap", v.min_lexical_overlap);
  OptionalUnit(r, "min_combined_score", v.min_combined_score);
  r.Optional("weights", v.weights);
  r.Optional("use_category_filter", v.use_category_filter);
  OptionalUnit(r, "category_confidence_threshold", v.category_confidence_threshold);
  r.Optional("allow_tools", v.allow_tools);
  r.Optional("block_tools", v.block_tools);
  r.Optional("hybrid_history", v.hybrid_history);
}
void DecodeFields(MapReader& r, ToolsIntegration& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("top_k", v.top_k, IntAtLeast(1));
  double threshold = 0;
  if (r.Optional("similarity_threshold", threshold, UnitInterval()))
    v.similarity_threshold = threshold;
  r.Optional("tools_db_path", v.tools_db_path);
  r.Optional("fallback_to_empty", v.fallback_to_empty);
  r.Optional("advanced_filtering", v.advanced_filtering);
}
void DecodeFields(MapReader& r, LooperIntegration& v) {
  r.Optional("endpoint", v.endpoint);
  r.Optional("model_endpoints", v.model_endpoints);
  r.Optional("grpc_max_msg_size_mb", v.grpc_max_msg_size_mb, IntAtLeast(0));
  r.Optional("timeout_seconds", v.timeout_seconds, IntAtLeast(0));
  r.Optional("retry_count", v.retry_count, IntAtLeast(0));
  r.Optional("headers", v.headers);
}
void DecodeFields(MapReader& r, Integrations& v) {
  r.Optional("tools", v.tools);
  r.Optional("looper", v.looper);
}

// ---- model_catalog --------------------------------------------------------------------------
void DecodeFields(MapReader& r, PrototypeScoring& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("cluster_similarity_threshold", v.cluster_similarity_threshold, UnitInterval());
  r.Optional("max_prototypes", v.max_prototypes, IntAtLeast(0));
  r.Optional("best_weight", v.best_weight, UnitInterval());
  r.Optional("top_m", v.top_m, IntAtLeast(0));
  r.Optional("margin_threshold", v.margin_threshold, Between(-1, 1));
}
void DecodeFields(MapReader& r, EmbeddingConfig& v) {
  r.Optional("model_type", v.model_type, OneOf({"mmbert", "qwen3", "gemma", "bert", "multimodal"}));
  r.Optional("preload_embeddings", v.preload_embeddings);
  r.Optional("target_dimension", v.target_dimension, IntAtLeast(1));
  r.Optional("target_layer", v.target_layer, IntAtLeast(0));
  r.Optional("enable_soft_matching", v.enable_soft_matching);
  r.Optional("top_k", v.top_k);
  r.Optional("min_score_threshold", v.min_score_threshold, UnitInterval());
  r.Optional("prototype_scoring", v.prototype_scoring);
}
void DecodeFields(MapReader& r, SemanticEmbeddings& v) {
  r.Optional("qwen3_model_path", v.qwen3_model_path);
  r.Optional("gemma_model_path", v.gemma_model_path);
  r.Optional("mmbert_model_path", v.mmbert_model_path);
  r.Optional("multimodal_model_path", v.multimodal_model_path);
  r.Optional("bert_model_path", v.bert_model_path);
  r.Optional("use_cpu", v.use_cpu);
  r.Optional("embedding_config", v.embedding_config);
}
void DecodeFields(MapReader& r, EmbeddingModels& v) {
  r.Optional("semantic", v.semantic);
}
void DecodeFields(MapReader& r, SystemModels& v) {
  r.Optional("prompt_guard", v.prompt_guard);
  r.Optional("domain_classifier", v.domain_classifier);
  r.Optional("pii_classifier", v.pii_classifier);
  r.Optional("fact_check_classifier", v.fact_check_classifier);
  r.Optional("hallucination_detector", v.hallucination_detector);
  r.Optional("hallucination_explainer", v.hallucination_explainer);
  r.Optional("feedback_detector", v.feedback_detector);
}
void DecodeFields(MapReader& r, ExternalEndpoint& v) {
  r.Required("address", v.address);
  r.Optional("port", v.port, IntBetween(1, 65535));
  r.Optional("protocol", v.protocol, OneOf({"http", "https"}));
  r.Optional("name", v.name);
  r.Optional("use_chat_template", v.use_chat_template);
  r.Optional("prompt_template", v.prompt_template);
}
void DecodeFields(MapReader& r, ExternalModel& v) {
  r.Required("llm_provider", v.llm_provider);
  r.Required("model_role", v.model_role);
  r.Optional("llm_endpoint", v.llm_endpoint);
  r.Optional("llm_model_name", v.llm_model_name);
  r.Optional("llm_timeout_seconds", v.llm_timeout_seconds, IntAtLeast(0));
  r.Optional("parser_type", v.parser_type);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("access_key", v.access_key);
  r.Optional("max_tokens", v.max_tokens, IntAtLeast(0));
  r.Optional("temperature", v.temperature, AtLeast(0));
}
void DecodeFields(MapReader& r, KbSource& v) {
  r.Required("path", v.path);
  r.Optional("manifest", v.manifest);
}
void DecodeFields(MapReader& r, KbMetric& v) {
  r.Required("name", v.name);
  r.Required("type", v.type, OneOf({"group_margin"}));
  r.Optional("positive_group", v.positive_group);
  r.Optional("negative_group", v.negative_group);
}
void DecodeFields(MapReader& r, KnowledgeBase& v) {
  r.Required("name", v.name);
  r.Required("source", v.source);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("label_thresholds", v.label_thresholds);
  r.Optional("groups", v.groups);
  r.Optional("metrics", v.metrics);
  r.Optional("prototype_scoring", v.prototype_scoring);
}
void DecodeFields(MapReader& r, PromptCompression& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("max_tokens", v.max_tokens, IntAtLeast(0));
  r.Optional("min_length", v.min_length, IntAtLeast(0));
  r.Optional("skip_signals", v.skip_signals);
  r.Optional("textrank_weight", v.textrank_weight, UnitInterval());
  r.Optional("position_weight", v.position_weight, UnitInterval());
  r.Optional("tfidf_weight", v.tfidf_weight, UnitInterval());
  r.Optional("position_depth", v.position_depth, UnitInterval());
  r.Optional("max_evaluation_chars", v.max_evaluation_chars, IntAtLeast(0));
}

// Classifier modules share most keys; `mapping_key` names the label-mapping file field.
void DecodeClassifier(MapReader& r, ClassifierModule& v, std::string_view mapping_key,
                      bool has_enabled) {
  r.Optional("model_ref", v.model_ref);
  if (has_enabled) r.Optional("enabled", v.enabled);
  r.Optional("model_id", v.model_id);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("use_cpu", v.use_cpu);
  r.Optional("use_modernbert", v.use_modernbert);
  r.Optional("use_mmbert_32k", v.use_mmbert_32k);
  if (!mapping_key.empty()) r.Optional(mapping_key, v.mapping_path);
}
bool DecodeClassifierAt(MapReader& parent, std::string_view key, ClassifierModule& v,
                        std::string_view mapping_key, bool has_enabled,
                        void (*extra)(MapReader&, ClassifierModule&) = nullptr) {
  const YamlNode* n = parent.Raw(key);
  if (n == nullptr || n->IsNull()) return false;
  MapReader r(*n, KeyPath(parent.path(), key), parent.ctx());
  if (!r.valid()) return false;
  DecodeClassifier(r, v, mapping_key, has_enabled);
  if (extra != nullptr) extra(r, v);
  return true;
}
void DecodeFields(MapReader& r, McpClassifier& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("transport_type", v.transport_type, OneOf({"stdio", "http", "streamable-http"}));
  r.Optional("command", v.command);
  r.Optional("args", v.args);
  r.Optional("env", v.env);
  r.Optional("url", v.url);
  r.Optional("tool_name", v.tool_name);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("timeout_seconds", v.timeout_seconds, IntAtLeast(0));
}
void DecodeFields(MapReader& r, PreferenceModel& v) {
  r.Optional("use_contrastive", v.use_contrastive);
  r.Optional("embedding_model", v.embedding_model);
  r.Optional("prototype_scoring", v.prototype_scoring);
}
void DecodeFields(MapReader& r, ClassifierModules& v) {
  DecodeClassifierAt(r, "domain", v.domain, "category_mapping_path", false,
                     [](MapReader& d, ClassifierModule& m) {
                       d.Optional("fallback_category", m.fallback_category);
                     });
  r.Optional("mcp", v.mcp);
  DecodeClassifierAt(r, "pii", v.pii, "pii_mapping_path", false);
  r.Optional("preference", v.preference);
}
void DecodeFields(MapReader& r, ComplexityModule& v) {
  r.Optional("prototype_scoring", v.prototype_scoring);
}
void DecodeFields(MapReader& r, HallucinationModule& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("on_hallucination_detected", v.on_hallucination_detected);
  DecodeClassifierAt(r, "fact_check", v.fact_check, "", false);
  DecodeClassifierAt(r, "detector", v.detector, "", false, [](MapReader& d, ClassifierModule& m) {
    d.Optional("min_span_length", m.min_span_length, IntAtLeast(0));
    d.Optional("min_span_confidence", m.min_span_confidence, UnitInterval());
    d.Optional("context_window_size", m.context_window_size, IntAtLeast(0));
    d.Optional("enable_nli_filtering", m.enable_nli_filtering);
    d.Optional("nli_entailment_threshold", m.nli_entailment_threshold, UnitInterval());
  });
  DecodeClassifierAt(r, "explainer", v.explainer, "", false);
}
void DecodeFields(MapReader& r, ModalityDetectorModule& v) {
  r.Optional("enabled", v.enabled);
  r.Optional("prompt_prefixes", v.prompt_prefixes);
  DecodeFields(r, v.detection);  // upstream inlines the detection keys here
  if (v.enabled) CheckModalityDetection(r.ctx(), r.path(), v.detection);
}
void DecodeFields(MapReader& r, ModelModules& v) {
  r.Optional("prompt_compression", v.prompt_compression);
  DecodeClassifierAt(r, "prompt_guard", v.prompt_guard, "jailbreak_mapping_path", true,
                     [](MapReader& d, ClassifierModule& m) { d.Optional("use_vllm", m.use_vllm); });
  r.Optional("classifier", v.classifier);
  r.Optional("complexity", v.complexity);
  r.Optional("hallucination_mitigation", v.hallucination_mitigation);
  DecodeClassifierAt(r, "feedback_detector", v.feedback_detector, "feedback_mapping_path", true);
  r.Optional("modality_detector", v.modality_detector);
}

// Knowledge bases merge by name onto the built-ins, so privacy_kb/mmlu_kb stay available.
void DecodeKnowledgeBases(MapReader& r, std::vector<KnowledgeBase>& kbs) {
  std::vector<KnowledgeBase> user;
  if (!r.Optional("kbs", user)) return;
  for (KnowledgeBase& kb : user) {
    bool replaced = false;
    for (KnowledgeBase& existing : kbs) {
      if (existing.name == kb.name) {
        existing = kb;
        replaced = true;
      }
    }
    if (!replaced) kbs.push_back(std::move(kb));
  }
}

void DecodeFields(MapReader& r, ModelCatalog& v) {
  r.Optional("embeddings", v.embeddings);
  r.Optional("system", v.system);
  r.Optional("external", v.external);
  DecodeKnowledgeBases(r, v.kbs);
  r.Optional("modules", v.modules);
}

void DecodeFields(MapReader& r, Global& v) {
  r.Optional("router", v.router);
  r.Optional("services", v.services);
  r.Optional("stores", v.stores);
  r.Optional("integrations", v.integrations);
  r.Optional("model_catalog", v.model_catalog);
}

}  // namespace vsr::config
