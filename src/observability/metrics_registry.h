// A small Prometheus registry: counter and histogram families with labels, rendered in the
// text exposition format. Series per family are capped so label values from requests can
// never grow memory without bound.
#pragma once

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::observability {

using LabelValues = std::vector<std::string>;
// The label values of one update, as written at the call site ({model, "success"}): views, so
// updating an existing series allocates nothing (a new series copies them once).
using LabelView = std::initializer_list<std::string_view>;

// Orders stored label sets and finds them by views without building a LabelValues.
struct LabelLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

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

// One number per label set: counters only go up, gauges are set.
class ScalarFamily : public Family {
 public:
  ScalarFamily(std::string name, std::string help, std::vector<std::string> labels,
               const char* type)
      : Family(std::move(name), std::move(help), std::move(labels)), type_(type) {}
  double Value(LabelView values) const;  // for tests
  void Render(std::string& out) const override;

 protected:
  void Update(LabelView values, double amount, bool add);

 private:
  const char* type_;
  std::map<LabelValues, double, LabelLess> series_;
};

class CounterFamily final : public ScalarFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : ScalarFamily(std::move(name), std::move(help), std::move(labels), "counter") {}
  void Add(LabelView values, double amount = 1) { Update(values, amount, true); }
};

class GaugeFamily final : public ScalarFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
      : ScalarFamily(std::move(name), std::move(help), std::move(labels), "gauge") {}
  void Set(LabelView values, double value) { Update(values, value, false); }
};

class HistogramFamily final : public Family {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                  std::vector<double> buckets)
      : Family(std::move(name), std::move(help), std::move(labels)), buckets_(std::move(buckets)) {}
  void Observe(LabelView values, double value);
  uint64_t Count(LabelView values) const;  // for tests
  void Render(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket (not cumulative)
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> buckets_;
  std::map<LabelValues, Series, LabelLess> series_;
};

// Prometheus client defaults (seconds).
const std::vector<double>& DefaultBuckets();

class Registry {
 public:
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels);
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels, std::vector<double> buckets);
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> labels);
  std::string Render() const;  // text format 0.0.4

 private:
  std::vector<std::unique_ptr<Family>> families_;  // registration order
};

}  // namespace vsr::observability
