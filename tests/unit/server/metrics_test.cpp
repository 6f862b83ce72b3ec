// The Prometheus text format our registry writes, and token counts read from answers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "observability/metrics_registry.h"
#include "observability/router_metrics.h"
#include "request/request.h"
#include "routing/router.h"
#include "support/config_loader.h"
#include "support/required.h"

namespace vsr::observability {
namespace {

TEST(MetricsRegistryTest, RendersCountersAndCumulativeHistograms) {
  Registry r;
  CounterFamily& c = r.Counter("llm_model_requests_total", "Requests", {"model"});
  HistogramFamily& h = r.Histogram("llm_model_ttft_seconds", "TTFT", {"model"}, {0.1, 1});
  c.Add({"a\"b"});
  c.Add({"a\"b"}, 2);
  h.Observe({"m"}, 0.05);
  h.Observe({"m"}, 0.5);
  h.Observe({"m"}, 5);
  EXPECT_EQ(r.Render(),
            "# HELP llm_model_requests_total Requests\n"
            "# TYPE llm_model_requests_total counter\n"
            "llm_model_requests_total{model=\"a\\\"b\"} 3\n"
            "# HELP llm_model_ttft_seconds TTFT\n"
            "# TYPE llm_model_ttft_seconds histogram\n"
            "llm_model_ttft_seconds_bucket{model=\"m\",le=\"0.1\"} 1\n"
            "llm_model_ttft_seconds_bucket{model=\"m\",le=\"1\"} 2\n"
            "llm_model_ttft_seconds_bucket{model=\"m\",le=\"+Inf\"} 3\n"
            "llm_model_ttft_seconds_sum{model=\"m\"} 5.55\n"
            "llm_model_ttft_seconds_count{model=\"m\"} 3\n");
}

TEST(MetricsRegistryTest, SeriesPerFamilyAreCapped) {
  Registry r;
  CounterFamily& c = r.Counter("x_total", "x", {"v"});
  for (size_t i = 0; i < Family::kMaxSeries + 50; ++i) c.Add({std::to_string(i)});
  EXPECT_EQ(c.Value({"0"}), 1);
  EXPECT_EQ(c.Value({std::to_string(Family::kMaxSeries + 10)}), 0);  // dropped, not grown
}

// Series are told apart by family and by each label value, however the bytes line up.
TEST(MetricsRegistryTest, SeriesAreKeptApartByFamilyAndEveryLabelValue) {
  Registry r;
  CounterFamily& a = r.Counter("a_total", "a", {"x", "y"});
  CounterFamily& b = r.Counter("b_total", "b", {"x", "y"});
  a.Add({"ab", "c"});
  a.Add({"a", "bc"}, 2);
  a.Add({"", "abc"}, 4);
  b.Add({"ab", "c"}, 8);
  EXPECT_EQ(a.Value({"ab", "c"}), 1);
  EXPECT_EQ(a.Value({"a", "bc"}), 2);
  EXPECT_EQ(a.Value({"", "abc"}), 4);
  EXPECT_EQ(b.Value({"ab", "c"}), 8);
  EXPECT_EQ(b.Value({"a", "bc"}), 0);
  EXPECT_NE(r.Render().find("a_total{x=\"\",y=\"abc\"} 4\n"), std::string::npos);
  // Values of every length around the hash's 4- and 8-byte words, and ones differing only in
  // their last or middle byte.
  CounterFamily& c = r.Counter("c_total", "c", {"x"});
  for (size_t n = 0; n <= 20; ++n) {
    std::string v(n, 'v');
    c.Add({v}, static_cast<double>(n + 1));
    if (n > 0) {
      v[n - 1] = 'w';
      c.Add({v}, 100.0 * static_cast<double>(n));
      v[n / 2] = 'm';
      c.Add({v}, 1000.0 * static_cast<double>(n));
    }
  }
  for (size_t n = 0; n <= 20; ++n) {
    std::string v(n, 'v');
    EXPECT_EQ(c.Value({v}), static_cast<double>(n + 1)) << n;
    if (n > 0) {
      v[n - 1] = 'w';
      EXPECT_EQ(c.Value({v}), 100.0 * static_cast<double>(n)) << n;
      v[n / 2] = 'm';
      EXPECT_EQ(c.Value({v}), 1000.0 * static_cast<double>(n)) << n;
    }
  }
}

// Threads update their own shards; what is rendered adds them all up, and a gauge keeps the
// value set last, whichever thread set it.
TEST(MetricsRegistryTest, UpdatesFromManyThreadsAddUp) {
  Registry r;
  CounterFamily& c = r.Counter("c_total", "c", {"model"});
  HistogramFamily& h = r.Histogram("h_seconds", "h", {"model"}, {0.5});
  GaugeFamily& g = r.Gauge("g", "g", {"cache"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        c.Add({"m"});
        h.Observe({"m"}, t % 2 == 0 ? 0.25 : 0.75);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::thread([&] { g.Set({"memory"}, 7); }).join();
  g.Set({"memory"}, 3);
  EXPECT_EQ(c.Value({"m"}), 12000);
  EXPECT_EQ(h.Count({"m"}), 12000u);
  const std::string text = r.Render();
  EXPECT_NE(text.find("c_total{model=\"m\"} 12000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("h_seconds_bucket{model=\"m\",le=\"0.5\"} 6000\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("h_seconds_sum{model=\"m\"} 6000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("g{cache=\"memory\"} 3\n"), std::string::npos) << text;
}

// A request's updates take its thread's slot once (UpdateBatch); threads that share a slot
// (more threads than slots) and a renderer still see every update, nested batches included.
TEST(MetricsRegistryTest, BatchedUpdatesFromThreadsSharingSlotsAddUp) {
  Registry r;
  CounterFamily& c = r.Counter("c_total", "c", {"model"});
  HistogramFamily& h = r.Histogram("h_seconds", "h", {"model"}, {0.5});
  GaugeFamily& g = r.Gauge("g", "g", {"cache"});
  std::atomic<bool> done{false};
  std::thread renderer([&] {
    while (!done) EXPECT_NE(r.Render().find("# TYPE c_total counter"), std::string::npos);
  });
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 2 * kThreadSlots; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        UpdateBatch batch(r);
        c.Add({"m"});
        h.Observe({"m"}, 0.25);
        g.Set({"memory"}, i);
        UpdateBatch nested(r);
        c.Add({"m"}, 2);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  done = true;
  renderer.join();
  EXPECT_EQ(c.Value({"m"}), 2 * kThreadSlots * 2000 * 3);
  EXPECT_EQ(h.Count({"m"}), 2 * kThreadSlots * 2000);
  c.Add({"m"});  // no batch left holding the slot
  EXPECT_EQ(c.Value({"m"}), 2 * kThreadSlots * 2000 * 3 + 1);
}

TEST(RouterMetricsTest, CompletionRecordsTokensCostAndErrors) {
  RouterMetrics m;
  config::ModelPricing pricing;
  pricing.currency = "EUR";
  pricing.prompt_per_1m = 2;
  pricing.completion_per_1m = 4;
  CompletionSample s;
  s.model = "m";
  s.status = 200;
  s.completion_s = 1;
  s.prompt_tokens = 500000;
  s.completion_tokens = 250000;
  m.RecordCompletion(s, &pricing);
  const std::string text = m.Render();
  EXPECT_NE(text.find("llm_model_cost_total{model=\"m\",currency=\"EUR\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("llm_model_tokens_total{model=\"m\"} 750000\n"), std::string::npos);
  s.status = 503;
  m.RecordCompletion(s, &pricing);
  s.status = 200;
  s.error_reason = "cancellation";
  m.RecordCompletion(s, nullptr);
  EXPECT_NE(m.Render().find("llm_request_errors_total{model=\"m\",reason=\"cancellation\"} 1\n"),
            std::string::npos);
}

// Completions update their model's series resolved once per thread: more models than a thread
// keeps resolved, two routers' metrics in the same threads, and several threads all add up,
// each model's counts in its own series of the right router.
TEST(RouterMetricsTest, CompletionsOfManyModelsAndRoutersAddUpPerModel) {
  RouterMetrics a, b;
  constexpr int kModels = 7, kRounds = 20, kThreads = 3;
  const auto record = [&] {
    for (int round = 0; round < kRounds; ++round) {
      for (int model = 0; model < kModels; ++model) {
        CompletionSample s;
        s.model = "model-" + std::to_string(model);
        s.status = 200;
        s.completion_s = 0.2;
        s.prompt_tokens = 10 + model;
        s.completion_tokens = 4;
        a.RecordCompletion(s, nullptr);
        if (model % 2 == 0) b.RecordCompletion(s, nullptr);  // b sees the even models only
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(record);
  for (std::thread& t : threads) t.join();
  const std::string ta = a.Render(), tb = b.Render();
  for (int model = 0; model < kModels; ++model) {
    const std::string label = "{model=\"model-" + std::to_string(model) + "\"}";
    const int n = kRounds * kThreads;
    EXPECT_NE(ta.find("llm_model_prompt_tokens_total" + label + " " +
                      std::to_string(n * (10 + model)) + "\n"),
              std::string::npos)
        << model << "\n"
        << ta;
    EXPECT_NE(ta.find("llm_model_completion_latency_seconds_count" + label + " " +
                      std::to_string(n) + "\n"),
              std::string::npos);
    EXPECT_NE(
        ta.find("llm_model_tokens_total" + label + " " + std::to_string(n * (14 + model)) + "\n"),
        std::string::npos);
    const bool in_b = model % 2 == 0;
    EXPECT_EQ(tb.find("llm_model_tpot_seconds_count" + label + " " + std::to_string(n) + "\n") !=
                  std::string::npos,
              in_b)
        << model << "\n"
        << tb;
  }
}

// Routing's series (signal latency and matches, decisions, selections) are counted per label set
// by every thread and router, also when a thread sees more rules and decisions than it keeps
// resolved at once.
TEST(RouterMetricsTest, RoutingOfManyDecisionsAndRoutersAddsUpPerLabelSet) {
  constexpr int kRules = 10;  // more matched rules and decisions than a thread keeps resolved
  std::string yaml =
      "version: v0.3\n"
      "providers:\n"
      "  defaults: {default_model: m0}\n"
      "  models: [{name: m0, backend_refs: [{endpoint: '127.0.0.1:1'}]},\n"
      "           {name: m1, backend_refs: [{endpoint: '127.0.0.1:1'}]}]\n"
      "routing:\n"
      "  modelCards: [{name: m0}, {name: m1}]\n"
      "  signals:\n"
      "    keywords:\n";
  for (int i = 0; i < kRules; ++i) {
    yaml += "      - {name: k" + std::to_string(i) + ", operator: OR, keywords: [word" +
            std::to_string(i) + "]}\n";
  }
  yaml += "  decisions:\n";
  for (int i = 0; i < kRules; ++i) {
    yaml += "    - {name: d" + std::to_string(i) + ", priority: " + std::to_string(100 - i) +
            ", rules: {operator: AND, conditions: [{type: keyword, name: k" + std::to_string(i) +
            "}]}, modelRefs: [{model: m" + std::to_string(i % 2) + "}]}\n";
  }
  std::vector<std::string> errors;
  auto router = routing::Router::Create(testing::ConfigFromText(yaml), errors);
  ASSERT_TRUE(errors.empty()) << errors[0];
  // Text i names the words of rules i and i+1: rule k<i> matches (a keyword signal reports its
  // first matching rule, as upstream) and decision d<i> wins; the last text matches no rule.
  std::vector<routing::RoutingResult> results;
  for (int i = 0; i <= kRules; ++i) {
    const std::string text = "say word" + std::to_string(i) + " and word" + std::to_string(i + 1);
    results.push_back(router->Route(request::FromText(text)));
  }
  ASSERT_EQ(results[3].decision->name, "d3");
  ASSERT_EQ(results[kRules].decision, nullptr);

  RouterMetrics a, b;
  constexpr int kRounds = 5, kThreads = 3;
  const auto record = [&] {
    for (int round = 0; round < kRounds; ++round) {
      for (int i = 0; i <= kRules; ++i) {
        a.RecordRouting(results[i], 0.002);
        if (i % 2 == 0) b.RecordRouting(results[i], 0.002);  // b routes the even texts only
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(record);
  for (std::thread& t : threads) t.join();
  const std::string ta = a.Render(), tb = b.Render();
  const int n = kRounds * kThreads;
  const auto has = [](const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  for (int i = 0; i < kRules; ++i) {
    const std::string rule = "k" + std::to_string(i), decision = "d" + std::to_string(i);
    EXPECT_TRUE(has(ta, "llm_signal_match_total{signal_type=\"keyword\",signal_name=\"" + rule +
                            "\"} " + std::to_string(n)))
        << rule << "\n"
        << ta;
    EXPECT_TRUE(has(
        ta, "llm_decision_match_total{decision_name=\"" + decision + "\"} " + std::to_string(n)))
        << decision;
    EXPECT_TRUE(has(ta, "llm_decision_confidence_count{decision_name=\"" + decision + "\"} " +
                            std::to_string(n)));
    EXPECT_TRUE(has(ta, "llm_model_selection_total{method=\"" + results[i].selection_method +
                            "\",model=\"m" + std::to_string(i % 2) + "\",decision=\"" + decision +
                            "\",tier=\"0\"} " + std::to_string(n)))
        << decision << "\n"
        << ta;
    EXPECT_EQ(has(tb, "llm_decision_match_total{decision_name=\"" + decision + "\"} " +
                          std::to_string(n)),
              i % 2 == 0)
        << decision << "\n"
        << tb;
  }
  const std::string all = std::to_string((kRules + 1) * n);
  EXPECT_TRUE(has(ta, "llm_model_routing_latency_seconds_count " + all)) << ta;
  EXPECT_TRUE(has(ta, "llm_decision_evaluation_total " + all));
  EXPECT_TRUE(
      has(ta, "llm_signal_extraction_latency_seconds_count{signal_type=\"keyword\"} " + all));
  // The text no rule matched: no decision, the default model selected.
  EXPECT_TRUE(has(ta, "llm_model_selection_total{method=\"" + results[kRules].selection_method +
                          "\",model=\"" + results[kRules].selected_model +
                          "\",decision=\"\",tier=\"0\"} " + std::to_string(n)))
      << ta;
  EXPECT_TRUE(has(tb, "llm_decision_evaluation_total " + std::to_string((kRules / 2 + 1) * n)));
}

TEST(RouterMetricsTest, TokenCountsComeFromTheLastUsageField) {
  EXPECT_EQ(
      LastIntegerField(R"({"usage":{"prompt_tokens": 12,"completion_tokens":3}})", "prompt_tokens"),
      12);
  EXPECT_EQ(LastIntegerField(R"("output_tokens":0} ... "output_tokens":41})", "output_tokens"), 41);
  EXPECT_EQ(LastIntegerField("no usage here", "prompt_tokens"), -1);
  // Only the whole key counts, wherever it is.
  EXPECT_EQ(LastIntegerField(R"({"prompt_tokens":7,"x":"a:b"})", "tokens"), -1);
  EXPECT_EQ(LastIntegerField(R"("tokens":9,"prompt_tokens":7)", "tokens"), 9);
  EXPECT_EQ(LastIntegerField(R"(:"tokens":)", "tokens"), -1);  // no digits
}

// The exposition must parse (and lint cleanly) with Prometheus's own checker, which the setup
// script installs with the prometheus package.
TEST(RouterMetricsTest, PromtoolAcceptsTheExposition) {
  VSR_REQUIRE_INSTALLED(std::system("command -v promtool >/dev/null 2>&1") == 0, "promtool");
  RouterMetrics m;
  CompletionSample s;
  s.model = "m\"1";
  s.status = 200;
  s.ttft_s = 0.1;
  s.completion_s = 0.5;
  s.prompt_tokens = 10;
  s.completion_tokens = 20;
  config::ModelPricing pricing;
  pricing.prompt_per_1m = 1;
  pricing.completion_per_1m = 2;
  m.RecordCompletion(s, &pricing);
  m.RecordRequest("m\"1");
  m.RecordError("m", "timeout");
  m.RecordCacheLookup("memory", "faq", true, 0.0002);
  m.RecordCacheLookup("memory", "faq", false, 0.0003);
  m.RecordCacheStore("memory", 0.001, 7);
  const std::string path = ::testing::TempDir() + "/metrics-" + std::to_string(getpid()) + ".txt";
  {
    std::ofstream out(path);
    out << m.Render();
  }
  const std::string cmd = "promtool check metrics < '" + path + "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = pclose(pipe);
  // Exit 0: clean; 3: lint findings only (a parse error is 1). The one finding allowed is a
  // name upstream chose (a gauge called *_total) that clients depend on.
  const std::set<std::string> allowed = {
      "llm_cache_entries_total non-counter metrics should not have \"_total\" suffix"};
  EXPECT_TRUE(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3))
      << output;
  std::stringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) {
      EXPECT_TRUE(allowed.count(line)) << "promtool: " << line;
    }
  }
  std::remove(path.c_str());
}

TEST(RouterMetricsTest, CacheLookupsStoresAndEntries) {
  RouterMetrics m;
  m.RecordCacheLookup("memory", "faq", true, 0.0002);
  m.RecordCacheLookup("memory", "faq", false, 0.0003);
  m.RecordCacheLookup("memory", "faq", false, 0.0001);
  m.RecordCacheStore("memory", 0.001, 7);
  m.RecordCacheStore("memory", 0.001, 8);
  m.RecordCacheLookup("milvus", "faq", true, 0.0001);  // a cache shared through Milvus
  const std::string text = m.Render();
  EXPECT_NE(
      text.find(
          "llm_cache_plugin_hits_total{decision_name=\"faq\",plugin_type=\"semantic-cache\"} 2"),
      std::string::npos);
  EXPECT_NE(text.find("llm_cache_operations_total{backend=\"milvus\",operation=\"find_similar\","
                      "status=\"hit\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "llm_cache_plugin_misses_total{decision_name=\"faq\",plugin_type=\"semantic-cache\"} 2"),
      std::string::npos);
  EXPECT_NE(
      text.find(
          "# TYPE llm_cache_entries_total gauge\nllm_cache_entries_total{backend=\"memory\"} 8\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("llm_cache_operation_duration_seconds_count{backend=\"memory\",operation="
                      "\"find_similar\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("llm_cache_operations_total{backend=\"memory\",operation=\"add_entry\","
                      "status=\"success\"} 2"),
            std::string::npos);
}

// The Grafana dashboard we ship only queries metrics the router exports.
TEST(RouterMetricsTest, TheShippedGrafanaDashboardQueriesExportedMetrics) {
  std::ifstream in(std::string(VSR_SOURCE_DIR) + "/deploy/observability/grafana-dashboard.json");
  ASSERT_TRUE(in);
  const std::string dashboard((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  const std::string exported = RouterMetrics().Render();
  const std::regex metric("llm_[a-z_]+");
  size_t checked = 0;
  for (auto it = std::sregex_iterator(dashboard.begin(), dashboard.end(), metric);
       it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix)) name.resize(name.size() - std::string(suffix).size());
    }
    EXPECT_NE(exported.find("# TYPE " + name + " "), std::string::npos) << name;
    ++checked;
  }
  EXPECT_GE(checked, 10u);
}

}  // namespace
}  // namespace vsr::observability
