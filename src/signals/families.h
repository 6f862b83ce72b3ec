// Factories for every signal family; registry.cpp is the one place that calls them.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "signals/signal.h"

namespace vsr::signals {

// Each returns nullptr with `error` set when the family's config cannot be turned into a
// working signal (the validator normally catches that first).
std::unique_ptr<Signal> MakeKeywordSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeContextSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeStructureSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeLanguageSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeConversationSignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeModalitySignal(const config::Config& c, std::string& error);
std::unique_ptr<Signal> MakeAuthzSignal(const config::Config& c, std::string& error);
// Families that need a learned model (embedding, domain, fact_check, user_feedback, reask,
// preference, complexity, jailbreak, pii, kb) and session metrics: they report why they
// cannot run until the ML runtime provides their model.
std::unique_ptr<Signal> MakeModelBackedSignal(Family family, const config::Config& c);

}  // namespace vsr::signals

namespace vsr::signals {
// The language the language signal would see in `text`: ISO 639-1 code and confidence.
std::pair<std::string, double> DetectLanguage(const std::string& text);
}  // namespace vsr::signals
