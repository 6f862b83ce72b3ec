// Router::Route end to end on the heuristics fixture: which decision and model a request gets.
#include "routing/router.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/config_loader.h"
#include "support/fake_models.h"

namespace vsr::routing {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> errors;
    router_ = Router::Create(testing::HeuristicsConfig(), errors);
    ASSERT_TRUE(errors.empty()) << errors.front();
  }
  RoutingResult Route(const std::string& text, RouteOptions o = {}) const {
    return router_->Route(request::FromText(text), o);
  }
  std::string DecisionFor(const std::string& text) const {
    const RoutingResult r = Route(text);
    return r.decision ? r.decision->name : "(none)";
  }
  std::unique_ptr<Router> router_;
};

TEST_F(RouterTest, HighestPriorityMatchingDecisionWins) {
  EXPECT_EQ(DecisionFor("urgent: the build is red"), "urgent_code");
  EXPECT_EQ(DecisionFor("my python script segfaults"), "code_route");
  EXPECT_EQ(DecisionFor("Who? What? Where? When?"), "questionnaire");
  EXPECT_EQ(DecisionFor("¿Dónde está la estación de tren más cercana?"), "non_english");
  EXPECT_EQ(DecisionFor("tell me a story about a lighthouse"), "default_route");
}

TEST_F(RouterTest, SelectedModelAndMethod) {
  const RoutingResult urgent = Route("urgent: the build is red");
  EXPECT_EQ(urgent.selected_model, "large");
  EXPECT_EQ(urgent.selection_method, "static");
  const RoutingResult plain = Route("tell me a story about a lighthouse");
  EXPECT_EQ(plain.selected_model, "small");
  EXPECT_EQ(plain.selection_method, "single");
  EXPECT_EQ(plain.decision_confidence, 0);  // empty AND: catch-all at confidence 0
}

TEST_F(RouterTest, OnlyReferencedFamiliesRunUnlessAllAreRequested) {
  const RoutingResult r = Route("hello");
  EXPECT_TRUE(r.signals.Of(signals::Family::kKeyword).evaluated);
  EXPECT_TRUE(r.signals.Of(signals::Family::kLanguage).evaluated);
  RouteOptions all;
  all.evaluate_all_signals = true;
  EXPECT_TRUE(Route("hello", all).signals.Of(signals::Family::kContext).evaluated);
}

// What reads a request's signals after routing visits exactly the families that ran or could
// not, in AllFamilies() order: the ones a route evaluated, and a marked set in any order.
TEST_F(RouterTest, ReportedFamiliesAreTheOnesThatRanInFamilyOrder) {
  RouteOptions all;
  all.evaluate_all_signals = true;
  for (const RoutingResult& r : {Route("hello"), Route("hello", all)}) {
    std::vector<signals::Family> visited, evaluated;
    r.signals.ForEachReported([&](const signals::FamilyNames& names, const FamilyResult& fr) {
      EXPECT_EQ(&fr, &r.signals.Of(names.family));
      visited.push_back(names.family);
    });
    for (const signals::FamilyNames& names : signals::AllFamilies()) {
      const FamilyResult& fr = r.signals.Of(names.family);
      if (fr.evaluated || !fr.not_ready.empty()) evaluated.push_back(names.family);
    }
    EXPECT_EQ(visited, evaluated);
    EXPECT_GE(visited.size(), 2u);
  }
  SignalResults marked;
  marked.MarkEvaluated(signals::Family::kSessionMetric);  // the last family
  marked.MarkNotReady(signals::Family::kPii, "model not loaded");
  marked.MarkEvaluated(signals::Family::kKeyword);    // the first
  marked.MarkNotReady(signals::Family::kDomain, "");  // ready after all: not reported
  std::vector<signals::Family> visited;
  marked.ForEachReported([&](const signals::FamilyNames& names, const FamilyResult&) {
    visited.push_back(names.family);
  });
  EXPECT_EQ(visited, (std::vector<signals::Family>{signals::Family::kKeyword, signals::Family::kPii,
                                                   signals::Family::kSessionMetric}));
  EXPECT_EQ(marked.Of(signals::Family::kPii).not_ready, "model not loaded");
}

