// Parallelism inside one forward pass. The model threads run one pass each (ml/text_batcher.h);
// when fewer passes run than the machine has cores — a lone 512-token prompt on an otherwise
// idle router, the common case for routing latency — the idle cores sit out a pass that takes
// a second. ParallelFor lets helper threads take part of a loop's iterations then.
//
// The calling thread always works too: it and the helpers claim chunks from one counter, so a
// helper that wakes late (or never, when every core is busy) only means the caller runs more
// chunks itself, never that it waits for work nobody started.
#pragma once

#include <cstddef>
#include <functional>

namespace vsr::ml {

// Runs fn(begin, end) over consecutive ranges that cover [0, n), each at least `grain` long
// (the last may be shorter), on the calling thread and on helpers while passes < cores.
// Returns when every range has run. fn must be safe to call from several threads at once on
// disjoint ranges.
void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

// Counts a forward pass as running while it lives (the encoders hold one per Forward):
// helpers join loops only while fewer passes run than there are cores.
class PassScope {
 public:
  PassScope();
  ~PassScope();
  PassScope(const PassScope&) = delete;
  PassScope& operator=(const PassScope&) = delete;
};

// Helper threads ParallelFor may use: cores - 1 by default (at most that many, or one, run);
// 0 turns it off (tests and benchmarks compare the two in one run).
void SetPassHelpers(size_t helpers);
size_t PassHelpers();

}  // namespace vsr::ml
