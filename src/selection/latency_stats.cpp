#include "selection/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vsr::selection {

void LatencyStats::Record(Samples& samples, const std::string& model, double value) {
  if (!std::isfinite(value) || value < 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto& q = samples[model];
  q.push_back(value);
  if (q.size() > window_) q.pop_front();
}

std::optional<double> LatencyStats::Percentile(const Samples& samples, const std::string& model,
                                               int p) const {
  std::vector<double> values;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = samples.find(model);
    if (it == samples.end() || it->second.empty()) return std::nullopt;
    values.assign(it->second.begin(), it->second.end());
  }
  std::sort(values.begin(), values.end());
  const int clamped = std::clamp(p, 1, 100);
  const auto rank =
      static_cast<size_t>(std::ceil(clamped / 100.0 * static_cast<double>(values.size())));
  return values[std::max<size_t>(rank, 1) - 1];
}

}  // namespace vsr::selection
