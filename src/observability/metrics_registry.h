// A small Prometheus registry: counter, gauge and histogram families with labels, rendered in the
// text exposition format. Series per family are capped so label values from requests can never
// grow memory without bound.
//
// Laid out for the request path, which updates ~20 series per request with its caches cold (the
// rest of a request evicts them). Each thread slot has one table for the series of every family
// and one arena: a series is one block holding its value cells and its label values, and the
// blocks a request updates were made together by the slot's first request. An update hashes its
// label values, probes the table, takes the slot's lock (which only its own thread takes but for
// rendering) and writes the block: a few cache lines that the previous request touched too.
// (A map per family and slot touched four or five scattered lines per update.) Rendering adds
// the slots up.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
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

// Orders label sets for rendering.
struct LabelLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

inline constexpr size_t kThreadSlots = 8;
// The calling thread's slot, in [0, kThreadSlots): threads take slots in turn.
size_t ThreadShard();

class Family;

namespace detail {

// One series in a slot's arena: this header, `buckets` counts (a histogram's, not cumulative),
// then the label values, each as its 4-byte size and its bytes.
struct Series {
  const Family* family;
  uint64_t hash;
  double value;    // a counter's or gauge's value; a histogram's sum
  uint64_t count;  // a histogram's observations
  uint32_t buckets;
  uint32_t labels_size;

  uint64_t* counts() { return reinterpret_cast<uint64_t*>(this + 1); }
  const uint64_t* counts() const { return reinterpret_cast<const uint64_t*>(this + 1); }
  const char* labels() const { return reinterpret_cast<const char*>(counts() + buckets); }
  char* labels() { return reinterpret_cast<char*>(counts() + buckets); }
  bool HasLabels(LabelView values) const;
  LabelValues Labels() const;
};

struct SeriesSlot;   // a thread slot's lock, table and arena
struct SeriesSlots;  // the slots' tables and arenas

}  // namespace detail

class Family {
 public:
  Family(detail::SeriesSlots& slots, std::string name, std::string help,
         std::vector<std::string> labels, uint32_t buckets)
      : slots_(slots),
        name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        buckets_(buckets) {}
  virtual ~Family() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }
  // The calling thread's series for `values`, made when new; null when new and the family is
  // full. For a caller that updates the same series on every request: resolved once, it is
  // updated with no lookup (CounterFamily::Add, HistogramFamily::Observe taking the series) by
  // the thread that resolved it, inside an UpdateBatch, for the registry's life.
  detail::Series* SeriesOf(LabelView values);

  static constexpr size_t kMaxSeries = 2000;  // per thread slot

 protected:
  static constexpr size_t kCallersSlot = kThreadSlots;
  // The series for `values` in `slot` (kCallersSlot: the calling thread's), made when new, with
  // that slot locked by `lock`; null when new and the family holds kMaxSeries series there.
  detail::Series* Find(LabelView values, size_t slot, std::unique_lock<std::mutex>& lock);
  // A new series for `values` in `slot` (locked), out of Find's path: null when full.
  [[gnu::noinline]] detail::Series* Make(LabelView values, size_t slot, uint64_t hash);
  // Every label set's series, the slots' added up.
  struct Total {
    double value = 0;
    uint64_t count = 0;
    std::vector<uint64_t> counts;
  };
  std::map<LabelValues, Total, LabelLess> Totals() const;
  std::string Labels(const LabelValues& values, const std::string& extra = {}) const;

  detail::SeriesSlots& slots_;
  std::string name_, help_;
  std::vector<std::string> labels_;
  uint32_t buckets_;

 private:
  // This family's series per slot, as made (guarded by that slot's lock).
  std::array<std::vector<detail::Series*>, kThreadSlots> series_;
};

// One number per label set: counters only go up, gauges are set.
class ScalarFamily : public Family {
 public:
  ScalarFamily(detail::SeriesSlots& slots, std::string name, std::string help,
               std::vector<std::string> labels, const char* type)
      : Family(slots, std::move(name), std::move(help), std::move(labels), 0), type_(type) {}
  double Value(LabelView values) const;  // for tests
  void Render(std::string& out) const override;

 protected:
  void Update(LabelView values, double amount, bool add);

 private:
  const char* type_;
};

class CounterFamily final : public ScalarFamily {
 public:
  CounterFamily(detail::SeriesSlots& slots, std::string name, std::string help,
                std::vector<std::string> labels)
      : ScalarFamily(slots, std::move(name), std::move(help), std::move(labels), "counter") {}
  void Add(LabelView values, double amount = 1) { Update(values, amount, true); }
  // A series from SeriesOf (null: none).
  static void Add(detail::Series* series, double amount) {
    if (series != nullptr) series->value += amount;
  }
};

// Gauges live in slot 0, so the value set last wins whichever thread set it.
class GaugeFamily final : public ScalarFamily {
 public:
  GaugeFamily(detail::SeriesSlots& slots, std::string name, std::string help,
              std::vector<std::string> labels)
      : ScalarFamily(slots, std::move(name), std::move(help), std::move(labels), "gauge") {}
  void Set(LabelView values, double value) { Update(values, value, false); }
};

class HistogramFamily final : public Family {
 public:
  HistogramFamily(detail::SeriesSlots& slots, std::string name, std::string help,
                  std::vector<std::string> labels, std::vector<double> buckets)
      : Family(slots, std::move(name), std::move(help), std::move(labels),
               static_cast<uint32_t>(buckets.size())),
        bounds_(std::move(buckets)) {}
  void Observe(LabelView values, double value);
  // A series from SeriesOf (null: none).
  void Observe(detail::Series* series, double value) const;
  uint64_t Count(LabelView values) const;  // for tests
  void Render(std::string& out) const override;

 private:
  std::vector<double> bounds_;
};

// Prometheus client defaults (seconds).
const std::vector<double>& DefaultBuckets();

class Registry;

// Holds the calling thread's slot of `registry` locked for a group of updates (one request's
// routing or completion, ~10 series), which then do not each lock and unlock it. Updates in
// another slot (gauges live in slot 0) lock theirs as usual.
class UpdateBatch {
 public:
  explicit UpdateBatch(Registry& registry);
  ~UpdateBatch();
  UpdateBatch(const UpdateBatch&) = delete;
  UpdateBatch& operator=(const UpdateBatch&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
  const detail::SeriesSlot* outer_;  // the slot of the batch this one is in, if any
};

class Registry {
 public:
  Registry();
  ~Registry();
  CounterFamily& Counter(const std::string& name, const std::string& help,
                         std::vector<std::string> labels);
  HistogramFamily& Histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> labels, std::vector<double> buckets);
  GaugeFamily& Gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> labels);
  std::string Render() const;  // text format 0.0.4

 private:
  friend class UpdateBatch;
  std::unique_ptr<detail::SeriesSlots> slots_;     // outlives the families
  std::vector<std::unique_ptr<Family>> families_;  // registration order
};

}  // namespace vsr::observability
