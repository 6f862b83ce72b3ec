// POST /api/v1/classify/pii, /security, /fact-check and /user-feedback: upstream's response
// shapes, from the configured PII token classifier, prompt guard, fact-check classifier and
// feedback detector (loaded through the process's model store, shared with the signals).
#pragma once

#include <boost/json.hpp>
#include <string>

#include "config/config.h"
#include "ml/model_store.h"

namespace vsr::server {

struct ClassifyOutcome {
  int status = 200;
  std::string code, message;  // when status != 200
  boost::json::object body;
};

// Request {"text", "options": {entity_types, confidence_threshold, return_positions,
// mask_entities, reveal_entity_text}} -> {has_pii, entities, masked_text, security_recommendation,
// processing_time_ms}. Entity values read "[DETECTED]" unless reveal_entity_text.
ClassifyOutcome ClassifyPii(const config::Config& c, ml::ModelStore& models,
                            const boost::json::object& request);

// The prompt guard's verdict as /classify/security gives it: its top label is "jailbreak" at
// modules.prompt_guard.threshold or more.
bool GuardSaysJailbreak(const config::Config& c, const std::string& label, double confidence);

// Request {"text", "options": {include_reasoning}} -> {is_jailbreak, risk_score, detection_types,
// confidence, recommendation, reasoning, patterns_detected, processing_time_ms}, judged at
// modules.prompt_guard.threshold.
ClassifyOutcome ClassifySecurity(const config::Config& c, ml::ModelStore& models,
                                 const boost::json::object& request);

// Request {"text", "options"} -> {needs_fact_check, label, confidence, processing_time_ms}, as the
// fact_check signal judges: label needs_fact_check / no_fact_check_needed; "fact_check_disabled"
// when no fact-check model is configured, "unknown" when it cannot be loaded (upstream answers
// both with 200).
ClassifyOutcome ClassifyFactCheck(const config::Config& c, ml::ModelStore& models,
                                  const boost::json::object& request);

// Request {"text", "options"} -> {feedback_type, label, confidence, processing_time_ms}, as the
// user_feedback signal judges; "feedback_detector_disabled" / "unknown" likewise.
ClassifyOutcome ClassifyUserFeedback(const config::Config& c, ml::ModelStore& models,
                                     const boost::json::object& request);

// Request {"texts", "task_type" (intent | pii | security | all), "options": {return_probabilities}}
// -> upstream's batch response {results: [{category, confidence, processing_time_ms,
// probabilities?}], total_count, processing_time_ms, statistics: {category_distribution,
// avg_confidence, low_confidence_count}} from the domain classifier (intent, all), the PII
// classifier or the prompt guard (classify_batch.cpp). The caller checked the input's shape.
ClassifyOutcome ClassifyBatch(const config::Config& c, ml::ModelStore& models,
                              const boost::json::object& request);

}  // namespace vsr::server
