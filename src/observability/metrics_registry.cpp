#include "observability/metrics_registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

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
  thread_local const size_t slot = next.fetch_add(1) % ShardedSeries<double>::kShards;
  return slot;
}

namespace {
void AddScalar(double& into, double from) {
  into += from;
}
}  // namespace

void ScalarFamily::Update(LabelView values, double amount, bool add) {
  series_.With(
      values, kMaxSeries, [] { return 0.0; }, [&](double& v) { v = add ? v + amount : amount; },
      add ? ShardedSeries<double>::kShards : 0);
}

double ScalarFamily::Value(LabelView values) const {
  const auto merged = series_.Merged(AddScalar);
  auto it = merged.find(values);
  return it == merged.end() ? 0 : it->second;
}

void ScalarFamily::Render(std::string& out) const {
  Header(out, name_, help_, type_);
  for (const auto& [values, v] : series_.Merged(AddScalar)) {
    out += name_ + Labels(values) + " " + Number(v) + "\n";
  }
}

namespace {
void AddHistogram(auto& into, const auto& from) {
  for (size_t i = 0; i < into.counts.size() && i < from.counts.size(); ++i) {
    into.counts[i] += from.counts[i];
  }
  into.sum += from.sum;
  into.count += from.count;
}
}  // namespace

void HistogramFamily::Observe(LabelView values, double value) {
  // le: value <= bound
  const auto bucket = static_cast<size_t>(
      std::lower_bound(buckets_.begin(), buckets_.end(), value) - buckets_.begin());
  series_.With(
      values, kMaxSeries,
      [&] {
        return Series{std::vector<uint64_t>(buckets_.size(), 0), 0, 0};
      },
      [&](Series& s) {
        if (bucket < s.counts.size()) ++s.counts[bucket];
        s.sum += value;
        ++s.count;
      });
}

uint64_t HistogramFamily::Count(LabelView values) const {
  const auto merged =
      series_.Merged([](Series& into, const Series& from) { AddHistogram(into, from); });
  auto it = merged.find(values);
  return it == merged.end() ? 0 : it->second.count;
}

void HistogramFamily::Render(std::string& out) const {
  Header(out, name_, help_, "histogram");
  const auto merged =
      series_.Merged([](Series& into, const Series& from) { AddHistogram(into, from); });
  for (const auto& [values, s] : merged) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.counts[i];
      out += name_ + "_bucket" + Labels(values, "le=\"" + Number(buckets_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + Labels(values, "le=\"+Inf\"") + " " + std::to_string(s.count) + "\n";
    out += name_ + "_sum" + Labels(values) + " " + Number(s.sum) + "\n";
    out += name_ + "_count" + Labels(values) + " " + std::to_string(s.count) + "\n";
  }
}

CounterFamily& Registry::Counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labels) {
  families_.push_back(std::make_unique<CounterFamily>(name, help, std::move(labels)));
  return static_cast<CounterFamily&>(*families_.back());
}

GaugeFamily& Registry::Gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> labels) {
  families_.push_back(std::make_unique<GaugeFamily>(name, help, std::move(labels)));
  return static_cast<GaugeFamily&>(*families_.back());
}

HistogramFamily& Registry::Histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labels, std::vector<double> buckets) {
  families_.push_back(
      std::make_unique<HistogramFamily>(name, help, std::move(labels), std::move(buckets)));
  return static_cast<HistogramFamily&>(*families_.back());
}

std::string Registry::Render() const {
  std::string out;
  for (const auto& f : families_) f->Render(out);
  return out;
}

}  // namespace vsr::observability
