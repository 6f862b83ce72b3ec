// The PII family: a token classifier finds entities in the screened texts (the evaluation text,
// plus history for rules with include_history); a rule matches when some entity at >= its
// threshold has a type outside its pii_types_allowed (compared case-insensitively). Each text
// goes through the model once, whatever the number of rules. Entity types named LABEL_<n> by
// a model without id2label names are translated through the configured PII mapping file.
#include <algorithm>
#include <map>
#include <set>

#include "common/strings.h"
#include "signals/learned.h"

namespace vsr::signals {
namespace {

class PiiSignal final : public Signal {
 public:
  PiiSignal(const config::Config& c, std::shared_ptr<const ml::TokenClassifier> model,
            std::vector<std::string> mapped_labels)
      : rules_(c.routing.signals.pii),
        model_(std::move(model)),
        mapped_(std::move(mapped_labels)) {}
  Family family() const override { return Family::kPii; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    std::map<std::string, std::vector<ml::TokenEntity>> found;  // per screened text
    for (const config::PiiSignal& r : rules_) {
      std::set<std::string> allowed;
      for (const std::string& a : r.pii_types_allowed) allowed.insert(ToUpper(a));
      bool denied = false;
      for (const std::string& text : TextsToScreen(request, r.include_history)) {
        auto [it, fresh] = found.try_emplace(text);
        if (fresh) it->second = model_->Entities(text);
        for (const ml::TokenEntity& e : it->second) {
          if (e.confidence >= r.threshold &&
              !allowed.contains(ToUpper(PiiTypeName(e.type, mapped_)))) {
            denied = true;
          }
        }
      }
      if (!denied) continue;
      out.matched.push_back(r.name);
      out.confidences["pii:" + r.name] = 1.0;
      out.confidence = 1.0;
    }
  }

 private:
  std::vector<config::PiiSignal> rules_;
  std::shared_ptr<const ml::TokenClassifier> model_;
  std::vector<std::string> mapped_;
};

}  // namespace

std::string PiiTypeName(const std::string& type, const std::vector<std::string>& labels) {
  if (!type.starts_with("LABEL_")) return type;
  const size_t index = static_cast<size_t>(std::atoi(type.c_str() + 6));
  if (index >= labels.size()) return type;
  const std::string& name = labels[index];
  return name.size() > 2 && name[1] == '-' ? name.substr(2) : name;
}

std::unique_ptr<Signal> MakePiiSignal(const config::Config& c, ml::ModelStore& models,
                                      std::string& error) {
  std::vector<std::string> labels;
  auto model = LoadPiiClassifier(c, models, labels, error);
  if (!model) return nullptr;
  return std::make_unique<PiiSignal>(c, std::move(model), std::move(labels));
}

}  // namespace vsr::signals
