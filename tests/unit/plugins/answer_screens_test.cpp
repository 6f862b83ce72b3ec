// The answer screens' parts on single inputs: reading and annotating the assistant's text, the
// hallucination detector's spans (with and without an NLI explainer), the warnings it writes,
// and how the registry builds the screens from a config and the process's models.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "plugins/answer_text.h"
#include "plugins/hallucination.h"
#include "plugins/hallucination_detector.h"
#include "plugins/registry.h"
#include "support/config_loader.h"
#include "support/fake_models.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;
using testing::ScriptedClassifier;
using testing::WordGroundingTagger;

std::string Completion(const std::string& content) {
  return json::serialize(json::object{
      {"object", "chat.completion"},
      {"choices", json::array{json::object{
                      {"index", 0},
                      {"message", json::object{{"role", "assistant"}, {"content", content}}}}}}});
}

TEST(AnswerText, ReadsTheFirstChoiceAndWarnsEveryChoice) {
  std::string c = Completion("Lyon.");
  EXPECT_EQ(AssistantText(c), "Lyon.");
  ASSERT_TRUE(PrependToAssistantText(c, "[Warning]"));
  EXPECT_EQ(AssistantText(c), "[Warning]\n\nLyon.");
  // Nothing to read or warn: not JSON, no choices, tool calls without text.
  EXPECT_EQ(AssistantText("not json"), "");
  std::string tool_only =
      R"({"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[]}}]})";
  EXPECT_EQ(AssistantText(tool_only), "");
  EXPECT_FALSE(PrependToAssistantText(tool_only, "[Warning]"));
  std::string garbage = "{oops";
  EXPECT_FALSE(PrependToAssistantText(garbage, "[Warning]"));
  EXPECT_EQ(garbage, "{oops");
}

config::HallucinationModule Module() {
  config::HallucinationModule m;
  m.detector.threshold = 0.8;
  m.detector.min_span_length = 1;
  m.explainer.threshold = 0.7;
  return m;
}

const std::string kContext = "Paris is the capital of France.";
const std::string kQuestion = "What is the capital of France?";

TEST(HallucinationDetector, UnsupportedAnswerWordsFormSpans) {
  HallucinationDetector detector(std::make_shared<WordGroundingTagger>(), nullptr, {}, Module());
  HallucinationResult r =
      detector.Detect(kContext, kQuestion, "The capital of France is Lyon since 1999.", false);
  ASSERT_TRUE(r.detected);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].text, "Lyon since 1999");
  EXPECT_NEAR(r.spans[0].confidence, 0.9, 1e-6);
  EXPECT_NEAR(r.confidence, 0.9, 1e-6);
  EXPECT_EQ(r.spans[0].nli_label, "");  // no explanation asked for

  r = detector.Detect(kContext, kQuestion, "The capital of France is Paris.", false);
  EXPECT_FALSE(r.detected);
  EXPECT_TRUE(r.spans.empty());
  EXPECT_NEAR(r.confidence, 1.0, 1e-6);

  // Spans shorter than min_span_length words are dropped (upstream's default is 2).
  config::HallucinationModule m = Module();
  m.detector.min_span_length = 2;
  HallucinationDetector strict(std::make_shared<WordGroundingTagger>(), nullptr, {}, m);
  EXPECT_FALSE(strict.Detect(kContext, kQuestion, "The capital is Lyon.", false).detected);
  EXPECT_TRUE(strict.Detect(kContext, kQuestion, "The capital is Lyon today.", false).detected);
}

TEST(HallucinationDetector, NliExplainsSpansAndFiltersEntailedOnes) {
  std::vector<float> nli_answer;
  auto nli = std::make_shared<ScriptedClassifier>(
      std::vector<std::string>{"Entailment", "Neutral", "Contradiction"},
      [&](std::string_view text) {
        EXPECT_NE(text.find(" [SEP] "), std::string_view::npos);  // premise [SEP] hypothesis
        return nli_answer;
      });
  config::HallucinationModule m = Module();
  m.detector.enable_nli_filtering = true;
  m.detector.nli_entailment_threshold = 0.75;
  HallucinationDetector detector(std::make_shared<WordGroundingTagger>(), nli, nli->labels(), m);
  const std::string answer = "The capital of France is Lyon.";

  nli_answer = {0.02f, 0.03f, 0.95f};
  HallucinationResult r = detector.Detect(kContext, kQuestion, answer, true);
  ASSERT_TRUE(r.detected);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].nli_label, "CONTRADICTION");
  EXPECT_EQ(r.spans[0].severity, 4);
  EXPECT_NE(r.spans[0].explanation.find("directly conflicts"), std::string::npos);
  EXPECT_NEAR(r.confidence, 0.95, 1e-6);  // max of detector and NLI confidence

  nli_answer = {0.4f, 0.5f, 0.1f};  // neutral, but below the explainer's 0.7: one step milder
  r = detector.Detect(kContext, kQuestion, answer, true);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].nli_label, "NEUTRAL");
  EXPECT_EQ(r.spans[0].severity, 1);
  EXPECT_NE(r.spans[0].explanation.find("below threshold 70%"), std::string::npos);

  nli_answer = {0.9f, 0.05f, 0.05f};  // the context entails it: not a hallucination after all
  r = detector.Detect(kContext, kQuestion, answer, true);
  EXPECT_FALSE(r.detected);
  EXPECT_TRUE(r.spans.empty());

  // Explanations asked for without an NLI model: upstream's UNKNOWN fallback.
  HallucinationDetector plain(std::make_shared<WordGroundingTagger>(), nullptr, {}, Module());
  r = plain.Detect(kContext, kQuestion, answer, true);
  ASSERT_EQ(r.spans.size(), 1u);
  EXPECT_EQ(r.spans[0].nli_label, "UNKNOWN");
  EXPECT_EQ(r.spans[0].severity, 2);
}