// Results are made only for the families a request writes: the others read as empty, and a
// written one stays where it is (signals hold a reference while others are written) and keeps
// its contents through a copy.
TEST(SignalResultsTest, UnwrittenFamiliesReadEmptyAndWrittenOnesStayPut) {
  SignalResults results;
  const SignalResults& read = results;
  EXPECT_FALSE(read.Of(signals::Family::kDomain).evaluated);
  EXPECT_TRUE(read.Of(signals::Family::kDomain).output.matched.empty());
  FamilyResult& keyword = results.Of(signals::Family::kKeyword);
  keyword.output.matched = {"code"};
  for (const signals::FamilyNames& names : signals::AllFamilies()) {
    results.Of(names.family).output.confidence = 0.5;  // every family written, in order
  }
  EXPECT_EQ(&keyword, &results.Of(signals::Family::kKeyword));
  EXPECT_EQ(keyword.output.matched, std::vector<std::string>{"code"});
  const SignalResults copy = results;
  EXPECT_EQ(copy.Of(signals::Family::kKeyword).output.matched, std::vector<std::string>{"code"});
  EXPECT_EQ(copy.Of(signals::Family::kSessionMetric).output.confidence, 0.5);
  EXPECT_TRUE(copy.Matched("keyword", "code"));
  EXPECT_FALSE(SignalResults().Matched("keyword", "code"));
}

TEST_F(RouterTest, LongContextTurnsOffTheQuestionnaireRoute) {
  std::string long_text(5000, 'x');
  long_text += " Who? What? Where?";
  EXPECT_EQ(DecisionFor(long_text), "default_route");
}

TEST_F(RouterTest, TraceRecordsEveryDecision) {
  RouteOptions o;
  o.trace = true;
  const RoutingResult r = Route("Who? What? Where? When?", o);
  ASSERT_EQ(r.traces.size(), 5u);
  EXPECT_EQ(r.traces[2].decision_name, "questionnaire");
  EXPECT_TRUE(r.traces[2].matched);
  EXPECT_EQ(r.traces[2].root.children[1].node_type, "NOT");
}

TEST(RouterDefaultTest, NoMatchingDecisionFallsBackToTheDefaultModel) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords: [{name: k, operator: OR, keywords: [zebra]}]
  decisions:
    - {name: d, rules: {operator: AND, conditions: [{type: keyword, name: k}]}, modelRefs: [{model: m, use_reasoning: false}]}
)");
  std::vector<std::string> errors;
  auto router = Router::Create(c, errors);
  const RoutingResult r = router->Route(request::FromText("no animals here"));
  EXPECT_EQ(r.decision, nullptr);
  EXPECT_EQ(r.selected_model, "m");
  EXPECT_EQ(r.selection_method, "default");
}

TEST(RouterStrategyTest, TiersAndConfidenceStrategy) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  modelCards: [{name: m}]
  signals:
    structure:
      - name: q
        feature: {type: count, source: {type: regex, pattern: '[?]'}}
        predicate: {gte: 1}
  decisions:
    - {name: low_priority_confident, priority: 1, rules: {operator: AND, conditions: [{type: structure, name: q}]}, modelRefs: [{model: m, use_reasoning: false}]}
    - {name: high_priority_catch_all, priority: 9, rules: {operator: AND, conditions: []}, modelRefs: [{model: m, use_reasoning: false}]}
global:
  router: {strategy: confidence}
)");
  std::vector<std::string> errors;
  auto router = Router::Create(c, errors);
  const RoutingResult r = router->Route(request::FromText("why??"));
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "low_priority_confident");  // confidence beats priority
}

