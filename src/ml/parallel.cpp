#include "ml/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

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

  bool exhausted() const { return next.load(std::memory_order_relaxed) >= chunks; }

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

// The helper threads, started on first use and never stopped (they sleep while no pass runs;
// the object is never destroyed, so no static outlives them).
class Helpers {
 public:
  static Helpers& Get() {
    static Helpers* helpers = new Helpers();
    return *helpers;
  }

  void Offer(const std::shared_ptr<Task>& task, size_t count) {
    {
      std::lock_guard lock(mu_);
      while (threads_.size() < count) threads_.emplace_back([this] { Run(); });
      queue_.push_back(task);
    }
    if (count == 1) {
      work_.notify_one();
    } else {
      work_.notify_all();
    }
  }

  // Takes the task off the queue (if no helper did): its chunks are all claimed.
  void Withdraw(const std::shared_ptr<Task>& task) {
    std::lock_guard lock(mu_);
    std::erase(queue_, task);
  }

 private:
  void Run() {
    for (;;) {
      std::shared_ptr<Task> task;
      {
        std::unique_lock lock(mu_);
        work_.wait(lock, [this] {
          while (!queue_.empty() && queue_.front()->exhausted()) queue_.pop_front();
          return !queue_.empty();
        });
        task = queue_.front();
      }
      task->Work();
    }
  }

  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::shared_ptr<Task>> queue_;
  std::vector<std::thread> threads_;  // detached in effect: the object lives to the end
};

}  // namespace

void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  const size_t helpers = helpers_wanted.load(std::memory_order_relaxed);
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
  Helpers& pool = Helpers::Get();
  pool.Offer(task, helpers);
  task->Work();
  pool.Withdraw(task);
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
  helpers_wanted.store(std::min<size_t>(helpers, 64));
}
size_t PassHelpers() {
  return helpers_wanted.load();
}

}  // namespace vsr::ml
