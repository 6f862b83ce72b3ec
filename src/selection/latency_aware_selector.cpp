#include "selection/latency_aware_selector.h"

#include <cstdio>
#include <limits>

namespace vsr::selection {
namespace {

class LatencyAwareSelector final : public Selector {
 public:
  explicit LatencyAwareSelector(std::shared_ptr<const LatencyStats> stats)
      : stats_(std::move(stats)) {}
  std::string Method() const override { return "latency_aware"; }

  std::optional<SelectionResult> Choose(const SelectionContext& ctx,
                                        std::string& error) const override {
    const int tpot_p = ctx.tpot_percentile, ttft_p = ctx.ttft_percentile;
    if (tpot_p <= 0 && ttft_p <= 0) {
      error = "latency-aware percentile config missing";
      return std::nullopt;
    }
    struct Candidate {
      const config::ModelRef* ref;
      double tpot = 0, ttft = 0;
    };
    std::vector<Candidate> candidates;
    double min_tpot = std::numeric_limits<double>::max(), min_ttft = min_tpot;
    for (const config::ModelRef& ref : *ctx.candidates) {
      Candidate c{&ref};
      if (tpot_p > 0) {
        auto v = stats_->TpotPercentile(ref.model, tpot_p);
        if (!v) continue;
        c.tpot = *v;
        min_tpot = std::min(min_tpot, c.tpot);
      }
      if (ttft_p > 0) {
        auto v = stats_->TtftPercentile(ref.model, ttft_p);
        if (!v) continue;
        c.ttft = *v;
        min_ttft = std::min(min_ttft, c.ttft);
      }
      candidates.push_back(c);
    }
    if (candidates.empty()) {
      error = "no latency stats available";
      return std::nullopt;
    }
    SelectionResult r;
    r.method = Method();
    double best = std::numeric_limits<double>::max(), second = best;
    for (const Candidate& c : candidates) {
      double score = 0;
      int parts = 0;
      if (tpot_p > 0) score += c.tpot / (min_tpot > 0 ? min_tpot : 1.0), ++parts;
      if (ttft_p > 0) score += c.ttft / (min_ttft > 0 ? min_ttft : 1.0), ++parts;
      score /= parts;
      r.all_scores[c.ref->model] = score;
      if (score < best) {
        second = best;
        best = score;
        r.ref = c.ref;
      } else if (score < second) {
        second = score;
      }
    }
    r.score = best;
    r.confidence = second < std::numeric_limits<double>::max() && second > 0
                       ? std::max(0.0, second - best) / second
                       : 1.0;
    char buf[128];
    std::snprintf(buf, sizeof buf,
                  "lowest latency (tpot p%d, ttft p%d) relative to the fastest candidate", tpot_p,
                  ttft_p);
    r.reasoning = buf;
    return r;
  }

 private:
  std::shared_ptr<const LatencyStats> stats_;
};

}  // namespace

std::unique_ptr<Selector> MakeLatencyAwareSelector(std::shared_ptr<const LatencyStats> stats) {
  return std::make_unique<LatencyAwareSelector>(std::move(stats));
}

}  // namespace vsr::selection
