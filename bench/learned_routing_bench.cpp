// End-to-end learned routing: jailbreak + domain + PII signals, each its own ModernBERT
// classifier at mmBERT-small's size (22 layers, hidden 384, 6 heads, GeGLU 1152, local window
// 128 with a global layer every 3rd — upstream's mmbert32k-*-merged models), random weights,
// through Router::Route on a 128- and a 512-token prompt. The three run concurrently on the
// router's signal workers (cores - 1, at least 2). Alongside: one classifier alone, to read
// the per-model cost. The vocabulary is 32k words, not mmBERT's 256k: only the embedding
// table's size (memory) depends on it, not the time. The three classifiers have their own
// encoders (upstream's merged checkpoints), or (shared) one frozen encoder with three heads:
// then one pass serves the three signals (ml/shared_encoder.h). Every timed request is a
// different prompt: passes on an identical input are shared for a few seconds. Rows with one
// pass at a time alternate iterations with and without helper threads (ml/parallel.h):
// p50_ms is the default (the idle core helps), one_thread_p50_ms the same pass on one thread.
// Run: build/release/bench/learned_routing_bench --benchmark_format=json
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "config/loader.h"
#include "ml/classifiers.h"
#include "ml/model_store.h"
#include "ml/parallel.h"
#include "ml/weight.h"
#include "random_model.h"
#include "routing/router.h"

namespace {

constexpr int kVocab = 32000, kHidden = 384, kLayers = 22, kHeads = 6, kFfn = 1152;

std::string Labels(const std::vector<std::string>& names) {
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i ? "," : "") + ("\"" + std::to_string(i) + "\":\"" + names[i] + "\"");
  }
  return out + "}";
}

// A ModernBertFor<task> folder with `labels`; random weights from `seed` (the head's drawn last,
// so one seed gives one encoder whatever the head).
void WriteClassifier(const std::string& dir, const std::string& task,
                     const std::vector<std::string>& labels, unsigned seed) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << R"({"model_type":"modernbert","architectures":["ModernBertFor)" << task
      << R"("],"vocab_size":)" << kVocab << R"(,"hidden_size":)" << kHidden
      << R"(,"num_hidden_layers":)" << kLayers << R"(,"num_attention_heads":)" << kHeads
      << R"(,"intermediate_size":)" << kFfn
      << R"(,"max_position_embeddings":8192,"local_attention":128,"global_attn_every_n_layers":3,)"
      << R"("classifier_pooling":"mean","id2label":)" << Labels(labels) << "}";
  const int64_t h = kHidden, n = static_cast<int64_t>(labels.size());
  vsr::bench::TensorShapes t = {{"model.embeddings.tok_embeddings.weight", {kVocab, h}},
                                {"model.embeddings.norm.weight", {h}},
                                {"model.final_norm.weight", {h}}};
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    if (l > 0) t.push_back({p + "attn_norm.weight", {h}});
    t.push_back({p + "attn.Wqkv.weight", {3 * h, h}});
    t.push_back({p + "attn.Wo.weight", {h, h}});
    t.push_back({p + "mlp_norm.weight", {h}});
    t.push_back({p + "mlp.Wi.weight", {2 * kFfn, h}});
    t.push_back({p + "mlp.Wo.weight", {h, kFfn}});
  }
  t.insert(t.end(), {{"head.dense.weight", {h, h}},
                     {"head.norm.weight", {h}},
                     {"classifier.weight", {n, h}},
                     {"classifier.bias", {n}}});
  vsr::bench::WriteRandomSafetensors(dir + "/model.safetensors", t, 0.05f, seed);
  vsr::bench::WriteWordTokenizer(dir + "/tokenizer.json", kVocab - 5);
}

struct Setup {
  std::unique_ptr<vsr::ml::ModelStore> models = std::make_unique<vsr::ml::ModelStore>();
  std::unique_ptr<vsr::routing::Router> router;
  std::shared_ptr<const vsr::ml::SequenceClassifier> domain;      // batched (as the router runs it)
  std::shared_ptr<const vsr::ml::SequenceClassifier> domain_raw;  // the same model, unbatched
};

