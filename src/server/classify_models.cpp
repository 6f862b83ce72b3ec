#include "server/classify_models.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>

#include "common/strings.h"
#include "signals/learned.h"

namespace vsr::server {
namespace {

namespace json = boost::json;

ClassifyOutcome NotReady(const std::string& why) {
  return {503, "SERVICE_UNAVAILABLE", "classifier not ready: " + why, {}};
}

const json::object* Options(const json::object& request) {
  const json::value* o = request.if_contains("options");
  return o != nullptr ? o->if_object() : nullptr;
}

bool Flag(const json::object* options, const char* key) {
  const json::value* v = options != nullptr ? options->if_contains(key) : nullptr;
  return v != nullptr && v->is_bool() && v->as_bool();
}

int64_t MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace

ClassifyOutcome ClassifyPii(const config::Config& c, ml::ModelStore& models,
                            const json::object& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string text(request.at("text").as_string());
  std::vector<std::string> labels;
  std::string error;
  auto model = signals::LoadPiiClassifier(c, models, labels, error);
  if (!model) return NotReady(error);
  const json::object* options = Options(request);
  double threshold = c.global.model_catalog.modules.classifier.pii.threshold;
  if (const json::value* t = options ? options->if_contains("confidence_threshold") : nullptr;
      t != nullptr && t->is_number() && t->to_number<double>() > 0) {
    threshold = t->to_number<double>();
  }
  std::vector<std::string> wanted;  // options.entity_types, case-insensitive
  if (const json::value* types = options ? options->if_contains("entity_types") : nullptr;
      types != nullptr && types->is_array()) {
    for (const json::value& t : types->as_array()) {
      if (t.is_string()) wanted.push_back(ToUpper(std::string(t.as_string())));
    }
  }
  struct Found {
    std::string type, value;
    size_t start, end;
    double confidence;
  };
  std::vector<Found> found;
  for (const ml::TokenEntity& e : model->Entities(text)) {
    const std::string type = signals::PiiTypeName(e.type, labels);
    if (e.confidence < threshold) continue;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), ToUpper(type)) == wanted.end()) {
      continue;
    }
    found.push_back({type, text.substr(e.start, e.end - e.start), e.start, e.end, e.confidence});
  }
  const bool positions = Flag(options, "return_positions");
  const bool mask = Flag(options, "mask_entities");
  const bool reveal = Flag(options, "reveal_entity_text");
  // One placeholder per distinct (type, text): [EMAIL_ADDRESS_0], [EMAIL_ADDRESS_1]...
  std::map<std::pair<std::string, std::string>, std::string> placeholders;
  std::map<std::string, int> per_type;
  for (const Found& f : found) {
    auto [it, fresh] = placeholders.try_emplace({f.type, f.value});
    if (fresh) it->second = "[" + f.type + "_" + std::to_string(per_type[f.type]++) + "]";
  }
  json::array entities;
  for (const Found& f : found) {
    json::object e;
    e["type"] = f.type;
    e["value"] = reveal ? f.value : "[DETECTED]";
    e["confidence"] = f.confidence;
    if (positions) {
      e["start_position"] = static_cast<int64_t>(f.start);
      e["end_position"] = static_cast<int64_t>(f.end);
    }
    if (mask) e["masked_value"] = placeholders[{f.type, f.value}];
    entities.push_back(std::move(e));
  }
  ClassifyOutcome out;
  out.body["has_pii"] = !found.empty();
  out.body["entities"] = std::move(entities);
  if (mask && !found.empty()) {
    std::string masked = text;
    std::vector<Found> by_start = found;
    std::sort(by_start.begin(), by_start.end(),
              [](const Found& a, const Found& b) { return a.start > b.start; });
    for (const Found& f : by_start) {  // from the end, so earlier offsets stay valid
      masked.replace(f.start, f.end - f.start, placeholders[{f.type, f.value}]);
    }
    out.body["masked_text"] = masked;
  }
  out.body["security_recommendation"] = found.empty() ? "allow" : "block";
  out.body["processing_time_ms"] = MillisSince(start);
  return out;
}

