#include "observability/metrics_registry.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/hash_index.h"

namespace vsr::observability {

namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  // Shortest text that reads back as the same double (0.1, not 0.10000000000000001).
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

const std::vector<double>& DefaultBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

std::string Family::Labels(const LabelValues& values, const std::string& extra) const {
  std::string out;
  for (size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
    out += (out.empty() ? "" : ",") + labels_[i] + "=\"" + Escape(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? std::string() : "{" + out + "}";
}

size_t ThreadShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1) % kThreadSlots;
  return slot;
}

namespace detail {

namespace {

// One multiply and shift per 8 bytes of the family and each label value's size and bytes: an
// update hashes its label values on every call, and byte-at-a-time FNV-1a spent a dependent
// multiply on every byte. The index takes the low bits, which the shift fills from the high.
inline uint64_t Mix(uint64_t h, uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

uint64_t HashOf(const Family* family, LabelView values) {
  uint64_t h = Mix(0, reinterpret_cast<uintptr_t>(family));
  for (std::string_view v : values) {
    h = Mix(h, v.size());
    const char* p = v.data();
    const size_t n = v.size();
    uint64_t word;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, sizeof word);
      h = Mix(h, word);
    }
    if (i == n) continue;
    // The last bytes in one word from loads that may overlap what was hashed (the size, mixed
    // in first, tells such values apart): no loop over them.
    if (n >= 8) {
      std::memcpy(&word, p + n - 8, sizeof word);
    } else if (n >= 4) {
      uint32_t head, tail;
      std::memcpy(&head, p, sizeof head);
      std::memcpy(&tail, p + n - 4, sizeof tail);
      word = uint64_t{head} << 32 | tail;
    } else {
      word = uint64_t{static_cast<uint8_t>(p[0])} << 16 |
             uint64_t{static_cast<uint8_t>(p[n / 2])} << 8 | static_cast<uint8_t>(p[n - 1]);
    }
    h = Mix(h, word);
  }
  return h;
}

// Bump allocation in 16 KB chunks: a slot's series sit next to each other, and none is freed
// before the registry is.
class Arena {
 public:
  void* Allocate(size_t n) {
    n = (n + 7) & ~size_t{7};
    if (chunks_.empty() || used_ + n > kChunk) {
      const size_t size = std::max(kChunk, n);
      chunks_.push_back(std::make_unique<std::byte[]>(size));
      used_ = size > kChunk ? kChunk : 0;  // an oversized block fills its chunk
      if (used_ == kChunk) return chunks_.back().get();
    }
    void* p = chunks_.back().get() + used_;
    used_ += n;
    return p;
  }

 private:
  static constexpr size_t kChunk = 16 * 1024;
  std::vector<std::unique_ptr<std::byte[]>> chunks_;
  size_t used_ = 0;
};

}  // namespace

namespace {
// The first and last sizeof(Word) bytes of a and b are equal, for sizeof(Word) <= n.
template <typename Word>
inline bool SameEnds(const char* a, const char* b, size_t n) {
  Word a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof a0);
  std::memcpy(&a1, a + n - sizeof a1, sizeof a1);
  std::memcpy(&b0, b, sizeof b0);
  std::memcpy(&b1, b + n - sizeof b1, sizeof b1);
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

// memcmp(a, b, n) == 0 for label values, mostly a few to a few dozen bytes: up to 16 in two
// overlapping loads from each, where the call to memcmp cost more than the compare.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return SameEnds<uint64_t>(a, b, n);
  if (n >= 4) return SameEnds<uint32_t>(a, b, n);
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}
}  // namespace

inline bool Series::HasLabels(LabelView values) const {
  const char* p = labels();
  const char* end = p + labels_size;
  for (std::string_view v : values) {
    uint32_t size;
    if (end - p < static_cast<ptrdiff_t>(sizeof size)) return false;
    std::memcpy(&size, p, sizeof size);
    p += sizeof size;
    if (size != v.size() || !SameBytes(p, v.data(), size)) return false;
    p += size;
  }
  return p == end;
}

LabelValues Series::Labels() const {
  LabelValues out;
  for (const char *p = labels(), *end = p + labels_size; p < end;) {
    uint32_t size;
    std::memcpy(&size, p, sizeof size);
    out.emplace_back(p + sizeof size, size);
    p += sizeof size + size;
  }
  return out;
}

struct alignas(64) SeriesSlot {
  std::mutex mu;
  HashIndex<Series*> table;  // by HashOf(family, label values)
  Arena arena;
};

struct SeriesSlots {
  std::array<SeriesSlot, kThreadSlots> slots;
};

}  // namespace detail

namespace {
// The slot an UpdateBatch of the calling thread holds locked, if any.
thread_local const detail::SeriesSlot* batch_slot = nullptr;
}  // namespace

UpdateBatch::UpdateBatch(Registry& registry) : outer_(batch_slot) {
  detail::SeriesSlot& s = registry.slots_->slots[ThreadShard()];
  if (batch_slot == &s) return;  // nested in a batch on the same slot
  lock_ = std::unique_lock(s.mu);
  batch_slot = &s;
}

UpdateBatch::~UpdateBatch() {
  batch_slot = outer_;
}

