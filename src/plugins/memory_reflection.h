// The memory plugin's reflection gate: upstream's heuristic filter over retrieved memories,
// applied before they are injected (on unless `reflection.enabled: false`; the decision's
// plugin block overrides global memory.reflection field by field). In order: memories matching
// a `block_patterns` regex are dropped; each similarity is multiplied by a recency decay
// (halved every `recency_decay_days`, default 30); the rest are sorted by that score; a memory
// whose words overlap a better one's by `dedup_threshold` (Jaccard on lower-cased words,
// default 0.90) is dropped; and memories are kept, best first, while their estimated tokens
// (words x 1.3) fit `max_inject_tokens` (default 2048; the first is always kept). No model, no
// call: microseconds. `algorithm` noop turns it off too; an unknown one reads as heuristic.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "plugins/memory_store.h"

namespace re2 {
class RE2;
}

namespace vsr::plugins {

class MemoryReflection {
 public:
  // The gate `global` with `decision` over it describes; null when it is off. Block patterns
  // that do not compile are skipped with a line in `warnings`.
  static std::unique_ptr<MemoryReflection> From(
      const config::MemoryReflectionConfig& global,
      const std::optional<config::MemoryReflectionConfig>& decision,
      std::vector<std::string>* warnings = nullptr);
  ~MemoryReflection();

  // The memories that pass, best first (`now_unix` dates them).
  std::vector<MemoryHit> Filter(std::vector<MemoryHit> hits, int64_t now_unix) const;

 private:
  MemoryReflection() = default;
  int max_tokens_ = 2048;
  double half_life_days_ = 30;
  double dedup_threshold_ = 0.90;
  std::vector<std::unique_ptr<re2::RE2>> block_;
};

// Jaccard similarity of the lower-cased whitespace-separated word sets of `a` and `b` (1 when
// both have none).
double WordJaccard(const std::string& a, const std::string& b);

}  // namespace vsr::plugins
