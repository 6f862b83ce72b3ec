// A small Prometheus registry: counter and histogram families with labels, rendered in the
// text exposition format. Series per family are capped so label values from requests can
// never grow memory without bound. Each family keeps a shard per thread slot: an update takes
// only its own thread's lock and touches only its own cache lines (the router's I/O threads
// update the same series for every request), and rendering adds the shards up.
#pragma once

#include <algorithm>
#include <array>
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

// The calling thread's shard slot, in [0, kShards): threads take slots in turn.
size_t ThreadShard();

// Series of one value type by label set, a map per thread slot.
template <typename V>
class ShardedSeries {
 public:
  static constexpr size_t kShards = 8;
  // Applies `update` to the calling thread's series for `values` (made from `fresh` when new,
  // unless the shard already holds `cap` series: then nothing happens). `shard` overrides the
  // thread's slot.
  template <typename Fresh, typename Update>
  void With(LabelView values, size_t cap, Fresh&& fresh, Update&& update, size_t shard = kShards) {
    Shard& s = shards_[shard < kShards ? shard : ThreadShard()];
    std::lock_guard lock(s.mu);
    auto it = s.series.find(values);
    if (it == s.series.end()) {
      if (s.series.size() >= cap) return;  // bounded cardinality: drop new series
      it = s.series.emplace(LabelValues(values.begin(), values.end()), fresh()).first;
    }
    update(it->second);
  }
  // Every label set's value, the shards' values combined by `merge(into, from)`.
  template <typename Merge>
  std::map<LabelValues, V, LabelLess> Merged(Merge&& merge) const {
    std::map<LabelValues, V, LabelLess> out;
    for (const Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      for (const auto& [values, v] : s.series) {
        auto [it, added] = out.emplace(values, v);
        if (!added) merge(it->second, v);
      }
    }
    return out;
  }

 private:
  struct alignas(64) Shard {
    mutable std::mutex mu;
    std::map<LabelValues, V, LabelLess> series;
  };
  std::array<Shard, kShards> shards_;
};

class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}
  virtual ~Family() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

  static constexpr size_t kMaxSeries = 2000;  // per shard

 protected:
  std::string Labels(const LabelValues& values, const std::string& extra = {}) const;
  std::string name_, help_;
  std::vector<std::string> labels_;
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
  ShardedSeries<double> series_;  // gauges live in shard 0 (the last value set wins)
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
  ShardedSeries<Series> series_;
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
