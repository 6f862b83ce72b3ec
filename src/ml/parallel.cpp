#include "ml/parallel.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "common/worker_pool.h"

namespace vsr::ml {
namespace {

size_t Cores() {
  static const size_t cores = std::max<size_t>(1, std::thread::hardware_concurrency());
  return cores;
}

std::atomic<size_t> running_passes{0};
std::atomic<size_t> helpers_wanted{Cores() - 1};

// One ParallelFor call: chunks claimed from `next` by whoever comes, counted in `done`.
struct Task {
  const std::function<void(size_t, size_t)>* fn = nullptr;  // the caller's: alive until done
  size_t n = 0, chunk = 0, chunks = 0;
  std::atomic<size_t> next{0}, done{0};
  std::mutex mu;
  std::condition_variable finished;
  std::exception_ptr error;  // the first chunk's exception, rethrown to the caller

  void Work() {
    for (size_t i; (i = next.fetch_add(1)) < chunks;) {
      const size_t begin = i * chunk;
      try {
        (*fn)(begin, std::min(n, begin + chunk));
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1) + 1 == chunks) {
        std::lock_guard lock(mu);
        finished.notify_all();
      }
    }
  }
};

// A helper that finished its part of a loop waits a moment for the pass's next loop, spinning,
// before it goes back to sleep in the pool, and the caller waits for the helpers' last chunks
// the same way: waking a sleeping thread takes tens of microseconds on a VM, and a 16-token
// pass runs a loop every ~100. Measured (16-token MiniLM-size passes, 2-core VM): 8.3-8.5 ->
// 7.4-7.8 ms at 20 us, the same at 50; the CPU a pass uses did not change (the spinning takes
// the time the futex calls and the idle gaps took).
constexpr auto kSpinFor = std::chrono::microseconds(20);

// The loop last offered to helpers. Never destroyed, like the pool: a helper may still be
// spinning on it while the process exits.
struct Offer {
  std::mutex mu;
  std::shared_ptr<Task> task;
  std::atomic<uint64_t> generation{0};  // one more with each loop offered
  std::atomic<size_t> spinning{0};      // helpers waiting for the next loop
};
Offer& Offered() {
  static Offer* offer = new Offer;
  return *offer;
}

// Spins until done() or for `limit`; whether done.
template <typename Done>
bool SpinUntil(Done done, std::chrono::microseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (int i = 1;; ++i) {
    if (done()) return true;
    _mm_pause();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > deadline) return done();
  }
}

// A helper's turn in the pool: the loop it was woken for, then each next one that comes
// while it spins.
void Help(std::shared_ptr<Task> task, uint64_t seen) {
  Offer& offer = Offered();
  for (;;) {
    task->Work();
    task.reset();
    offer.spinning.fetch_add(1);
    const bool next = SpinUntil(
        [&] { return offer.generation.load(std::memory_order_acquire) != seen; }, kSpinFor);
    offer.spinning.fetch_sub(1);
    if (!next) return;  // back to sleep in the pool
    std::lock_guard lock(offer.mu);
    task = offer.task;
    seen = offer.generation.load(std::memory_order_relaxed);
  }
}

// The helper threads: started on first use, never stopped (they sleep while no pass runs; the
// pool is never destroyed, so no static outlives them). At least one, so that tests can turn
// helpers on where the machine has a single core.
WorkerPool& Helpers() {
  static WorkerPool* pool = new WorkerPool(std::max<size_t>(1, Cores() - 1));
  return *pool;
}

}  // namespace

void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  size_t helpers = helpers_wanted.load(std::memory_order_relaxed);
  if (helpers > 0) helpers = std::min(helpers, Helpers().size());
  // About two chunks per thread: a helper that starts late still finds half its share left.
  const size_t chunk = std::max({grain, size_t{1}, n / (2 * (helpers + 1))});
  if (helpers == 0 || chunk >= n || running_passes.load(std::memory_order_relaxed) >= Cores()) {
    fn(0, n);
    return;
  }
  auto task = std::make_shared<Task>();
  task->fn = &fn;
  task->n = n;
  task->chunk = chunk;
  task->chunks = (n + chunk - 1) / chunk;
  WorkerPool& pool = Helpers();
  // Each helper that picks the task up claims chunks until none is left; one that comes after
  // the caller has claimed the last finds nothing to do.
  Offer& offer = Offered();
  uint64_t generation;
  {
    std::lock_guard lock(offer.mu);
    offer.task = task;
    generation = offer.generation.fetch_add(1, std::memory_order_release) + 1;
  }
  // Helpers spinning after the previous loop take this one; the others are woken for it.
  for (size_t i = offer.spinning.load(); i < helpers; ++i) {
    pool.Submit([task, generation] { Help(task, generation); });
  }
  task->Work();
  if (!SpinUntil([&] { return task->done.load() == task->chunks; }, kSpinFor)) {
    std::unique_lock lock(task->mu);
    task->finished.wait(lock, [&] { return task->done.load() == task->chunks; });
  }
  if (task->error) std::rethrow_exception(task->error);
}

PassScope::PassScope() {
  running_passes.fetch_add(1, std::memory_order_relaxed);
}
PassScope::~PassScope() {
  running_passes.fetch_sub(1, std::memory_order_relaxed);
}

void SetPassHelpers(size_t helpers) {
  helpers_wanted.store(helpers);
}
size_t PassHelpers() {
  return helpers_wanted.load();
}

}  // namespace vsr::ml