// A complexity rule's composer gates its match on other signals (upstream applies it after
// every family ran): with the composer's keyword absent, the level match is dropped and the
// decision that needs it does not fire. The composer's family runs even though no decision
// references it.
TEST(RouterComposerTest, ComplexityMatchesStandOnlyWhereTheirComposerHolds) {
  auto config = testing::ConfigFromText(R"(
version: v0.3
providers:
  defaults: {default_model: small}
  models: [{name: small, backend_refs: [{endpoint: '127.0.0.1:9'}]}, {name: large, backend_refs: [{endpoint: '127.0.0.1:9'}]}]
routing:
  modelCards: [{name: small}, {name: large}]
  signals:
    keywords: [{name: mathy, operator: OR, keywords: [theorem]}]
    complexity:
      - name: reasoning
        threshold: 0.2
        hard: {candidates: ["prove the theorem rigorously", "prove the lemma rigorously"]}
        easy: {candidates: ["say hi to me"]}
        composer: {operator: AND, conditions: [{type: keyword, name: mathy}]}
  decisions:
    - name: hard_math
      rules: {operator: AND, conditions: [{type: complexity, name: "reasoning:hard"}]}
      modelRefs: [{model: large}]
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: /models/words}
)");
  testing::FakeModels models;
  std::vector<std::string> errors;
  auto router = Router::Create(config, errors, &models);
  ASSERT_TRUE(errors.empty());
  RoutingResult r = router->Route(request::FromText("prove the theorem rigorously"));
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "hard_math");
  r = router->Route(request::FromText("prove the lemma rigorously"));  // no "theorem"
  EXPECT_EQ(r.decision, nullptr);
  EXPECT_TRUE(r.signals.Of(signals::Family::kComplexity).output.matched.empty());
  EXPECT_EQ(r.signals.confidences.count("complexity:reasoning:hard"), 0u);
  EXPECT_TRUE(r.signals.Of(signals::Family::kKeyword).evaluated);
}

// A projection reads a knowledge base's metric (kb_metric input) with no kb rule at all: the
// kb family runs for it, and the mapped band picks the decision.
TEST(RouterKbMetricTest, ProjectionsReadKnowledgeBaseMetrics) {
  const std::string dir = ::testing::TempDir() + "/kb-proj-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/labels.json") << R"({"labels": {
    "private": {"exemplars": ["our internal payroll data"]},
    "public": {"exemplars": ["the capital of france"]}}})";
  auto config = testing::ConfigFromText(R"(
version: v0.3
providers:
  defaults: {default_model: small}
  models: [{name: small, backend_refs: [{endpoint: '127.0.0.1:9'}]}, {name: local, backend_refs: [{endpoint: '127.0.0.1:9'}]}]
routing:
  modelCards: [{name: small}, {name: local}]
  projections:
    scores:
      - name: privacy
        method: weighted_sum
        inputs: [{type: kb_metric, kb: mine, metric: private_vs_public, weight: 1.0, value_source: score}]
    mappings:
      - name: privacy_band
        source: privacy
        method: threshold_bands
        outputs: [{name: keep_local, gte: 0.5}]
  decisions:
    - name: local_only
      rules: {operator: AND, conditions: [{type: projection, name: keep_local}]}
      modelRefs: [{model: local}]
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: /models/words}
    kbs:
      - name: mine
        source: {path: ')" + dir + R"(', manifest: labels.json}
        groups: {private: [private], public: [public]}
        metrics: [{name: private_vs_public, type: group_margin, positive_group: private, negative_group: public}]
)");
  testing::FakeModels models;
  std::vector<std::string> errors;
  auto router = Router::Create(config, errors, &models);
  ASSERT_TRUE(errors.empty());
  RoutingResult r = router->Route(request::FromText("our internal payroll data"));
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.decision->name, "local_only");
  EXPECT_GT(r.signals.values.at("kb_metric:mine:private_vs_public"), 0.5);
  EXPECT_EQ(router->Route(request::FromText("the capital of france")).decision, nullptr);
  std::filesystem::remove_all(dir);
}

// router_dc through Router::Create: the router loads the configured embedding model for
// selection (and so routes on its worker threads); without the model it warns and the
// decision still gets a model.
TEST(RouterSelectionTest, RouterDcUsesTheEmbeddingModelTheConfigNames) {
  const auto config = [](const std::string& path) {
    return testing::ConfigFromText(R"(
version: v0.3
providers:
  defaults: {default_model: coder}
  models: [{name: coder, backend_refs: [{endpoint: '127.0.0.1:9'}]}, {name: poet, backend_refs: [{endpoint: '127.0.0.1:9'}]}]
routing:
  modelCards:
    - {name: coder, description: "python rust compiler debugging"}
    - {name: poet, description: "sonnet rhyme verse stanza"}
  decisions:
    - name: any
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: coder}, {model: poet}]
      algorithm: {type: router_dc, router_dc: {temperature: 0.5}}
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: )" +
                                   path + R"(}
)");
  };
  testing::FakeModels models;
  std::vector<std::string> errors;
  auto router = Router::Create(config("/models/words"), errors, &models);
  ASSERT_TRUE(errors.empty());
  EXPECT_TRUE(router->warnings().empty());
  EXPECT_TRUE(router->runs_models());
  RoutingResult r = router->Route(request::FromText("write a sonnet with rhyme and verse"));
  EXPECT_EQ(r.selection_method, "router_dc");
  EXPECT_EQ(r.selected_model, "poet");
  EXPECT_EQ(router->Route(request::FromText("debugging my rust compiler")).selected_model, "coder");

  auto blind = Router::Create(config("/nowhere/words"), errors, &models);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(blind->warnings().size(), 1u);
  EXPECT_NE(blind->warnings()[0].find("model selection: "), std::string::npos);
  r = blind->Route(request::FromText("write a sonnet"));
  EXPECT_EQ(r.selected_model, "coder");
  EXPECT_EQ(r.selection_reasoning, "Default candidate selection: no embedding function available");
}

