// Token-count ranges (upstream context_classifier.go): tokens = ceil(bytes / 4) of the context
// text (non-user messages plus the current user message); a rule matches when
// min_tokens <= count <= max_tokens. A rule without max_tokens has no upper bound (upstream
// would read it as 0 and never match a non-empty prompt).
#include "signals/families.h"

namespace vsr::signals {
namespace {

class ContextSignal final : public Signal {
 public:
  explicit ContextSignal(std::vector<config::ContextSignal> rules) : rules_(std::move(rules)) {}
  Family family() const override { return Family::kContext; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const int64_t tokens = (static_cast<int64_t>(request.context_text.size()) + 3) / 4;
    out.token_count = static_cast<int>(tokens);
    out.confidence = 1.0;
    for (const auto& r : rules_) {
      const bool below_max = r.max_token_count <= 0 || tokens <= r.max_token_count;
      if (tokens >= r.min_token_count && below_max) out.matched.push_back(r.name);
    }
  }

 private:
  std::vector<config::ContextSignal> rules_;
};

}  // namespace

std::unique_ptr<Signal> MakeContextSignal(const config::Config& c, std::string&) {
  return std::make_unique<ContextSignal>(c.routing.signals.context);
}

}  // namespace vsr::signals
