// DecodeFields() for every config struct: each declares its YAML keys, types and value checks.
#pragma once

#include "config/config.h"
#include "config/decoder.h"

namespace vsr::config {

// providers / listeners
void DecodeFields(MapReader& r, Listener& v);
void DecodeFields(MapReader& r, ReasoningFamily& v);
void DecodeFields(MapReader& r, ProviderDefaults& v);
void DecodeFields(MapReader& r, ModelPricing& v);
void DecodeFields(MapReader& r, BackendRef& v);
void DecodeFields(MapReader& r, ProviderModel& v);
void DecodeFields(MapReader& r, Providers& v);

// signals
void DecodeFields(MapReader& r, KeywordSignal& v);
void DecodeFields(MapReader& r, EmbeddingSignal& v);
void DecodeFields(MapReader& r, ModelScore& v);
void DecodeFields(MapReader& r, DomainSignal& v);
void DecodeFields(MapReader& r, DescribedSignal& v);
void DecodeFields(MapReader& r, ReaskSignal& v);
void DecodeFields(MapReader& r, PreferenceSignal& v);
void DecodeFields(MapReader& r, ContextSignal& v);
void DecodeFields(MapReader& r, NumericPredicate& v);
void DecodeFields(MapReader& r, StructureSource& v);
void DecodeFields(MapReader& r, StructureSignal& v);
void DecodeFields(MapReader& r, ComplexityCandidates& v);
void DecodeFields(MapReader& r, ComplexitySignal& v);
void DecodeFields(MapReader& r, Subject& v);
void DecodeFields(MapReader& r, RoleBinding& v);
void DecodeFields(MapReader& r, JailbreakSignal& v);
void DecodeFields(MapReader& r, PiiSignal& v);
void DecodeFields(MapReader& r, KbTarget& v);
void DecodeFields(MapReader& r, KbSignal& v);
void DecodeFields(MapReader& r, ConversationSource& v);
void DecodeFields(MapReader& r, ConversationSignal& v);
void DecodeFields(MapReader& r, SessionMetricSignal& v);
void DecodeFields(MapReader& r, Signals& v);

// routing
void DecodeFields(MapReader& r, LoraAdapter& v);
void DecodeFields(MapReader& r, ModelCard& v);
void DecodeFields(MapReader& r, ProjectionPartition& v);
void DecodeFields(MapReader& r, ProjectionScoreInput& v);
void DecodeFields(MapReader& r, ProjectionScore& v);
void DecodeFields(MapReader& r, ProjectionCalibration& v);
void DecodeFields(MapReader& r, ProjectionOutput& v);
void DecodeFields(MapReader& r, ProjectionMapping& v);
void DecodeFields(MapReader& r, Projections& v);
void DecodeFields(MapReader& r, SessionStateField& v);
void DecodeFields(MapReader& r, SessionState& v);
void DecodeFields(MapReader& r, RuleNode& v);
void DecodeFields(MapReader& r, ModelRef& v);
void DecodeFields(MapReader& r, HybridWeights& v);
void DecodeFields(MapReader& r, ConfidenceAlgorithm& v);
void DecodeFields(MapReader& r, RatingsAlgorithm& v);
void DecodeFields(MapReader& r, RemomAlgorithm& v);
void DecodeFields(MapReader& r, EloSelection& v);
void DecodeFields(MapReader& r, RouterDcSelection& v);
void DecodeFields(MapReader& r, AutoMixSelection& v);
void DecodeFields(MapReader& r, HybridSelection& v);
void DecodeFields(MapReader& r, RlDrivenSelection& v);
void DecodeFields(MapReader& r, GmtRouterSelection& v);
void DecodeFields(MapReader& r, LatencyAwareAlgorithm& v);
void DecodeFields(MapReader& r, MlAlgorithmBlock& v);
void DecodeFields(MapReader& r, Algorithm& v);
void DecodeFields(MapReader& r, CandidateIterationOutput& v);
void DecodeFields(MapReader& r, CandidateIteration& v);
void DecodeFields(MapReader& r, PluginSpec& v);
void DecodeFields(MapReader& r, Decision& v);
void DecodeFields(MapReader& r, Routing& v);

// plugins
void DecodeFields(MapReader& r, SemanticCachePluginConfig& v);
void DecodeFields(MapReader& r, MemoryReflectionConfig& v);
void DecodeFields(MapReader& r, MemoryPluginConfig& v);
void DecodeFields(MapReader& r, SystemPromptPluginConfig& v);
void DecodeFields(MapReader& r, HeaderPair& v);
void DecodeFields(MapReader& r, HeaderMutationPluginConfig& v);
void DecodeFields(MapReader& r, HallucinationPluginConfig& v);
void DecodeFields(MapReader& r, RouterReplayPluginConfig& v);
void DecodeFields(MapReader& r, RagPluginConfig& v);
void DecodeFields(MapReader& r, ModalityClassifierConfig& v);
void DecodeFields(MapReader& r, ModalityDetectionConfig& v);
// Upstream's modality-detection rules (a method, and what that method needs) at `path`.
void CheckModalityDetection(DecodeContext& ctx, const std::string& path,
                            const ModalityDetectionConfig& v);
void DecodeFields(MapReader& r, ImageGenBackendConfig& v);
void DecodeFields(MapReader& r, ImageGenPluginConfig& v);
void DecodeFields(MapReader& r, FastResponsePluginConfig& v);
void DecodeFields(MapReader& r, RequestParamsPluginConfig& v);
void DecodeFields(MapReader& r, ResponseJailbreakPluginConfig& v);
void DecodeFields(MapReader& r, ToolsPluginConfig& v);

// global
void DecodeFields(MapReader& r, Global& v);

// The top level: version, listeners, providers, routing, global, setup.
void DecodeFields(MapReader& r, Config& v);

// "32K" -> 32000, "1M" -> 1000000, "" -> 0; nullopt when malformed.
std::optional<int64_t> ParseTokenCount(std::string_view text);

}  // namespace vsr::config