// Hybrid modality detection whose classifier cannot be loaded still routes (keywords) and the
// router says so once, at start.
TEST(RouterWarnings, HybridModalityWithoutItsClassifierWarns) {
  const std::string yaml = R"(
version: v0.3
routing:
  signals:
    modality: [{name: DIFFUSION}]
  decisions:
    - name: draw
      rules: {operator: AND, conditions: [{type: modality, name: DIFFUSION}]}
global:
  model_catalog:
    modules:
      modality_detector:
        enabled: true
        method: hybrid
        classifier: {model_path: /nowhere/modality}
        keywords: [draw]
        confidence_threshold: 0.7
        lower_threshold_ratio: 0.7
)";
  testing::FakeModels models;
  std::vector<std::string> errors;
  auto router = Router::Create(testing::ConfigFromText(yaml), errors, &models);
  ASSERT_TRUE(errors.empty());
  ASSERT_EQ(router->warnings().size(), 1u);
  EXPECT_EQ(router->warnings()[0],
            "modality: the classifier /nowhere/modality is not loaded; hybrid detection uses "
            "keywords only (put the model there, or let `vllm-sr serve` download it)");
  EXPECT_EQ(router->Route(request::FromText("draw a cat")).decision->name, "draw");
  models.missing = "/elsewhere";  // the model loads: nothing to say
  models.classifier = std::make_shared<testing::ScriptedClassifier>(
      std::vector<std::string>{"ar", "diffusion", "both"}, [](std::string_view) {
        return std::vector<float>{0.1f, 0.8f, 0.1f};
      });
  EXPECT_TRUE(Router::Create(testing::ConfigFromText(yaml), errors, &models)->warnings().empty());
}

// With an embedding signal in the config, router_dc reuses the signal's vector of the query:
// one model pass per request, not two.
TEST(RouterSelectionTest, RouterDcReusesTheEmbeddingSignalsVector) {
  auto config = testing::ConfigFromText(R"(
version: v0.3
providers:
  defaults: {default_model: coder}
  models: [{name: coder, backend_refs: [{endpoint: '127.0.0.1:9'}]}, {name: poet, backend_refs: [{endpoint: '127.0.0.1:9'}]}]
routing:
  modelCards:
    - {name: coder, description: "python rust compiler debugging"}
    - {name: poet, description: "sonnet rhyme verse stanza"}
  signals:
    embeddings: [{name: verse, threshold: 0.3, candidates: ["a sonnet in verse"]}]
  decisions:
    - name: any
      rules: {operator: OR, conditions: [{type: embedding, name: verse}]}
      modelRefs: [{model: coder}, {model: poet}]
      algorithm: {type: router_dc, router_dc: {temperature: 0.5}}
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: /models/words}
)");
  testing::FakeModels models;
  std::vector<std::string> errors;
  auto router = Router::Create(config, errors, &models);
  ASSERT_TRUE(errors.empty());
  const int before = testing::WordEmbedder::embedded;
  const RoutingResult r = router->Route(request::FromText("write a sonnet with rhyme and verse"));
  EXPECT_EQ(testing::WordEmbedder::embedded - before, 1);
  ASSERT_NE(r.decision, nullptr);
  EXPECT_EQ(r.selection_method, "router_dc");
  EXPECT_EQ(r.selected_model, "poet");
}

}  // namespace
}  // namespace vsr::routing
