// POST /api/v1/classify/pii and /api/v1/classify/security: upstream's response shapes, from
// the configured PII token classifier and prompt-guard classifier (loaded through the process's
// model store, shared with the signals).
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

// Request {"text", "options": {include_reasoning}} -> {is_jailbreak, risk_score, detection_types,
// confidence, recommendation, reasoning, patterns_detected, processing_time_ms}, judged at
// modules.prompt_guard.threshold.
ClassifyOutcome ClassifySecurity(const config::Config& c, ml::ModelStore& models,
                                 const boost::json::object& request);

}  // namespace vsr::server