bool GuardSaysJailbreak(const config::Config& c, const std::string& label, double confidence) {
  return ToLower(label) == "jailbreak" &&
         confidence >= c.global.model_catalog.modules.prompt_guard.threshold;
}

ClassifyOutcome ClassifySecurity(const config::Config& c, ml::ModelStore& models,
                                 const json::object& request) {
  const auto start = std::chrono::steady_clock::now();
  const std::string text(request.at("text").as_string());
  std::vector<std::string> labels;
  std::string error;
  auto model = signals::LoadClassifier(signals::ClassifierModel(c, signals::Family::kJailbreak),
                                       models, labels, error);
  if (!model) return NotReady(error);
  const std::vector<float> p = model->Classify(text);
  const auto top = ml::ArgMax(p);
  const std::string label = top < labels.size() ? labels[top] : "";
  const double confidence = p.empty() ? 0 : p[top];
  const bool jailbreak = GuardSaysJailbreak(c, label, confidence);
  ClassifyOutcome out;
  out.body["is_jailbreak"] = jailbreak;
  out.body["risk_score"] = confidence;
  out.body["detection_types"] = jailbreak ? json::array{json::string(label)} : json::array{};
  out.body["confidence"] = confidence;
  out.body["recommendation"] = jailbreak ? "block" : "allow";
  if (jailbreak && Flag(Options(request), "include_reasoning")) {
    char reasoning[96];
    std::snprintf(reasoning, sizeof reasoning, "Detected %s pattern with confidence %.3f",
                  label.c_str(), confidence);
    out.body["reasoning"] = reasoning;
  }
  out.body["patterns_detected"] = jailbreak ? json::array{json::string(label)} : json::array{};
  out.body["processing_time_ms"] = MillisSince(start);
  return out;
}

namespace {

// The request's text through `family`'s classifier: its probabilities, with `labels`; nullopt
// when there is no model, `unavailable` then saying so in upstream's words — `disabled` when
// none is configured, "unknown" when it cannot be loaded.
std::optional<std::vector<float>> Probabilities(const config::Config& c, ml::ModelStore& models,
                                                const json::object& request, signals::Family family,
                                                const char* disabled,
                                                std::vector<std::string>& labels,
                                                std::string& unavailable) {
  const signals::ModelRef ref = signals::ClassifierModel(c, family);
  std::string error;
  auto model = signals::LoadClassifier(ref, models, labels, error);
  if (!model) {
    unavailable = ref.path.empty() ? disabled : "unknown";
    return std::nullopt;
  }
  return model->Classify(std::string(request.at("text").as_string()));
}

}  // namespace

ClassifyOutcome ClassifyFactCheck(const config::Config& c, ml::ModelStore& models,
                                  const json::object& request) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> labels;
  std::string unavailable;
  const auto p = Probabilities(c, models, request, signals::Family::kFactCheck,
                               "fact_check_disabled", labels, unavailable);
  const signals::FactCheckVerdict v =
      p ? signals::JudgeFactCheck(*p, signals::FactCheckThreshold(c)) : signals::FactCheckVerdict{};
  ClassifyOutcome out;
  out.body["needs_fact_check"] = p && v.needed;
  out.body["label"] = !p ? unavailable : v.needed ? "needs_fact_check" : "no_fact_check_needed";
  out.body["confidence"] = p ? v.confidence : 0.0;
  out.body["processing_time_ms"] = MillisSince(start);
  return out;
}

ClassifyOutcome ClassifyUserFeedback(const config::Config& c, ml::ModelStore& models,
                                     const json::object& request) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> labels;
  std::string unavailable;
  const auto p = Probabilities(c, models, request, signals::Family::kUserFeedback,
                               "feedback_detector_disabled", labels, unavailable);
  const signals::FeedbackVerdict v =
      p ? signals::JudgeFeedback(*p, labels, signals::FeedbackThreshold(c))
        : signals::FeedbackVerdict{};
  ClassifyOutcome out;
  out.body["feedback_type"] = p ? v.label : unavailable;
  out.body["label"] = p ? v.label : unavailable;
  out.body["confidence"] = p ? v.confidence : 0.0;
  out.body["processing_time_ms"] = MillisSince(start);
  return out;
}

}  // namespace vsr::server