detail::Series* Family::Find(LabelView values, size_t slot, std::unique_lock<std::mutex>& lock) {
  if (slot >= kThreadSlots) slot = ThreadShard();
  detail::SeriesSlot& s = slots_.slots[slot];
  const uint64_t hash = detail::HashOf(this, values);
  if (batch_slot != &s) lock = std::unique_lock(s.mu);
  if (detail::Series* const* found = s.table.Find(hash, [&](const detail::Series* series) {
        return series->family == this && series->HasLabels(values);
      })) {
    return *found;
  }
  return Make(values, slot, hash);
}

detail::Series* Family::Make(LabelView values, size_t slot, uint64_t hash) {
  detail::SeriesSlot& s = slots_.slots[slot];
  std::vector<detail::Series*>& mine = series_[slot];
  if (mine.size() >= kMaxSeries) return nullptr;  // bounded cardinality: drop new series
  size_t labels_size = 0;
  for (std::string_view v : values) labels_size += sizeof(uint32_t) + v.size();
  void* block =
      s.arena.Allocate(sizeof(detail::Series) + buckets_ * sizeof(uint64_t) + labels_size);
  auto* series =
      new (block) detail::Series{this, hash, 0, 0, buckets_, static_cast<uint32_t>(labels_size)};
  std::fill_n(series->counts(), buckets_, uint64_t{0});
  char* p = series->labels();
  for (std::string_view v : values) {
    const auto size = static_cast<uint32_t>(v.size());
    std::memcpy(p, &size, sizeof size);
    std::memcpy(p + sizeof size, v.data(), v.size());
    p += sizeof size + v.size();
  }
  mine.push_back(series);
  s.table.Insert(hash, series);
  return series;
}

std::map<LabelValues, Family::Total, LabelLess> Family::Totals() const {
  std::map<LabelValues, Total, LabelLess> out;
  for (size_t slot = 0; slot < kThreadSlots; ++slot) {
    std::lock_guard lock(slots_.slots[slot].mu);
    for (const detail::Series* s : series_[slot]) {
      Total& t = out[s->Labels()];
      t.value += s->value;
      t.count += s->count;
      t.counts.resize(s->buckets);
      for (uint32_t b = 0; b < s->buckets; ++b) t.counts[b] += s->counts()[b];
    }
  }
  return out;
}

void ScalarFamily::Update(LabelView values, double amount, bool add) {
  std::unique_lock<std::mutex> lock;
  detail::Series* s = Find(values, add ? kCallersSlot : 0, lock);
  if (s != nullptr) s->value = add ? s->value + amount : amount;
}

double ScalarFamily::Value(LabelView values) const {
  const auto totals = Totals();
  auto it = totals.find(values);
  return it == totals.end() ? 0 : it->second.value;
}

void ScalarFamily::Render(std::string& out) const {
  Header(out, name_, help_, type_);
  for (const auto& [values, t] : Totals()) {
    out += name_ + Labels(values) + " " + Number(t.value) + "\n";
  }
}

detail::Series* Family::SeriesOf(LabelView values) {
  std::unique_lock<std::mutex> lock;
  return Find(values, kCallersSlot, lock);
}

void HistogramFamily::Observe(LabelView values, double value) {
  std::unique_lock<std::mutex> lock;
  Observe(Find(values, kCallersSlot, lock), value);
}

void HistogramFamily::Observe(detail::Series* s, double value) const {
  if (s == nullptr) return;
  // le: value <= bound
  const auto bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                          bounds_.begin());
  if (bucket < buckets_) ++s->counts()[bucket];
  s->value += value;
  ++s->count;
}

uint64_t HistogramFamily::Count(LabelView values) const {
  const auto totals = Totals();
  auto it = totals.find(values);
  return it == totals.end() ? 0 : it->second.count;
}

void HistogramFamily::Render(std::string& out) const {
  Header(out, name_, help_, "histogram");
  for (const auto& [values, t] : Totals()) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += i < t.counts.size() ? t.counts[i] : 0;
      out += name_ + "_bucket" + Labels(values, "le=\"" + Number(bounds_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + Labels(values, "le=\"+Inf\"") + " " + std::to_string(t.count) + "\n";
    out += name_ + "_sum" + Labels(values) + " " + Number(t.value) + "\n";
    out += name_ + "_count" + Labels(values) + " " + std::to_string(t.count) + "\n";
  }
}

Registry::Registry() : slots_(std::make_unique<detail::SeriesSlots>()) {}
Registry::~Registry() = default;

CounterFamily& Registry::Counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labels) {
  families_.push_back(std::make_unique<CounterFamily>(*slots_, name, help, std::move(labels)));
  return static_cast<CounterFamily&>(*families_.back());
}

GaugeFamily& Registry::Gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> labels) {
  families_.push_back(std::make_unique<GaugeFamily>(*slots_, name, help, std::move(labels)));
  return static_cast<GaugeFamily&>(*families_.back());
}

HistogramFamily& Registry::Histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labels, std::vector<double> buckets) {
  families_.push_back(std::make_unique<HistogramFamily>(*slots_, name, help, std::move(labels),
                                                        std::move(buckets)));
  return static_cast<HistogramFamily&>(*families_.back());
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& f : families_) f->Render(out);
  return out;
}

}  // namespace vsr::observability
