// `config import --from openclaw`: which providers import, how they merge into an existing
// config, and upstream's error texts.
#include "config/openclaw_import.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "config/loader.h"

namespace vsr::config {
namespace {

namespace json = boost::json;

json::object Source(const std::string& text) {
  return json::parse(text).as_object();
}

YamlNode Parse(const std::string& text) {
  Diagnostics diags;
  auto n = ParseYaml(text, std::make_shared<const std::string>("t"), diags);
  EXPECT_TRUE(n);
  return n ? *n : YamlNode();
}

std::string CollectError(const std::string& text) {
  std::string error;
  EXPECT_FALSE(CollectOpenClawModels(Source(text), error));
  return error;
}

const char* kTwoProviders = R"({
  "agents": {"defaults": {"model": {"primary": "local/llama3"}}},
  "models": {"providers": {
    "local": {"api": "openai-completions", "baseUrl": "http://127.0.0.1:11434/v1", "apiKey": "not-needed",
              "models": [{"id": "llama3", "contextWindow": 8192, "input": ["text", "image"]},
                         {"id": "qwen3", "reasoning": true}]},
    "cloud": {"baseUrl": "https://api.example.com/v1", "apiKey": "sk-1", "headers": {"X-Team": "ml"},
              "models": [{"id": "llama3", "contextWindow": "131072"}]}}}})";

TEST(OpenClawImportTest, ErrorsUseUpstreamWording) {
  EXPECT_EQ(CollectError("{}"),
            "OpenClaw config is missing models.providers. Supported imports require "
            "models.providers.* with OpenAI-compatible endpoints.");
  EXPECT_EQ(
      CollectError(R"({"models":{"providers":{"a":{"api":"anthropic-messages","baseUrl":"x"}}}})"),
      "Unsupported OpenClaw provider API families: a (anthropic-messages). Supported providers "
      "must use an OpenAI-compatible api value.");
  EXPECT_EQ(CollectError(R"({"models":{"providers":{"a":{"models":[{"id":"m"}]}}}})"),
            "OpenClaw provider 'a' is missing baseUrl.");
  EXPECT_EQ(CollectError(R"({"models":{"providers":{"a":{"baseUrl":"x","models":[]}}}})"),
            "OpenClaw config contains no importable provider models under models.providers.");
  EXPECT_EQ(
      CollectError(
          R"({"models":{"providers":{"a":{"baseUrl":"x","models":[{"id":"m"},{"id":"m"}]}}}})"),
      "OpenClaw config contains duplicate model ids within a provider: a/m.");
  EXPECT_EQ(
      CollectError(R"({"models":{"providers":{"a":{"baseUrl":"x","models":[{"name":"m"}]}}}})"),
      "OpenClaw provider 'a' contains a model without id.");
  EXPECT_EQ(CollectError(R"({"models":{"providers":{"a":{"baseUrl":"x","models":{}}}}})"),
            "OpenClaw provider 'a'.models must be an array.");
}

TEST(OpenClawImportTest, SharedIdsAreQualifiedByProvider) {
  std::string error;
  const auto models = CollectOpenClawModels(Source(kTwoProviders), error);
  ASSERT_TRUE(models) << error;
  ASSERT_EQ(models->size(), 3u);
  EXPECT_EQ((*models)[0].logical_name, "local/llama3");
  EXPECT_EQ((*models)[1].logical_name, "qwen3");
  EXPECT_EQ((*models)[2].logical_name, "cloud/llama3");
}