Setup Load(bool bf16, bool shared) {
  // bfloat16 copies of the weights are made at load (and used while the switch is on).
  vsr::ml::SetBf16Products(bf16);
  Setup s;
  const std::string dir =
      std::filesystem::temp_directory_path() / ("vsr-learned-bench-" + std::to_string(getpid()) +
                                                (bf16 ? "-bf16" : "") + (shared ? "-shared" : ""));
  // Shared: one seed, one encoder. Apart: each its own (and not the shared setup's).
  const auto seed = [&](unsigned task) { return shared ? 100u : (bf16 ? 10u : 20u) + task; };
  WriteClassifier(dir + "/jailbreak", "SequenceClassification", {"benign", "jailbreak"}, seed(0));
  WriteClassifier(
      dir + "/domain", "SequenceClassification",
      {"biology", "business", "chemistry", "computer science", "economics", "engineering", "health",
       "history", "law", "math", "other", "philosophy", "physics", "psychology"},
      seed(1));
  WriteClassifier(dir + "/pii", "TokenClassification",
                  {"O", "B-EMAIL_ADDRESS", "I-EMAIL_ADDRESS", "B-PERSON", "I-PERSON",
                   "B-PHONE_NUMBER", "I-PHONE_NUMBER", "B-US_SSN", "I-US_SSN"},
                  seed(2));
  const std::string yaml = R"(version: v0.3
providers:
  defaults: {default_model: m}
  models: [{name: m, backend_refs: [{endpoint: '127.0.0.1:9'}]}]
routing:
  modelCards: [{name: m}]
  signals:
    jailbreak: [{name: jb, threshold: 0.5}]
    domains: [{name: math}, {name: law}]
    pii: [{name: any_pii, threshold: 0.5}]
  decisions:
    - name: guarded
      rules: {operator: OR, conditions: [{type: jailbreak, name: jb}, {type: pii, name: any_pii},
                                         {type: domain, name: math}]}
      modelRefs: [{model: m}]
global:
  model_catalog:
    system: {prompt_guard: ')" +
                           dir + R"(/jailbreak', domain_classifier: ')" + dir +
                           R"(/domain', pii_classifier: ')" + dir + R"(/pii'}
)";
  std::ofstream(dir + "/config.yaml") << yaml;
  vsr::config::LoadResult loaded = vsr::config::LoadConfigFile(dir + "/config.yaml");
  if (!loaded.diags.ok()) std::abort();
  auto config = std::make_shared<const vsr::config::Config>(std::move(loaded.config));
  std::vector<std::string> errors;
  vsr::signals::SignalSet set = vsr::signals::SignalSet::Build(*config, errors, s.models.get());
  for (vsr::signals::Family f : {vsr::signals::Family::kJailbreak, vsr::signals::Family::kDomain,
                                 vsr::signals::Family::kPii}) {
    if (!errors.empty() || !set.Get(f)->NotReadyReason().empty()) std::abort();
  }
  vsr::routing::RouterOptions options;
  options.signal_budget = std::chrono::milliseconds(60000);  // measure, never cut off
  s.router = vsr::routing::Router::Create(config, std::move(set), options);
  std::string error;
  s.domain = s.models->LoadSequenceClassifier(dir + "/domain", error);
  s.domain_raw = vsr::ml::SequenceClassifierModel::Load(dir + "/domain", error);
  std::filesystem::remove_all(dir);  // loaded: the weights live in memory now
  return s;
}

// The float32 models, or (bf16) the same models with bfloat16 products (VLLM_SR_MATMUL=bf16);
// three encoders, or (shared) one.
const Setup& Models(bool bf16 = false, bool shared = false) {
  if (shared) {
    static const Setup fp32 = Load(false, true);
    if (!bf16) return fp32;
    static const Setup bf16_setup = Load(true, true);
    return bf16_setup;
  }
  if (bf16) {
    static const Setup setup = Load(true, false);
    return setup;
  }
  static const Setup setup = Load(false, false);
  return setup;
}

// `tokens` tokens with [CLS] and [SEP]: distinct words of the synthetic vocabulary; `variant`
// shifts them (each timed request its own prompt).
std::string Prompt(size_t tokens, size_t variant = 0) {
  std::string text;
  for (size_t i = 0; i + 2 < tokens; ++i) {
    text += "w" + std::to_string((i * 37 + variant * 101) % 30000) + " ";
  }
  return text;
}

// A process-wide prompt counter: a benchmark that follows another with the same length must not
// meet the prompts the first one ran (the shared encoder keeps recent passes for 10 s).
size_t& NextVariant() {
  static size_t variant = 0;
  return variant;
}

