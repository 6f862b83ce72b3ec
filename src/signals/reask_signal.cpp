// The reask family: the user asking the same thing again. The current user turn is compared
// with earlier user turns, newest first; a rule matches when the last lookback_turns of them
// (default 1) are all at >= its threshold (default 0.8) — a streak. Its confidence is the
// lowest similarity within the lookback. When several rules match, only those with the longest
// lookback are kept (the most specific evidence), as upstream does.
#include <algorithm>
#include <map>

#include "common/strings.h"
#include "signals/learned.h"
#include "signals/prototype_bank.h"

namespace vsr::signals {
namespace {

class ReaskSignal final : public Signal {
 public:
  ReaskSignal(const config::Config& c, std::shared_ptr<const ml::Embedder> embedder)
      : rules_(c.routing.signals.reasks), embedder_(std::move(embedder)) {}
  Family family() const override { return Family::kReask; }
  std::vector<std::string> RuleNames() const override { return RuleNamesOf(rules_); }
  bool IsExpensive() const override { return true; }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    if (Trim(request.current_user_text).empty() || request.prior_user_messages.empty()) return;
    const std::vector<float> current = embedder_->Embed(request.current_user_text);
    std::vector<double> similarities;  // newest prior turn first
    std::map<std::string, double> seen;
    for (auto it = request.prior_user_messages.rbegin(); it != request.prior_user_messages.rend();
         ++it) {
      if (Trim(*it).empty()) continue;
      auto [pos, fresh] = seen.try_emplace(*it, 0.0);
      if (fresh) pos->second = Dot(current, embedder_->Embed(*it));
      similarities.push_back(pos->second);
    }
    struct Match {
      const config::ReaskSignal* rule;
      double min_similarity;
      int lookback;
    };
    std::vector<Match> matches;
    for (const config::ReaskSignal& r : rules_) {
      const int lookback = std::max(1, r.lookback_turns);
      const double threshold = r.threshold > 0 ? r.threshold : 0.8;
      if (static_cast<int>(similarities.size()) < lookback) continue;
      double lowest = 1.0;
      int streak = 0;
      for (double s : similarities) {
        if (s < threshold) break;
        if (streak < lookback) lowest = std::min(lowest, s);
        ++streak;
      }
      if (streak >= lookback) matches.push_back({&r, lowest, lookback});
    }
    int longest = 0;
    for (const Match& m : matches) longest = std::max(longest, m.lookback);
    for (const Match& m : matches) {
      if (m.lookback != longest) continue;
      out.matched.push_back(m.rule->name);
      out.confidences["reask:" + m.rule->name] = m.min_similarity;
      out.confidence = std::max(out.confidence, m.min_similarity);
    }
  }

 private:
  std::vector<config::ReaskSignal> rules_;
  std::shared_ptr<const ml::Embedder> embedder_;
};

}  // namespace

std::unique_ptr<Signal> MakeReaskSignal(const config::Config& c, ml::ModelStore& models,
                                        std::string& error) {
  auto embedder = LoadEmbedder(EmbeddingModel(c), models, error);
  if (!embedder) return nullptr;
  return std::make_unique<ReaskSignal>(c, std::move(embedder));
}

}  // namespace vsr::signals
