// A small Prometheus registry: counter and histogram families with labels, rendered in the
// text exposition format. Series per family are capped so label values from requests can
// never grow memory without bound.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace vsr::observability {

using LabelValues = std::vector<std::string>;

class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}
  virtual ~Family() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

  static constexpr size_t kMaxSeries = 2000;

 protected:
  std::string Labels(const LabelValues& values, const std::string& extra = {}) const;
  std::string name_, help_;
  std::vector<std::string> labels_;
  mutable std::mutex mu_;
};

class CounterFamily final : public Family {
 public:
  using Family::Family;
  void Add(const LabelValues& values, double amount = 1);
  double Value(const LabelValues& values) const;  // for tests
  void Render(std::string& out) const override;

 private:
  std::map<LabelValues, double> series_;
};

class HistogramFamily final : public Family {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> buckets)
      : Family(std::move(name), std::move(help), std::move(labels)), buckets_(std::move(buckets)) {}
  void Observe(const LabelValues& values, double value);
  uint64_t Count(const LabelValues& values) const;  // for tests
  void Render(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket (not cumulative)
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<LabelValues, Series> series_;
};

// Prometheus client defaults (seconds).
const std::vector<double>& DefaultBuckets();

class Registry {
 public:
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels);
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels, std::vector<double> buckets);
  std::string Render() const;  // text format 0.0.4

 private:
  std::vector<std::unique_ptr<Family>> families_;  // registration order
};

}  // namespace vsr::observability
