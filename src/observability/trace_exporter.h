// Sends finished spans to a collector over OTLP/HTTP (POST <endpoint>/v1/traces, protobuf or
// JSON; Jaeger, Tempo and the OpenTelemetry Collector accept both on port 4318). A request hands
// its trace over in one call (one lock) that encodes its spans straight into the batch being
// filled (whole traces, up to max_batch spans; its buffer reused from batch to batch, so a
// request allocates nothing, and sent from where the spans were written: they are not copied
// again); a thread posts each batch when it is full or every flush interval. The
// request path never waits on the collector: when the queue is full spans are dropped and counted;
// a collector that is down is reported once, then retried on the next batch.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "observability/otlp_encoding.h"

namespace vsr::observability {

struct TraceExporterOptions {
  size_t max_queue = 16384;  // spans waiting; beyond this new traces are dropped
  size_t max_batch = 2048;   // spans per post (whole traces; a bigger trace goes alone)
  std::chrono::milliseconds flush_interval{1000};
  OtlpEncoding encoding = OtlpEncoding::kProtobuf;
};

class TraceExporter {
 public:
  // Posts one OTLP body of the given Content-Type; false with `error` when the collector did
  // not take it.
  using Post =
      std::function<bool(std::string_view body, std::string_view content_type, std::string& error)>;
  using Log = std::function<void(const std::string&)>;
  TraceExporter(TraceResource resource, Post post, Log log, TraceExporterOptions options = {});
  ~TraceExporter();  // sends what is queued (one last attempt), then stops
  TraceExporter(const TraceExporter&) = delete;
  TraceExporter& operator=(const TraceExporter&) = delete;

  // One trace's spans, encoded with options.encoding into the batch being filled.
  void Submit(const TraceData& trace);
  OtlpEncoding encoding() const { return options_.encoding; }
  // Blocks until everything submitted so far was sent or dropped (tests, shutdown).
  void Flush();

  uint64_t exported() const { return exported_; }
  uint64_t dropped() const { return dropped_; }
  // The queue was full at the last Submit and has not moved since (the collector is down or
  // slower than the traffic): a trace submitted now would be dropped, so a caller can skip
  // encoding it and only count it (Drop).
  bool saturated() const { return saturated_.load(std::memory_order_relaxed); }
  void Drop(size_t spans) { dropped_ += spans; }
  // How often the exporter thread woke to see whether there was work (for tests: a request
  // must not wake it for nothing, a futex call and two context switches each).
  uint64_t wakeups() const { return wakeups_; }

 private:
  void Run();

  TraceResource resource_;
  Post post_;
  Log log_;
  TraceExporterOptions options_;
  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  struct Batch {
    std::string buffer;  // headroom_ bytes for the envelope, then the spans (AppendSpans)
    size_t count = 0;    // spans
  };
  std::deque<Batch> queue_;         // the last one is being filled
  std::vector<std::string> spare_;  // sent batches' buffers, emptied, for the next ones
  size_t headroom_;
  size_t queued_spans_ = 0;
  bool flush_requested_ = false, stopping_ = false, busy_ = false;
  bool collector_down_ = false;
  std::atomic<uint64_t> exported_{0}, dropped_{0}, wakeups_{0};
  std::atomic<bool> saturated_{false};
  std::thread thread_;
};

}  // namespace vsr::observability
