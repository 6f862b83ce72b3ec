// Factories for every signal family; registry.cpp is the one place that calls them.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "ml/model_store.h"
#include "signals/signal.h"

namespace vsr::signals {

// Each returns nullptr with `error` set when the family's config cannot be turned into a
// working signal (the validator normally catches that first).
std::unique_ptr<Signal> MakeKeywordSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeContextSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeStructureSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeLanguageSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeConversationSignal(const config::Config& c, std::string& error);
// With `models` (null: no models), method classifier/hybrid load the modality classifier.
std::unique_ptr<Signal> MakeModalitySignal(const config::Config& c, ml::ModelStore* models);
std::unique_ptr<Signal> MakeAuthzSignal(const config::Config& c, std::string& error);
// The placeholder for a family that needs a learned model (embedding, domain, fact_check,
// user_feedback, reask, preference, complexity, jailbreak, pii, kb) or a state store (session
// metrics) it does not have: it reports why it cannot run — `why` (which model failed to load,
// and how to fix it) or, when empty, the model the family needs.
std::unique_ptr<Signal> MakeModelBackedSignal(Family family, const config::Config& c,
                                              const std::string& why = "");

}  // namespace vsr::signals

namespace vsr::signals {
// The language the language signal would see in `text`: ISO 639-1 code and confidence.
std::pair<std::string, double> DetectLanguage(const std::string& text);
}  // namespace vsr::signals