TEST(OpenClawImportTest, MergeKeepsExistingContentAndAddsModels) {
  YamlNode target = Parse(R"(
version: v0.3
listeners: [{name: main, address: 10.0.0.1, port: 9000}]
providers:
  defaults: {default_model: existing}
  models:
    - name: existing
      backend_refs: [{name: b, endpoint: "127.0.0.1:8000"}]
routing:
  modelCards: [{name: existing, description: keep me}]
  decisions:
    - name: keep_route
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: existing, use_reasoning: false}]
)");
  std::string error;
  const auto models = CollectOpenClawModels(Source(kTwoProviders), error);
  ASSERT_TRUE(models);
  MergeOpenClawModels(target, *models);

  const LoadResult loaded = LoadConfigTree(Parse(EmitYaml(target)));
  for (const Diagnostic& d : loaded.diags.items()) ADD_FAILURE() << d.Format();
  const Config& c = loaded.config;
  ASSERT_EQ(c.providers.models.size(), 4u);
  EXPECT_EQ(c.providers.models[0].name, "existing");
  EXPECT_EQ(c.providers.defaults.default_model, "existing");  // still valid, so kept
  ASSERT_EQ(c.routing.decisions.size(), 1u);                  // no catch-all added
  EXPECT_EQ(c.routing.decisions[0].name, "keep_route");
  EXPECT_EQ(c.routing.model_cards[0].description, "keep me");

  const ProviderModel& cloud = c.providers.models[3];
  EXPECT_EQ(cloud.name, "cloud/llama3");
  EXPECT_EQ(cloud.provider_model_id, "llama3");
  ASSERT_EQ(cloud.backend_refs.size(), 1u);
  EXPECT_EQ(cloud.backend_refs[0].base_url, "https://api.example.com/v1");
  EXPECT_EQ(cloud.backend_refs[0].api_key, "sk-1");
  EXPECT_EQ(cloud.backend_refs[0].auth_prefix, "Bearer");
  EXPECT_EQ(cloud.backend_refs[0].extra_headers.at("X-Team"), "ml");
  // "not-needed" is a placeholder, not a key.
  EXPECT_TRUE(c.providers.models[1].backend_refs[0].api_key.empty());

  const ModelCard& local = c.routing.model_cards[1];
  EXPECT_EQ(local.name, "local/llama3");
  EXPECT_EQ(local.context_window_size, 8192);
  EXPECT_EQ(local.capabilities, (std::vector<std::string>{"chat", "vision"}));
  EXPECT_EQ(c.routing.model_cards[2].capabilities, (std::vector<std::string>{"chat", "reasoning"}));
  EXPECT_EQ(c.routing.model_cards[3].context_window_size, 131072);  // from a string

  EXPECT_EQ(ListenerBaseUrl(target, error), "http://10.0.0.1:9000/v1");
}

TEST(OpenClawImportTest, EmptyTargetGetsListenerDefaultModelAndCatchAll) {
  YamlNode target = MinimalImportTarget();
  std::string error;
  const auto models = CollectOpenClawModels(Source(kTwoProviders), error);
  ASSERT_TRUE(models);
  MergeOpenClawModels(target, *models);
  const LoadResult loaded = LoadConfigTree(target);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.Format();
  }
  EXPECT_EQ(loaded.config.providers.defaults.default_model, "local/llama3");
  ASSERT_EQ(loaded.config.routing.decisions.size(), 1u);
  EXPECT_EQ(loaded.config.routing.decisions[0].name, "openclaw-import-default");
  EXPECT_EQ(ListenerBaseUrl(target, error), "http://127.0.0.1:8899/v1");
}

TEST(OpenClawImportTest, RewritePointsProvidersAtTheRouterAndRenamesCollisions) {
  json::object source = Source(kTwoProviders);
  std::string error;
  const auto models = CollectOpenClawModels(source, error);
  ASSERT_TRUE(models);
  RewriteOpenClawSource(source, *models, "http://127.0.0.1:8899/v1");
  const json::value v(source);
  EXPECT_EQ(v.at_pointer("/models/providers/local/baseUrl"), "http://127.0.0.1:8899/v1");
  EXPECT_EQ(v.at_pointer("/models/providers/cloud/baseUrl"), "http://127.0.0.1:8899/v1");
  EXPECT_EQ(v.at_pointer("/models/providers/local/models/0/id"), "local/llama3");
  EXPECT_EQ(v.at_pointer("/models/providers/local/models/1/id"), "qwen3");
  // References of the form "<provider>/<id>" follow the rename.
  EXPECT_EQ(v.at_pointer("/agents/defaults/model/primary"), "local/local/llama3");
}

}  // namespace
}  // namespace vsr::config
