// The in-memory replay store's cost per request, as the data plane pays it with upstream's
// default replay settings (on, 10,000 records per decision): one Add when the request is
// forwarded, one Complete when it ends. The records are the proxy bench's (bench/proxy): a
// 190-byte request, a 16-token answer. One and two threads (the router's two I/O threads share
// the store). Time is per request, per thread. Also the resident memory a full store takes per
// record.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>

#include "replay/store.h"

namespace {

using vsr::replay::ReplayRecord;
using vsr::replay::ReplayStore;

constexpr size_t kMaxRecords = 10000;  // upstream's default max_records

ReplayRecord RequestPart(int64_t n) {
  ReplayRecord r;
  r.request_id = "req-" + std::to_string(n);
  r.decision = "code";
  r.original_model = "MoM";
  r.selected_model = "qwen-coder";
  r.reasoning_mode = "off";
  r.selection_method = "static";
  r.confidence_score = 1;
  r.signals["keyword"] = {"code_keywords"};
  r.signals["language"] = {"en"};
  r.signal_confidences["keyword:code_keywords"] = 1;
  r.prompt =
      "My python function segfaults when I compile it with the new flags; here is the stack "
      "trace, what is wrong?";
  r.request_body = R"({"model":"MoM","stream":false,"messages":[{"role":"system","content":)"
                   R"("You are a helpful assistant."},{"role":"user","content":")" +
                   r.prompt + R"("}]})";
  return r;
}

ReplayRecord Outcome() {
  ReplayRecord r;
  r.response_status = 200;
  r.response_body =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1764806400,"model":)"
      R"("qwen-coder","choices":[{"index":0,"message":{"role":"assistant","content":)"
      R"("simulated answer token token token token token token token token token token )"
      R"(token token token token"},"finish_reason":"stop"}],"usage":{"prompt_tokens":31,)"
      R"("completion_tokens":16,"total_tokens":47}})";
  r.latency_ms = 1.25;
  r.prompt_tokens = 31;
  r.completion_tokens = 16;
  r.total_tokens = 47;
  r.streaming = false;
  return r;
}

ReplayStore& Store() {
  static ReplayStore store(/*ttl_seconds=*/0, nullptr);
  return store;
}

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// What a full store of the bench's records holds in memory: resident bytes added per record
// (record, outcome, the store's indexes and the allocator's overhead).
void BM_MemoryPerRecord(benchmark::State& state) {
  for (auto _ : state) {
    const size_t before = ResidentBytes();
    {
      ReplayStore store(/*ttl_seconds=*/0, nullptr);
      for (size_t i = 0; i < kMaxRecords; ++i) {
        const std::string id = store.Add(RequestPart(static_cast<int64_t>(i)), kMaxRecords);
        store.Complete(id, Outcome());
      }
      state.counters["bytes_per_record"] =
          static_cast<double>(ResidentBytes() - before) / kMaxRecords;
    }
  }
}
BENCHMARK(BM_MemoryPerRecord)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_AddThenComplete(benchmark::State& state) {
  ReplayStore& store = Store();
  // A full store, as it is after the first 10,000 requests: every Add also evicts.
  if (state.thread_index() == 0) {
    while (store.size() < kMaxRecords) store.Add(RequestPart(0), kMaxRecords);
  }
  int64_t n = 0;
  for (auto _ : state) {
    const std::string id = store.Add(RequestPart(++n), kMaxRecords);
    benchmark::DoNotOptimize(store.Complete(id, Outcome()));
  }
}
BENCHMARK(BM_AddThenComplete)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
