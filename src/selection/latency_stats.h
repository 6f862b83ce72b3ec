// Recent time-to-first-token and time-per-output-token samples per model. The data plane records
// them as responses stream back; latency_aware selection reads their percentiles.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace vsr::selection {

class LatencyStats {
 public:
  explicit LatencyStats(size_t window = 1000) : window_(window) {}

  void RecordTtft(const std::string& model, double seconds) { Record(ttft_, model, seconds); }
  void RecordTpot(const std::string& model, double seconds) { Record(tpot_, model, seconds); }
  // The p-th percentile (1..100, nearest rank) of the model's recent samples; nullopt if none.
  std::optional<double> TtftPercentile(const std::string& model, int p) const {
    return Percentile(ttft_, model, p);
  }
  std::optional<double> TpotPercentile(const std::string& model, int p) const {
    return Percentile(tpot_, model, p);
  }

 private:
  using Samples = std::map<std::string, std::deque<double>>;
  void Record(Samples& samples, const std::string& model, double value);
  std::optional<double> Percentile(const Samples& samples, const std::string& model, int p) const;

  size_t window_;
  mutable std::mutex mu_;
  Samples ttft_, tpot_;
};

}  // namespace vsr::selection
