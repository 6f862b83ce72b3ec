#include "ml/parallel.h"

#include <algorithm>
#include <atomic>
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
  for (size_t i = 0; i < helpers; ++i) pool.Submit([task] { task->Work(); });
  task->Work();
  {
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
