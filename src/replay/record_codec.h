// A replay record packed into one buffer, and back. The in-memory store keeps ten thousand
// records per decision by default; held as structs, each is some thirty heap blocks that
// outlive thousands of requests, and their eviction, one cold block after another, cost the
// data plane ~15% of its CPU per request (bench/proxy). Packed, a record is one block.
// The format is private to the process (never written to disk or sent anywhere).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay/record.h"

namespace vsr::replay {

// A packed record (or outcome) as the store holds it: the bytes in one block together with their
// reference count, one allocation where a std::string behind a shared_ptr took two. Shared, so
// that readers unpack their copy after releasing the store's lock; never changed once made.
class PackedBlock {
 public:
  PackedBlock() = default;
  std::string_view bytes() const { return {data_.get(), size_}; }
  explicit operator bool() const { return data_ != nullptr; }
  bool operator==(const PackedBlock& other) const { return data_ == other.data_; }

 private:
  friend PackedBlock CopyToBlock(std::string_view bytes);
  std::shared_ptr<const char[]> data_;
  size_t size_ = 0;
};

PackedBlock PackRecord(const ReplayRecord& record);

// A new record's request fields as views into what the data plane holds already (the fields
// ReplayRecord has and the record codec lists first, under the same names), so that recording a
// request packs it without copying every field into a ReplayRecord on the way.
struct RequestFieldsView {
  // Matched signal names per signal key, as ReplayRecord::signals; in any order (unpacked into
  // the map: a key given twice keeps its last names). Packed in key order, the bytes are those
  // of PackRecord.
  using Signals = std::vector<std::pair<std::string_view, const std::vector<std::string>*>>;
  using Scores = const std::map<std::string, double>*;  // null: none

  std::string_view id;
  int64_t timestamp_ns = 0;
  std::string_view request_id;
  std::string_view session_id;
  int turn_index = 0;
  std::string_view previous_response_id;
  std::string_view decision;
  int decision_tier = 0;
  int decision_priority = 0;
  std::string_view category;
  std::string_view original_model;
  std::string_view selected_model;
  std::string_view reasoning_mode;
  double confidence_score = 0;
  std::string_view selection_method;
  Signals signals;
  std::span<const std::string> projections;
  Scores projection_scores = nullptr;
  Scores signal_confidences = nullptr;
  std::string_view request_body;
  bool request_body_truncated = false;
  bool guardrails_enabled = false;
  bool jailbreak_enabled = false;
  bool pii_enabled = false;
  std::string_view prompt;
  bool prompt_truncated = false;
  std::string_view tool_definitions;
  bool tool_definitions_truncated = false;
  bool streaming = false;  // an outcome field, known from the request already
};
// The same bytes as PackRecord of a record with these request fields, `streaming`, and the rest
// of the outcome not known yet (defaults).
PackedBlock PackRequestFields(const RequestFieldsView& view);
// `packed` must come from PackRecord.
ReplayRecord UnpackRecord(std::string_view packed);
// The record's id, read in place (it is the first field): a view into `packed`.
std::string_view PackedId(const PackedBlock& packed);

// A record's outcome fields as views (the fields ForEachOutcomeField lists, under the same
// names), so that completing a request's record packs them without a ReplayRecord on the way.
struct OutcomeFieldsView {
  std::string_view response_body;
  int response_status = 0;
  bool from_cache = false;
  bool streaming = false;
  bool response_body_truncated = false;
  bool response_jailbreak_detected = false;
  std::string_view response_jailbreak_type;
  double response_jailbreak_confidence = 0;
  bool rag_enabled = false;
  std::string_view rag_backend;
  int rag_context_length = 0;
  double rag_similarity_score = 0;
  bool hallucination_enabled = false;
  bool hallucination_detected = false;
  double hallucination_confidence = 0;
  std::span<const std::string> hallucination_spans;
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<int64_t> total_tokens;
  std::optional<double> actual_cost;
  std::optional<double> baseline_cost;
  std::optional<double> cost_savings;
  std::optional<std::string_view> currency;
  std::optional<std::string_view> baseline_model;
  double latency_ms = 0;
};
// The same bytes as PackOutcome of a record with these outcome fields.
PackedBlock PackOutcomeFields(const OutcomeFieldsView& view);
// The same bytes as PackRecord of a record with these request and outcome fields (the outcome's
// `streaming`, not the request's): a request answered before it was forwarded, recorded whole.
PackedBlock PackRecordFields(const RequestFieldsView& request, const OutcomeFieldsView& outcome);

// Only the fields that say how a request ended (status, answer, tokens and cost, the answer's
// screens, cache and streaming flags, latency): the data plane records a request when it is
// forwarded and adds these when it ends, without unpacking and repacking the rest.
PackedBlock PackOutcome(const ReplayRecord& record);
// Sets `record`'s outcome fields from what PackOutcome wrote; the others stay as they are.
void UnpackOutcome(std::string_view packed, ReplayRecord& record);

}  // namespace vsr::replay
