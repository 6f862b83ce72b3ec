// Typed v0.3 config: global (router, services, stores, integrations, model_catalog).
// Member initializers are the router's built-in defaults; a config's global: overrides them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/model_plugins.h"
#include "config/model_routing.h"

namespace vsr::config {

// ---- global.router --------------------------------------------------------------------------

struct StreamedBody {
  bool enabled = false;
  int64_t max_bytes = 0;
  int timeout_sec = 0;
};

struct MomentumConfig {
  bool enabled = false;
  double attack = 0, release = 0, threshold = 0;
};
struct MlKnn {
  int k = 0;
  std::string pretrained_path;
};
struct MlKmeans {
  int num_clusters = 0;
  double efficiency_weight = 0;
  std::string pretrained_path;
};
struct MlSvm {
  std::string kernel;
  double gamma = 0;
  std::string pretrained_path;
};
struct MlMlp {
  std::string device;
  std::string pretrained_path;
};
struct MlSelectionConfig {
  std::string models_path;
  int embedding_dim = 0;
  MlKnn knn;
  MlKmeans kmeans;
  MlSvm svm;
  MlMlp mlp;
};
struct QualityGap {
  std::string task_family, current_model, candidate_model;
  double value = 0;
};
struct HandoffPenalty {
  std::string from_model, to_model;
  double value = 0;
};
struct RemainingTurnPrior {
  std::string intent_or_domain;
  double value = 0;
};
struct LookupTables {
  bool enabled = false;
  std::string storage_path, auto_save_interval;
  bool populate_from_replay = false;
  std::string populate_interval;
  std::vector<QualityGap> quality_gaps;
  std::vector<HandoffPenalty> handoff_penalties;
  std::vector<RemainingTurnPrior> remaining_turn_priors;
};
struct ModelSelection {
  std::string method = "knn";
  bool enabled = true;
  // Same blocks as a decision's algorithm settings; these are the router-wide defaults.
  EloSelection elo;
  // Upstream's canonical router-wide defaults (a decision's own block overrides the values it
  // sets); automix has none.
  RouterDcSelection router_dc{.temperature = 0.07,
                              .dimension_size = 768,
                              .min_similarity = 0.3,
                              .use_query_contrastive = true,
                              .use_model_contrastive = true,
                              .use_capabilities = true};
  AutoMixSelection automix;
  HybridSelection hybrid{.elo_weight = 0.3,
                         .router_dc_weight = 0.3,
                         .automix_weight = 0.2,
                         .cost_weight = 0.2,
                         .quality_gap_threshold = 0.1,
                         .normalize_scores = true};
  MlSelectionConfig ml;
  MomentumConfig momentum;
  LookupTables lookup_tables;
};

struct RouterGlobal {
  std::string config_source = "file";  // file | kubernetes
  std::string strategy = "priority";   // priority | confidence
  std::string auto_model_name = "MoM";
  bool include_config_models_in_list = false;
  bool clear_route_cache = true;
  StreamedBody streamed_body;
  ModelSelection model_selection;
};

// ---- global.services ------------------------------------------------------------------------

struct BatchSizeRange {
  int min = 0, max = 0;
  std::string label;
};
struct BatchMetrics {
  double sample_rate = 0;
  std::vector<BatchSizeRange> batch_size_ranges;
  std::vector<double> duration_buckets, size_buckets;
  bool enabled = false, detailed_goroutine_tracking = false, high_resolution_timing = false;
};
struct BatchClassification {
  int max_batch_size = 0, concurrency_threshold = 0, max_concurrency = 0;
  BatchMetrics metrics;
};
struct ApiService {
  BatchClassification batch_classification;
};

struct ResponseApiRedis {
  std::string address, password;
  int db = 0;
  std::string key_prefix;
  bool cluster_mode = false;
  std::vector<std::string> cluster_addresses;
  int pool_size = 0, min_idle_conns = 0, max_retries = 0;
  int dial_timeout = 0, read_timeout = 0, write_timeout = 0;
  bool tls_enabled = false;
  std::string tls_cert_path, tls_key_path, tls_ca_path, config_path;
};
struct ResponseApiService {
  bool enabled = true;
  std::string store_backend = "redis";
  int ttl_seconds = 86400;
  int max_responses = 1000;
  ResponseApiRedis redis;
};

struct TracingExporter {
  std::string type = "otlp";
  std::string endpoint = "vllm-sr-jaeger:4317";
  bool insecure = true;
};
struct TracingSampling {
  std::string type = "always_on";
  double rate = 1.0;
};
struct TracingResource {
  std::string service_name = "vllm-sr";
  std::string service_version = "v0.3.0";
  std::string deployment_environment = "development";
};
struct Tracing {
  bool enabled = true;
  std::string provider = "opentelemetry";
  TracingExporter exporter;
  TracingSampling sampling;
  TracingResource resource;
};
struct WindowedMetrics {
  bool enabled = false;
  std::vector<std::string> time_windows;
  std::string update_interval;
  bool model_metrics = false, queue_depth_estimation = false;
  int max_models = 0;
};
struct Metrics {
  bool enabled = true;
  WindowedMetrics windowed_metrics;
};
struct Observability {
  Tracing tracing;
  Metrics metrics;
};

struct AuthzIdentity {
  std::string user_id_header = "x-authz-user-id";
  std::string user_groups_header = "x-authz-user-groups";
};
struct AuthzProvider {
  std::string type;
  std::map<std::string, std::string> headers;
};
struct Authz {
  bool fail_open = false;
  AuthzIdentity identity;
  std::vector<AuthzProvider> providers;
};

struct RateLimitMatch {
  std::string user, group, model;
};
struct RateLimitRule {
  std::string name;
  RateLimitMatch match;
  int requests_per_unit = 0, tokens_per_unit = 0;
  std::string unit;  // second | minute | hour | day
};
struct RateLimitProvider {
  std::string type;
  std::string address, domain;
  std::vector<RateLimitRule> rules;
};
struct RateLimit {
  bool fail_open = false;
  std::vector<RateLimitProvider> providers;
};

struct ReplayRedis {
  std::string address;
  int db = 0;
  std::string password;
  bool use_tls = false, tls_skip_verify = false;
  int max_retries = 0, pool_size = 0;
  std::string key_prefix;
};
// A PostgreSQL store: router replay's records and the vector store's metadata take the same keys.
struct PostgresConnection {
  std::string host;
  int port = 0;
  std::string database, user, password, ssl_mode;
  int max_open_conns = 0, max_idle_conns = 0, conn_max_lifetime = 0;
  std::string table_name;
};
struct ReplayMilvus {
  std::string address, username, password, collection_name, consistency_level;
  int shard_num = 0;
};
struct ReplaySqlite {
  std::string path;  // ours: the record file (default .vllm-sr/router_replay.db)
};
struct RouterReplayService {
  bool enabled = true;
  std::string store_backend = "postgres";
  int ttl_seconds = 2592000;
  bool async_writes = false;
  std::optional<ReplayRedis> redis;
  std::optional<PostgresConnection> postgres;
  std::optional<ReplayMilvus> milvus;
  std::optional<ReplaySqlite> sqlite;
};

struct StartupStatusRedis {
  std::string address, password;
  int db = 0;
};
struct StartupStatus {
  std::string store_backend = "file";
  std::optional<StartupStatusRedis> redis;
};

struct Services {
  ApiService api;
  ResponseApiService response_api;
  Observability observability;
  Authz authz;
  RateLimit ratelimit;
  RouterReplayService router_replay;
  StartupStatus startup_status;
};

// ---- global.stores --------------------------------------------------------------------------

struct Tls {
  bool enabled = false;
  std::string cert_file, key_file, ca_file;
};
struct VectorField {
  std::string name;
  int dimension = 0;
  std::string metric_type;
};
struct HnswParams {
  int M = 0;
  int efConstruction = 0;
};
struct DevelopmentFlags {
  bool drop_index_on_startup = false, auto_create_index = false;
  bool drop_collection_on_startup = false, auto_create_collection = false;
  bool verbose_errors = false;
};
struct StoreLogging {
  std::string level;
  bool enable_query_log = false, enable_metrics = false;
};

// Redis and Valkey semantic-cache backends share one shape.
struct KvConnection {
  std::string host;
  int port = 0, database = 0;
  std::string password;
  int timeout = 0;
  Tls tls;
};
struct KvIndex {
  std::string name, prefix;
  VectorField vector_field;
  std::string index_type;
  HnswParams params;
};
struct KvSearch {
  int topk = 0;
};
struct KvCacheBackend {
  KvConnection connection;
  KvIndex index;
  KvSearch search;
  DevelopmentFlags development;
  StoreLogging logging;
};

struct MilvusAuth {
  bool enabled = false;
  std::string username, password;
};
struct MilvusConnection {
  std::string host;
  int port = 0;
  std::string database;
  int timeout = 0;
  MilvusAuth auth;
  Tls tls;
};
struct MilvusIndex {
  std::string type;
  HnswParams params;
};
struct MilvusCollection {
  std::string name, description;
  VectorField vector_field;
  MilvusIndex index;
};
struct MilvusSearchParams {
  int ef = 0;
};
struct MilvusSearch {
  MilvusSearchParams params;
  int topk = 0;
  std::string consistency_level;
};
struct MilvusPool {
  int max_connections = 0, max_idle_connections = 0, acquire_timeout = 0;
};
struct MilvusBatch {
  int insert_batch_size = 0, timeout = 0;
};
struct MilvusPerformance {
  MilvusPool connection_pool;
  MilvusBatch batch;
};
struct MilvusTtl {
  bool enabled = false;
  std::string timestamp_field;
  int cleanup_interval = 0;
};
struct MilvusCompaction {
  bool enabled = false;
  int interval = 0;
};
struct MilvusDataManagement {
  MilvusTtl ttl;
  MilvusCompaction compaction;
};
struct MilvusBackend {
  MilvusConnection connection;
  MilvusCollection collection;
  MilvusSearch search;
  MilvusPerformance performance;
  MilvusDataManagement data_management;
  StoreLogging logging;
  DevelopmentFlags development;
};

struct SemanticCacheStore {
  std::string backend_type = "memory";  // memory | redis | valkey | milvus | hybrid
  bool enabled = true;
  std::optional<double> similarity_threshold;
  int max_entries = 1000;
  int ttl_seconds = 3600;
  std::string eviction_policy = "fifo";  // fifo | lru | lfu
  std::optional<KvCacheBackend> redis;
  std::optional<KvCacheBackend> valkey;
  std::optional<MilvusBackend> milvus;
  std::string embedding_model;
};

struct MemoryValkey {
  std::string host;
  int port = 0, database = 0;
  std::string password;
  int timeout = 0;
  std::string collection_prefix, index_name;
  int dimension = 0;
  std::string metric_type;
  int index_m = 0, index_ef_construction = 0;
  bool tls_enabled = false;
  std::string tls_ca_path;
  bool tls_insecure_skip_verify = false;
};
struct MemoryMilvus {
  std::string address;
  std::string collection = "agentic_memory";
  int dimension = 384;
  int num_partitions = 0;
};
struct MemoryRedisCache {
  bool enabled = false;
  std::string address;
  int ttl_seconds = 0, db = 0;
  std::string key_prefix, password;
};
struct MemoryQualityScoring {
  int initial_strength_days = 0;
  double prune_threshold = 0;
  int max_memories_per_user = 0;
};
struct MemoryStore {
  bool enabled = false;
  std::string backend;
  bool auto_store = false;
  std::vector<std::string> disabled_routes, disabled_models;
  MemoryMilvus milvus;
  std::optional<MemoryValkey> valkey;
  std::optional<MemoryRedisCache> redis_cache;
  std::string embedding_model;
  int extraction_batch_size = 10;
  int default_retrieval_limit = 5;
  double default_similarity_threshold = 0.70;
  bool hybrid_search = false;
  std::string hybrid_mode;
  bool adaptive_threshold = false;
  MemoryQualityScoring quality_scoring;
  MemoryReflectionConfig reflection;
};

struct VectorStoreMemory {
  int max_entries_per_store = 0;
};
struct LlamaStack {
  std::string endpoint, auth_token, embedding_model;
  int request_timeout_seconds = 0;
  std::string search_type;
};
struct VectorStoreValkey {
  std::string host;
  int port = 0, database = 0;
  std::string password;
  int connect_timeout = 0;
  std::string collection_prefix, metric_type;
  int index_m = 0, index_ef_construction = 0;
};
struct VectorStore {
  bool enabled = false;
  std::string backend_type;
  std::string file_storage_dir;
  int max_file_size_mb = 0;
  std::string embedding_model;
  int embedding_dimension = 0, ingestion_workers = 0;
  std::vector<std::string> supported_formats;
  std::optional<MilvusBackend> milvus;
  std::optional<VectorStoreMemory> memory;
  std::optional<LlamaStack> llama_stack;
  std::optional<VectorStoreValkey> valkey;
  std::string metadata_store;
  std::optional<PostgresConnection> metadata_postgres;
};

struct Stores {
  SemanticCacheStore semantic_cache;
  MemoryStore memory;
  std::optional<VectorStore> vector_store;
};

// ---- global.integrations --------------------------------------------------------------------

struct ToolFilteringWeights {
  std::optional<double> embed, lexical, tag, name, category;
};
struct HybridHistory {
  std::optional<int> history_horizon, min_history_steps;
  std::optional<double> history_confidence_threshold, weight_semantic, weight_history_transition,
      weight_decision_prior, repetition_penalty_strength;
};
struct AdvancedToolFiltering {
  bool enabled = false;
  std::string retrieval_strategy;
  std::optional<int> candidate_pool_size, min_lexical_overlap;
  std::optional<double> min_combined_score;
  ToolFilteringWeights weights;
  std::optional<bool> use_category_filter;
  std::optional<double> category_confidence_threshold;
  std::vector<std::string> allow_tools, block_tools;
  std::optional<HybridHistory> hybrid_history;
};
struct ToolsIntegration {
  bool enabled = false;
  int top_k = 3;
  std::optional<double> similarity_threshold;
  std::string tools_db_path = "config/tools_db.json";
  bool fallback_to_empty = true;
  std::optional<AdvancedToolFiltering> advanced_filtering;
};
struct LooperIntegration {
  std::string endpoint = "http://localhost:8899/v1/chat/completions";
  std::map<std::string, std::string> model_endpoints;
  int grpc_max_msg_size_mb = 0;
  int timeout_seconds = 1200;
  int retry_count = 0;
  std::map<std::string, std::string> headers;
};
struct Integrations {
  ToolsIntegration tools;
  LooperIntegration looper;
};

// ---- global.model_catalog -------------------------------------------------------------------

struct PrototypeScoring {
  std::optional<bool> enabled;
  double cluster_similarity_threshold = 0;
  int max_prototypes = 0;
  double best_weight = 0;
  int top_m = 0;
  double margin_threshold = 0;
};
struct EmbeddingConfig {
  std::string model_type = "mmbert";
  bool preload_embeddings = true;
  int target_dimension = 768;
  int target_layer = 22;
  std::optional<bool> enable_soft_matching = true;
  std::optional<int> top_k = 1;
  double min_score_threshold = 0.5;
  PrototypeScoring prototype_scoring;
};
struct SemanticEmbeddings {
  std::string qwen3_model_path, gemma_model_path;
  std::string mmbert_model_path = "models/mmbert-embed-32k-2d-matryoshka";
  std::string multimodal_model_path, bert_model_path;
  bool use_cpu = true;
  EmbeddingConfig embedding_config;
};
struct EmbeddingModels {
  SemanticEmbeddings semantic;
};

struct SystemModels {
  std::string prompt_guard = "models/mmbert32k-jailbreak-detector-merged";
  std::string domain_classifier = "models/mmbert32k-intent-classifier-merged";
  std::string pii_classifier = "models/mmbert32k-pii-detector-merged";
  std::string fact_check_classifier = "models/mmbert32k-factcheck-classifier-merged";
  std::string hallucination_detector = "models/mom-halugate-detector";
  std::string hallucination_explainer = "models/mom-halugate-explainer";
  std::string feedback_detector = "models/mmbert32k-feedback-detector-merged";
};

struct ExternalEndpoint {
  std::string address;
  int port = 0;
  std::string protocol, name;
  bool use_chat_template = false;
  std::string prompt_template;
};
struct ExternalModel {
  std::string llm_provider, model_role;
  ExternalEndpoint llm_endpoint;
  std::string llm_model_name;
  int llm_timeout_seconds = 0;
  std::string parser_type;
  double threshold = 0;
  std::string access_key;
  int max_tokens = 0;
  double temperature = 0;
};

struct KbSource {
  std::string path;
  std::string manifest;
};
struct KbMetric {
  std::string name, type, positive_group, negative_group;
};
struct KnowledgeBase {
  std::string name;
  KbSource source;
  double threshold = 0;
  std::map<std::string, double> label_thresholds;
  std::map<std::string, std::vector<std::string>> groups;
  std::vector<KbMetric> metrics;
  PrototypeScoring prototype_scoring;
};

struct PromptCompression {
  bool enabled = false;
  int max_tokens = 0, min_length = 0;
  std::vector<std::string> skip_signals;
  double textrank_weight = 0, position_weight = 0, tfidf_weight = 0, position_depth = 0;
  int max_evaluation_chars = 0;
};

// The classifier modules share "model_ref + model settings" fields; unused ones stay default.
struct ClassifierModule {
  std::string model_ref;
  bool enabled = false;
  std::string model_id;
  double threshold = 0;
  bool use_cpu = true;
  bool use_modernbert = false;
  bool use_mmbert_32k = true;
  bool use_vllm = false;
  std::string mapping_path;  // jailbreak/category/pii/feedback mapping file
  std::string fallback_category;
  // hallucination detector extras
  int min_span_length = 0;
  double min_span_confidence = 0;
  int context_window_size = 0;
  bool enable_nli_filtering = false;
  double nli_entailment_threshold = 0;
};

struct McpClassifier {
  bool enabled = false;
  std::string transport_type, command;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string url, tool_name;
  double threshold = 0;
  int timeout_seconds = 0;
};
struct PreferenceModel {
  std::optional<bool> use_contrastive = true;
  std::string embedding_model;
  PrototypeScoring prototype_scoring;
};
struct ClassifierModules {
  ClassifierModule domain;
  McpClassifier mcp;
  ClassifierModule pii;
  PreferenceModel preference;
};
struct ComplexityModule {
  PrototypeScoring prototype_scoring;
};
struct HallucinationModule {
  bool enabled = false;
  std::string on_hallucination_detected;
  ClassifierModule fact_check;
  ClassifierModule detector;
  ClassifierModule explainer;
};
struct ModalityDetectorModule {
  bool enabled = false;
  std::vector<std::string> prompt_prefixes;
  ModalityDetectionConfig detection;  // inlined keys: method, classifier, keywords, ...
};
struct ModelModules {
  PromptCompression prompt_compression;
  ClassifierModule prompt_guard;
  ClassifierModules classifier;
  ComplexityModule complexity;
  HallucinationModule hallucination_mitigation;
  ClassifierModule feedback_detector;
  ModalityDetectorModule modality_detector;
};

struct ModelCatalog {
  EmbeddingModels embeddings;
  SystemModels system;
  std::vector<ExternalModel> external;
  std::vector<KnowledgeBase> kbs;  // built-ins privacy_kb and mmlu_kb unless overridden by name
  ModelModules modules;
};

struct Global {
  RouterGlobal router;
  Services services;
  Stores stores;
  Integrations integrations;
  ModelCatalog model_catalog;
};

// The router's built-in global settings (what an empty global: means).
Global DefaultGlobal();

}  // namespace vsr::config
