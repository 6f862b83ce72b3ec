// Router replay writes to PostgreSQL (store_backend postgres), side by side in one run: records
// saved one statement (and one commit) each, as a write-behind queue of one would, against the
// batches the replay writer sends when records queue up (up to 256 in one statement). A real
// server started here, durable (fsync on, as in production), on loopback. Counter
// records_per_s; the records are the size the data plane writes (a 1 KB request, a 2 KB
// answer). Needs Debian's postgresql (scripts/setup installs it); skips without it.
#include <benchmark/benchmark.h>

#include <memory>

#include "common/unix_time.h"
#include "replay/postgres_persistence.h"
#include "support/postgres_server.h"

namespace {

using vsr::replay::PostgresPersistence;
using vsr::replay::ReplayRecord;

vsr::testing::PostgresServer& Server() {
  static vsr::testing::PostgresServer server(/*durable=*/true);
  return server;
}

std::unique_ptr<PostgresPersistence> Open() {
  vsr::config::PostgresConnection settings;
  settings.host = "127.0.0.1";
  settings.port = Server().port();
  settings.database = "postgres";
  settings.user = "vsr";
  std::string error;
  return PostgresPersistence::Open(settings, error);
}

ReplayRecord Record(int64_t n) {
  ReplayRecord r;
  r.id = vsr::replay::NewReplayId();
  r.timestamp_ns = vsr::UnixNanos() + n;
  r.request_id = "req-" + std::to_string(n);
  r.decision = "code";
  r.selected_model = "coder";
  r.original_model = "MoM";
  r.signals["keyword"] = {"code"};
  r.request_body = std::string(1024, 'q');
  r.response_body = std::string(2048, 'a');
  r.response_status = 200;
  r.latency_ms = 3.5;
  return r;
}

// state.range(0): records per statement (1: one by one).
void BM_ReplayWrites(benchmark::State& state) {
  if (!Server().ready()) {
    state.SkipWithError("postgresql is not installed (bash scripts/setup installs it)");
    return;
  }
  auto db = Open();
  if (!db) {
    state.SkipWithError("cannot open the replay table");
    return;
  }
  const auto batch = static_cast<size_t>(state.range(0));
  int64_t n = 0, written = 0;
  std::string error;
  for (auto _ : state) {
    std::vector<ReplayRecord> records;
    for (size_t i = 0; i < batch; ++i) records.push_back(Record(n++));
    std::vector<const ReplayRecord*> pointers;
    for (const ReplayRecord& r : records) pointers.push_back(&r);
    const bool ok = batch == 1 ? db->Save(records[0], error) : db->SaveAll(pointers, error);
    if (!ok) {
      state.SkipWithError(error.c_str());
      return;
    }
    written += static_cast<int64_t>(batch);
  }
  state.counters["records_per_s"] =
      benchmark::Counter(static_cast<double>(written), benchmark::Counter::kIsRate);
  state.SetLabel(batch == 1 ? "one statement per record" : "batched (one statement per batch)");
}
BENCHMARK(BM_ReplayWrites)->Arg(1)->Arg(16)->Arg(256)->UseRealTime()->MinTime(2.0);

}  // namespace
