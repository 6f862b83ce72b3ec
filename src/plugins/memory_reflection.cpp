#include "plugins/memory_reflection.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/strings.h"
#include "common/utf8.h"

namespace vsr::plugins {
namespace {

std::set<std::string> WordSet(const std::string& text) {
  std::set<std::string> words;
  for (const std::string& w : SplitWhitespace(text)) words.insert(utf8::ToLower(w));
  return words;
}

// upstream's estimate: 1.3 tokens a word, rounded up
int EstimatedTokens(const std::string& text) {
  return static_cast<int>(std::ceil(static_cast<double>(SplitWhitespace(text).size()) * 1.3));
}

}  // namespace

double WordJaccard(const std::string& a, const std::string& b) {
  const std::set<std::string> x = WordSet(a), y = WordSet(b);
  if (x.empty() && y.empty()) return 1.0;
  size_t both = 0;
  for (const std::string& w : x) both += y.count(w);
  const size_t either = x.size() + y.size() - both;
  return either == 0 ? 0.0 : static_cast<double>(both) / static_cast<double>(either);
}

MemoryReflection::~MemoryReflection() = default;

std::unique_ptr<MemoryReflection> MemoryReflection::From(
    const config::MemoryReflectionConfig& global,
    const std::optional<config::MemoryReflectionConfig>& decision,
    std::vector<std::string>* warnings) {
  config::MemoryReflectionConfig c = global;  // the decision's set fields win
  if (decision) {
    if (decision->enabled) c.enabled = decision->enabled;
    if (!decision->algorithm.empty()) c.algorithm = decision->algorithm;
    if (decision->max_inject_tokens > 0) c.max_inject_tokens = decision->max_inject_tokens;
    if (decision->recency_decay_days > 0) c.recency_decay_days = decision->recency_decay_days;
    if (decision->dedup_threshold > 0) c.dedup_threshold = decision->dedup_threshold;
    if (!decision->block_patterns.empty()) c.block_patterns = decision->block_patterns;
  }
  if (!c.enabled.value_or(true) || c.algorithm == "noop") return nullptr;
  if (!c.algorithm.empty() && c.algorithm != "heuristic" && warnings != nullptr) {
    warnings->push_back("memory: reflection algorithm '" + c.algorithm +
                        "' is unknown; the heuristic one is used (heuristic, noop)");
  }
  auto gate = std::unique_ptr<MemoryReflection>(new MemoryReflection());
  if (c.max_inject_tokens > 0) gate->max_tokens_ = c.max_inject_tokens;
  if (c.recency_decay_days > 0) gate->half_life_days_ = c.recency_decay_days;
  if (c.dedup_threshold > 0) gate->dedup_threshold_ = c.dedup_threshold;
  for (const std::string& pattern : c.block_patterns) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, options);
    if (!re->ok()) {
      if (warnings != nullptr) {
        warnings->push_back("memory: reflection block pattern '" + pattern +
                            "' is not a valid regex (" + re->error() + "); it is skipped");
      }
      continue;
    }
    gate->block_.push_back(std::move(re));
  }
  return gate;
}

std::vector<MemoryHit> MemoryReflection::Filter(std::vector<MemoryHit> hits,
                                                int64_t now_unix) const {
  std::erase_if(hits, [&](const MemoryHit& h) {
    return std::any_of(block_.begin(), block_.end(), [&](const std::unique_ptr<RE2>& re) {
      return RE2::PartialMatch(h.memory.content, *re);
    });
  });
  for (MemoryHit& h : hits) {
    if (h.memory.created_unix <= 0) continue;  // undated: no decay
    const double age_days =
        std::max<double>(0, static_cast<double>(now_unix - h.memory.created_unix) / 86400.0);
    h.similarity *= std::exp(-std::log(2.0) * age_days / half_life_days_);
  }
  std::stable_sort(hits.begin(), hits.end(), [](const MemoryHit& a, const MemoryHit& b) {
    return a.similarity > b.similarity;
  });
  std::vector<MemoryHit> kept;
  int tokens = 0;
  for (MemoryHit& h : hits) {
    const bool duplicate = std::any_of(kept.begin(), kept.end(), [&](const MemoryHit& k) {
      return WordJaccard(h.memory.content, k.memory.content) >= dedup_threshold_;
    });
    if (duplicate) continue;
    const int t = EstimatedTokens(h.memory.content);
    if (!kept.empty() && tokens + t > max_tokens_) break;  // the budget: best first
    tokens += t;
    kept.push_back(std::move(h));
  }
  return kept;
}

}  // namespace vsr::plugins
