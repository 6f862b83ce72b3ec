// How long loading and validating a config takes (hot reload pays this on every change).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "config/loader.h"

namespace {

std::string ReferenceConfig() {
  std::ifstream in(std::string(VSR_SHARED_DIR) + "/upstream/config/config.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void BM_ParseYaml(benchmark::State& state) {
  const std::string text = ReferenceConfig();
  const auto file = std::make_shared<const std::string>("config.yaml");
  for (auto _ : state) {
    vsr::Diagnostics diags;
    benchmark::DoNotOptimize(vsr::config::ParseYaml(text, file, diags));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseYaml)->Unit(benchmark::kMillisecond);

void BM_LoadAndValidate(benchmark::State& state) {
  const std::string text = ReferenceConfig();
  const auto file = std::make_shared<const std::string>("config.yaml");
  for (auto _ : state) {
    vsr::Diagnostics diags;
    auto tree = vsr::config::ParseYaml(text, file, diags);
    benchmark::DoNotOptimize(vsr::config::LoadConfigTree(std::move(*tree)));
  }
}
BENCHMARK(BM_LoadAndValidate)->Unit(benchmark::kMillisecond);

}  // namespace