void Report(benchmark::State& state, std::vector<double>& ms, const std::string& prefix = "") {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters[prefix + "p50_ms"] = ms[ms.size() / 2];
  state.counters[prefix + "p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}

// The models for a benchmark whose second argument picks bfloat16 products, switched to match.
const Setup& ModelsFor(const benchmark::State& state, bool shared = false) {
  const bool bf16 = state.range(1) != 0;
  const Setup& s = Models(bf16, shared);
  vsr::ml::SetBf16Products(bf16);
  return s;
}

bool SkipWithoutBf16(benchmark::State& state) {
  if (state.range(1) == 0 || vsr::ml::Bf16ProductsSupported()) return false;
  state.SkipWithError("this CPU has no bfloat16 products (they need AVX-512)");
  return true;
}

// A pass may use the idle cores (ml/parallel.h, the default) or run on one thread.
void UsePassHelpers(bool on) {
  vsr::ml::SetPassHelpers(on ? std::max(1u, std::thread::hardware_concurrency()) - 1 : 0);
}

// Times `run` over the benchmark's iterations. With `alternate`, every other iteration runs with
// helpers off: p50_ms/p99_ms are the default (helpers), one_thread_p50_ms/... one thread per
// pass, measured side by side so the machine's drift hits both alike.
template <typename Run>
void TimeIterations(benchmark::State& state, bool alternate, Run run) {
  std::vector<double> helped, alone;
  size_t& variant = NextVariant();
  for (auto _ : state) {
    const bool one_thread = alternate && (helped.size() + alone.size()) % 2 == 1;
    UsePassHelpers(!one_thread);
    const auto t0 = std::chrono::steady_clock::now();
    run(++variant);
    (one_thread ? alone : helped)
        .push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count());
  }
  UsePassHelpers(true);
  Report(state, helped);
  Report(state, alone, "one_thread_");
}

// 128 and 512 tokens, float32 then bfloat16 products; 16 timed runs each (8 with helpers, 8
// without).
void TokensAndPrecision(benchmark::internal::Benchmark* b) {
  b->Args({128, 0})->Args({512, 0})->Args({128, 1})->Args({512, 1})->Iterations(16);
  b->Unit(benchmark::kMillisecond);
}

// The same, three encoders then one shared encoder.
void TokensPrecisionAndSharing(benchmark::internal::Benchmark* b) {
  for (int shared : {0, 1}) {
    for (int bf16 : {0, 1}) {
      for (int tokens : {128, 512}) b->Args({tokens, bf16, shared});
    }
  }
  b->Iterations(16)->Unit(benchmark::kMillisecond);
}

void BM_LearnedRouting(benchmark::State& state) {
  if (SkipWithoutBf16(state)) return;
  const bool shared = state.range(2) != 0;
  const Setup& s = ModelsFor(state, shared);
  // Three encoders keep both cores busy with passes, which then get no helpers: one timing.
  TimeIterations(state, shared, [&](size_t variant) {
    const vsr::routing::RoutingResult r = s.router->Route(
        vsr::request::FromText(Prompt(static_cast<size_t>(state.range(0)), variant)));
    for (vsr::signals::Family f : {vsr::signals::Family::kJailbreak, vsr::signals::Family::kDomain,
                                   vsr::signals::Family::kPii}) {
      if (!r.signals.Of(f).output.error.empty()) state.SkipWithError("a signal failed");
    }
  });
  std::string label = shared ? "jailbreak + domain + PII heads on one shared encoder"
                             : "jailbreak + domain + PII, concurrent";
  if (state.range(1)) label += ", bf16 products";
  state.SetLabel(label);
}
BENCHMARK(BM_LearnedRouting)->Apply(TokensPrecisionAndSharing);

void BM_OneClassifier(benchmark::State& state) {
  if (SkipWithoutBf16(state)) return;
  const Setup& s = ModelsFor(state);
  TimeIterations(state, true, [&](size_t variant) {
    benchmark::DoNotOptimize(
        s.domain->Classify(Prompt(static_cast<size_t>(state.range(0)), variant)));
  });
  state.SetLabel(state.range(1) ? "domain classifier alone, bf16 products"
                                : "domain classifier alone");
}
BENCHMARK(BM_OneClassifier)->Apply(TokensAndPrecision);

// 16 concurrent 16- or 64-token requests to the domain classifier from 16 threads: with
// micro-batching (the router's way: one model thread, up to 8 texts per pass) against each caller
// running its own forward pass (two cores shared by 16 threads). Items per second is the
// throughput.
void BM_ConcurrentClassification(benchmark::State& state) {
  const Setup& s = Models();
  vsr::ml::SetBf16Products(false);
  UsePassHelpers(true);
  const bool batched = state.range(0) != 0;
  const vsr::ml::SequenceClassifier& model = batched ? *s.domain : *s.domain_raw;
  // Never the prompts of an earlier row: both models read one shared encoder, which keeps
  // recent passes (with its own counter, the batched row met the unbatched row's prompts).
  size_t& variant = NextVariant();
  for (auto _ : state) {
    std::vector<std::thread> callers;
    for (int i = 0; i < 16; ++i) {
      const std::string prompt = Prompt(static_cast<size_t>(state.range(1)), ++variant);
      callers.emplace_back([&model, prompt] { benchmark::DoNotOptimize(model.Classify(prompt)); });
    }
    for (auto& t : callers) t.join();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 16);
  state.SetLabel(batched ? "micro-batched" : "one pass per request");
}
BENCHMARK(BM_ConcurrentClassification)
    ->Args({0, 16})
    ->Args({1, 16})
    ->Args({0, 64})
    ->Args({1, 64})
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