TEST(HallucinationWarning, UpstreamsWordingWithAndWithoutDetails) {
  HallucinationResult r;
  r.detected = true;
  r.confidence = 0.9;
  HallucinationSpan s;
  s.text = "Lyon";
  s.nli_label = "CONTRADICTION";
  s.nli_confidence = 0.95;
  s.severity = 4;
  s.explanation = "CONTRADICTION: conflicts";
  r.spans.push_back(s);
  EXPECT_EQ(HallucinationWarning(r, false, false),
            "[Hallucination Warning] This response may contain unsupported claims. Please verify "
            "the information independently.");
  EXPECT_EQ(HallucinationWarning(r, true, false),
            "[Hallucination Warning] This response may contain unsupported claims (confidence: "
            "90%). Unsupported spans: \"Lyon\". Please verify the information independently.");
  EXPECT_EQ(HallucinationWarning(r, true, true),
            "[Hallucination Warning] This response may contain unsupported claims (confidence: "
            "90%). Detailed analysis: [1] \"Lyon\" (NLI: CONTRADICTION, confidence: 95%, "
            "severity: critical) - CONTRADICTION: conflicts Please verify the information "
            "independently.");
}

// A config whose one decision screens answers with both screens.
std::shared_ptr<const routing::Router> ScreeningRouter() {
  const std::string yaml =
      testing::kOneModelConfigHead +
      "    - name: d\n"
      "      rules: {operator: AND, conditions: []}\n"
      "      modelRefs: [{model: m}]\n"
      "      plugins:\n"
      "        - {type: hallucination, configuration: {enabled: true, use_nli: true}}\n"
      "        - {type: response_jailbreak, configuration: {enabled: true, action: block}}\n"
      "        - {type: system_prompt, configuration: {system_prompt: hi}}\n"
      "global:\n"
      "  services: {router_replay: {enabled: false}}\n"
      "  model_catalog:\n"
      "    system: {prompt_guard: /models/guard, hallucination_detector: /models/halu,\n"
      "             hallucination_explainer: /nowhere/nli}\n";
  std::vector<std::string> errors;
  auto router = routing::Router::Create(testing::ConfigFromText(yaml), errors);
  EXPECT_TRUE(router) << (errors.empty() ? "" : errors.front());
  return router;
}

TEST(Registry, ScreensLoadTheirModelsAndSayWhatIsMissing) {
  const auto router = ScreeningRouter();
  const config::Decision* d = &router->config().routing.decisions.front();
  {
    auto models = std::make_shared<testing::FakeModels>();
    models->classifier = std::make_shared<ScriptedClassifier>(
        std::vector<std::string>{"benign", "jailbreak"}, [](std::string_view) {
          return std::vector<float>{1, 0};
        });
    std::vector<std::string> logged;
    PluginServices services;
    services.models = models;
    services.log = [&](const std::string& l) { logged.push_back(l); };
    PluginRuntime runtime(std::move(services));
    const PluginChain& chain = runtime.ChainsFor(router)->For(d);
    EXPECT_EQ(chain.types(), (std::vector<std::string_view>{"system_prompt", "response_jailbreak",
                                                            "hallucination"}));
    EXPECT_TRUE(chain.screens_answers());
    // The NLI explainer is missing: spans come without explanations, and the log says so.
    ASSERT_EQ(logged.size(), 1u);
    EXPECT_NE(logged[0].find("decision 'd': hallucination: hallucination explainer (NLI) "
                             "(/nowhere/nli)"),
              std::string::npos)
        << logged[0];
  }
  {  // No models at all: the jailbreak screen is left out, hallucination keeps the unverified
     // marking; both say why.
    auto models = std::make_shared<testing::FakeModels>();
    models->missing = "/models";
    std::vector<std::string> logged;
    PluginServices services;
    services.models = models;
    services.log = [&](const std::string& l) { logged.push_back(l); };
    PluginRuntime runtime(std::move(services));
    const PluginChain& chain = runtime.ChainsFor(router)->For(d);
    EXPECT_EQ(chain.types(), (std::vector<std::string_view>{"system_prompt", "hallucination"}));
    ASSERT_EQ(logged.size(), 2u);  // in the config's order
    EXPECT_NE(logged[0].find("hallucination: hallucination detector (/models/halu)"),
              std::string::npos)
        << logged[0];
    EXPECT_NE(logged[0].find("unverified factual answers are still marked"), std::string::npos);
    EXPECT_NE(logged[1].find("response_jailbreak: jailbreak classifier (/models/guard)"),
              std::string::npos)
        << logged[1];
    EXPECT_NE(logged[1].find("answers are not screened"), std::string::npos);
  }
  // `vllm-sr serve` fetches what the screens load.
  std::vector<std::string> paths;
  for (const auto& m : PluginModels(router->config())) paths.push_back(m.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/models/guard", "/models/halu", "/nowhere/nli"}));
}

}  // namespace
}  // namespace vsr::plugins
