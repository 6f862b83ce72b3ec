#include "observability/trace_exporter.h"

namespace vsr::observability {

TraceExporter::TraceExporter(TraceResource resource, Post post, Log log,
                             TraceExporterOptions options)
    : resource_(std::move(resource)),
      post_(std::move(post)),
      log_(std::move(log)),
      options_(options),
      headroom_(BatchHeadroom(options.encoding, resource_)) {
  thread_ = std::thread([this] { Run(); });
}

TraceExporter::~TraceExporter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TraceExporter::Submit(const TraceData& trace) {
  const size_t count = trace.spans.size();
  if (count == 0) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queued_spans_ + count > options_.max_queue) {
      dropped_ += count;
      saturated_.store(true, std::memory_order_relaxed);
      return;
    }
    // A new batch when this trace would take the last one past max_batch spans (a bigger
    // trace goes alone).
    if (queue_.empty() ||
        (queue_.back().count > 0 && queue_.back().count + count > options_.max_batch)) {
      Batch& fresh = queue_.emplace_back();
      if (!spare_.empty()) {
        fresh.buffer = std::move(spare_.back());
        spare_.pop_back();
      }
      fresh.buffer.assign(headroom_, '\0');
    }
    Batch& batch = queue_.back();
    AppendSpans(options_.encoding, trace, batch.count == 0, batch.buffer);
    batch.count += count;
    queued_spans_ += count;
    // Not while the collector is down: the exporter waits out its interval whatever the queue
    // holds (a request per wake-up was the exporter's only work until the queue filled).
    wake = !collector_down_ && queued_spans_ >= options_.max_batch;
  }
  if (wake) cv_.notify_all();
}

void TraceExporter::Flush() {
  std::unique_lock lock(mu_);
  flush_requested_ = true;
  cv_.notify_all();
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void TraceExporter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    const bool interval_over = !cv_.wait_for(lock, options_.flush_interval, [this] {
      ++wakeups_;
      // After the collector refused a batch, a full queue is no reason to try again before the
      // interval is over: it stays full while the collector is down, and retrying at once spun
      // this thread and unblocked the requests' encoding of spans bound to be dropped.
      return stopping_ || flush_requested_ ||
             (!collector_down_ && queued_spans_ >= options_.max_batch);
    });
    // Full batches go, and at the end of an interval (or on a flush, or at shutdown) the one
    // being filled too. Posting it as soon as one batch was sent made a busy router post, after
    // each full batch, the few traces that came in meanwhile, then the few that came in during
    // that post, and so on: a post every ~10 requests instead of every ~300.
    while (!queue_.empty() && (interval_over || stopping_ || flush_requested_ ||
                               queue_.size() > 1 || queue_.front().count >= options_.max_batch)) {
      Batch batch = std::move(queue_.front());
      queue_.pop_front();
      const size_t n = batch.count;
      queued_spans_ -= n;
      saturated_.store(false, std::memory_order_relaxed);
      busy_ = true;
      lock.unlock();
      std::string error;
      const std::string_view body =
          SealBatch(options_.encoding, resource_, headroom_, batch.buffer);
      const bool ok = post_(body, OtlpContentType(options_.encoding), error);
      lock.lock();
      busy_ = false;
      if (spare_.size() < 2 && batch.buffer.capacity() <= 4 * 1024 * 1024) {
        spare_.push_back(std::move(batch.buffer));
      }
      if (ok) {
        exported_ += n;
        if (collector_down_ && log_) log_("tracing: the collector accepts spans again");
        collector_down_ = false;
      } else {
        dropped_ += n;
        if (!collector_down_ && log_) {
          log_("tracing: cannot export spans: " + error +
               " (spans are dropped until the collector answers; requests are not affected)");
        }
        collector_down_ = true;
        if (!stopping_) break;  // wait for the next interval before trying again
      }
    }
    flush_requested_ = false;
    idle_cv_.notify_all();
    if (stopping_ && queue_.empty()) return;
    if (stopping_) {  // the collector refused the last attempt: give up on the rest
      dropped_ += queued_spans_;
      queued_spans_ = 0;
      queue_.clear();
      saturated_.store(false, std::memory_order_relaxed);
      idle_cv_.notify_all();
      return;
    }
  }
}

}  // namespace vsr::observability
