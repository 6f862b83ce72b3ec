// One router replay record: what the router decided for a request and how it ended, with the
// JSON field names of upstream's replay store (routerreplay/store.Record) so that the replay
// API, the dashboard and scripts written against upstream read it unchanged.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vsr::replay {

struct ReplayRecord {
  std::string id;
  int64_t timestamp_ns = 0;  // Unix time, nanoseconds, UTC
  std::string request_id;
  std::string session_id;
  int turn_index = 0;
  std::string previous_response_id;
  std::string decision;
  int decision_tier = 0;
  int decision_priority = 0;
  std::string category;
  std::string original_model;  // the model the client asked for
  std::string selected_model;
  std::string reasoning_mode;  // "on" | "off"
  double confidence_score = 0;
  std::string selection_method;
  // Matched signal names per replay signal key (keyword, embedding, domain, fact_check, ...).
  std::map<std::string, std::vector<std::string>> signals;
  std::vector<std::string> projections;
  std::map<std::string, double> projection_scores;
  std::map<std::string, double> signal_confidences;  // "type:name"
  std::string request_body;
  std::string response_body;
  int response_status = 0;
  bool from_cache = false;
  bool streaming = false;
  bool request_body_truncated = false;
  bool response_body_truncated = false;
  bool guardrails_enabled = false;
  bool jailbreak_enabled = false;
  bool pii_enabled = false;
  bool response_jailbreak_detected = false;
  std::string response_jailbreak_type;
  double response_jailbreak_confidence = 0;
  bool rag_enabled = false;
  std::string rag_backend;
  int rag_context_length = 0;
  double rag_similarity_score = 0;
  bool hallucination_enabled = false;
  bool hallucination_detected = false;
  double hallucination_confidence = 0;
  std::vector<std::string> hallucination_spans;
  std::string prompt;  // the last user message
  bool prompt_truncated = false;
  std::string tool_definitions;  // the request's `tools`, as JSON
  bool tool_definitions_truncated = false;
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<double> actual_cost;
  std::optional<double> baseline_cost;
  std::optional<double> cost_savings;
  std::optional<std::string> currency;
  std::optional<std::string> baseline_model;
  double latency_ms = 0;  // ours (upstream has none): request start to last byte
  // A new field also goes into ForEachRequestField or ForEachOutcomeField (record_codec.cpp),
  // or the in-memory store drops it.

  bool operator==(const ReplayRecord&) const = default;
};

boost::json::object ToJson(const ReplayRecord& r);
// Reads a record written by ToJson; unknown fields are ignored, missing ones keep defaults.
ReplayRecord FromJson(const boost::json::object& o);

// Go's time.RFC3339Nano in UTC ("2026-12-01T21:04:05.123456789Z", trailing zeros dropped),
// the form upstream's records carry.
std::string FormatTimestamp(int64_t unix_ns);
std::optional<int64_t> ParseTimestamp(std::string_view text);

std::string NewReplayId();  // 32 random hex digits

}  // namespace vsr::replay
