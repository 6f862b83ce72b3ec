#include "routing/projections.h"

#include <cmath>

#include "common/strings.h"
#include "signals/predicate.h"

namespace vsr::routing {
namespace {

double InputValue(const config::ProjectionScoreInput& in, const SignalResults& r) {
  const std::string type = ToLower(Trim(in.type));
  if (type == "kb_metric") {  // a knowledge base's metric value (the kb signal computes it)
    auto it = r.values.find(ToLower("kb_metric:" + in.kb + ":" + in.metric));
    return it == r.values.end() ? 0 : it->second;
  }
  const std::string key = type + ":" + in.name;
  const std::string_view source = Trim(in.value_source);
  if (IEquals(source, "raw")) {
    auto it = r.values.find(key);
    return it == r.values.end() ? 0 : it->second;
  }
  const bool matched = r.Matched(in.type, in.name);
  if (IEquals(source, "confidence")) {
    if (!matched) return 0;
    auto it = r.confidences.find(key);
    return it != r.confidences.end() && it->second > 0 ? it->second : 1.0;
  }
  const double match = in.match && *in.match != 0 ? *in.match : 1.0;
  return matched ? match : in.miss.value_or(0);
}

double BandConfidence(const config::ProjectionMapping& m, const config::ProjectionOutput& o,
                      double v) {
  const double slope = m.calibration && m.calibration->slope > 0 ? m.calibration->slope : 12.0;
  double distance = 1.0;
  bool any = false;
  for (const auto& [bound, is_lower] :
       {std::pair{o.gt, true}, {o.gte, true}, {o.lt, false}, {o.lte, false}}) {
    if (!bound) continue;
    const double d = is_lower ? std::abs(v - *bound) : std::abs(*bound - v);
    distance = any ? std::min(distance, d) : d;
    any = true;
  }
  return 1.0 / (1.0 + std::exp(-slope * distance));
}

}  // namespace

void ApplyProjections(const config::Projections& projections, SignalResults& results) {
  if (projections.scores.empty() || projections.mappings.empty()) return;
  for (const config::ProjectionScore& score : projections.scores) {
    double total = 0;
    for (const config::ProjectionScoreInput& in : score.inputs)
      total += in.weight * InputValue(in, results);
    results.projection_scores[score.name] = total;
  }
  for (const config::ProjectionMapping& mapping : projections.mappings) {
    auto it = results.projection_scores.find(mapping.source);
    if (it == results.projection_scores.end()) continue;
    for (const config::ProjectionOutput& out : mapping.outputs) {
      if (!signals::WithinBounds(it->second, out)) continue;
      results.projection_matches.push_back(out.name);
      results.confidences["projection:" + out.name] = BandConfidence(mapping, out, it->second);
      break;
    }
  }
}

}  // namespace vsr::routing
