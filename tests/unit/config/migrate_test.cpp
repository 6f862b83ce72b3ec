// `config migrate`: the old flat layout becomes canonical v0.3 that validates, with nothing lost
// silently. The routing half of the round trip is
// tests/unit/routing/migrated_config_routing_test.cpp.
#include "config/migrate.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace vsr::config {
namespace {

const std::string kDir = std::string(VSR_FIXTURES_DIR) + "/config/migrate/";

YamlNode Parse(const std::string& text) {
  Diagnostics diags;
  auto n = ParseYaml(text, std::make_shared<const std::string>("t"), diags);
  EXPECT_TRUE(n) << (diags.items().empty() ? "" : diags.items()[0].Format());
  return n ? *n : YamlNode();
}

YamlNode ParseFile(const std::string& path) {
  Diagnostics diags;
  auto n = ParseYamlFile(path, diags);
  EXPECT_TRUE(n) << path;
  return n ? *n : YamlNode();
}

// Same document, ignoring comments and whether scalars were quoted; map order matters.
::testing::AssertionResult SameTree(const YamlNode& a, const YamlNode& b,
                                    const std::string& path = "") {
  if (a.kind != b.kind) return ::testing::AssertionFailure() << path << ": kinds differ";
  if (a.IsScalar() && a.scalar != b.scalar) {
    return ::testing::AssertionFailure()
           << path << ": '" << a.scalar << "' != '" << b.scalar << "'";
  }
  if (a.items.size() != b.items.size())
    return ::testing::AssertionFailure() << path << ": list sizes differ";
  for (size_t i = 0; i < a.items.size(); ++i) {
    auto r = SameTree(a.items[i], b.items[i], path + "[" + std::to_string(i) + "]");
    if (!r) return r;
  }
  if (a.entries.size() != b.entries.size()) {
    std::string ka, kb;
    for (const auto& e : a.entries) ka += e.key + " ";
    for (const auto& e : b.entries) kb += e.key + " ";
    return ::testing::AssertionFailure() << path << ": keys {" << ka << "} vs {" << kb << "}";
  }
  for (size_t i = 0; i < a.entries.size(); ++i) {
    if (a.entries[i].key != b.entries[i].key) {
      return ::testing::AssertionFailure()
             << path << ": key '" << a.entries[i].key << "' != '" << b.entries[i].key << "'";
    }
    auto r = SameTree(a.entries[i].value, b.entries[i].value, path + "." + a.entries[i].key);
    if (!r) return r;
  }
  return ::testing::AssertionSuccess();
}

bool Has(const std::vector<std::string>& list, const std::string& needle) {
  for (const std::string& s : list) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(MigrateTest, LegacyFixtureBecomesTheExpectedCanonicalFile) {
  const MigrationResult r = MigrateLegacyConfig(ParseFile(kDir + "legacy.yaml"), "legacy.yaml");
  EXPECT_TRUE(SameTree(r.canonical, ParseFile(kDir + "expected.yaml")));
}

TEST(MigrateTest, MigratedFileValidatesWithoutErrors) {
  const MigrationResult r = MigrateLegacyConfig(ParseFile(kDir + "legacy.yaml"), "legacy.yaml");
  // Through text, as a user gets it: the emitted YAML must read back to the same config.
  const YamlNode reread = Parse(EmitYaml(r.canonical));
  const LoadResult loaded = LoadConfigTree(reread);
  for (const Diagnostic& d : loaded.diags.items()) ADD_FAILURE() << d.Format();
  EXPECT_EQ(loaded.config.routing.decisions.size(), 2u);
  ASSERT_EQ(loaded.config.providers.models.size(), 2u);
  EXPECT_EQ(loaded.config.providers.models[0].backend_refs.size(), 2u);
  EXPECT_EQ(loaded.config.providers.defaults.default_model, "qwen3-8b");
  EXPECT_EQ(loaded.config.mom_registry.at("models/our-domains"), "acme/domains");
}

TEST(MigrateTest, EveryDroppedKeyIsReportedAndListedInTheHeader) {
  const MigrationResult r = MigrateLegacyConfig(ParseFile(kDir + "legacy.yaml"), "legacy.yaml");
  EXPECT_TRUE(Has(r.dropped, "mystery_key: no canonical equivalent"));
  EXPECT_TRUE(Has(r.dropped, "classifier.pii_mapping_path"));
  EXPECT_TRUE(Has(r.dropped, "vllm_endpoints[spare]"));
  EXPECT_TRUE(Has(r.dropped, "plugin `pii` in 1 decision(s) (urgent_route)"));
  EXPECT_TRUE(Has(r.dropped, "semantic_cache.use_hnsw"));
  EXPECT_EQ(r.dropped.size(), 5u);
  const std::string text = EmitYaml(r.canonical);
  EXPECT_NE(text.find("#   - mystery_key: no canonical equivalent"), std::string::npos) << text;
}

TEST(MigrateTest, MovedBlocksCarryACommentSayingWhereTheyCameFrom) {
  const MigrationResult r = MigrateLegacyConfig(ParseFile(kDir + "legacy.yaml"), "legacy.yaml");
  const std::string text = EmitYaml(r.canonical);
  for (const char* comment :
       {"# migrated: from keyword_rules\n    keywords:",
        "# migrated: from categories\n    domains:",
        "# migrated: from model_config[qwen3-8b] and vllm_endpoints[gpu-a, gpu-b]",
        "# migrated: from classifier.category_model\n        domain:",
        "# migrated: from strategy\n    strategy: priority"}) {
    EXPECT_NE(text.find(comment), std::string::npos) << comment << "\n---\n" << text;
  }
  EXPECT_TRUE(Has(r.moved, "categories -> routing.signals.domains"));
}

TEST(MigrateTest, CanonicalFileMigratesToItself) {
  const YamlNode canonical =
      ParseFile(std::string(VSR_FIXTURES_DIR) + "/config/valid-minimal.yaml");
  const MigrationResult r = MigrateLegacyConfig(canonical, "valid-minimal.yaml");
  EXPECT_TRUE(SameTree(r.canonical, canonical));
  EXPECT_TRUE(r.dropped.empty());
}

TEST(MigrateTest, DraftProviderLayoutsAreConverted) {
  // providers.model_targets + backends + auth_profiles, and models with access/endpoints.
  const MigrationResult targets = MigrateLegacyConfig(Parse(R"(
providers:
  default_model: m
  model_targets:
    m: {provider_model_id: org/m, backend_refs: [b1], auth_ref: prod}
  backends:
    b1: {endpoint: "10.1.1.1:80", protocol: http}
  auth_profiles:
    prod: {api_key_env: M_KEY}
routing:
  models: [{name: m, description: the m}]
)"),
                                                      "t");
  EXPECT_TRUE(SameTree(
      targets.canonical.Find("providers") ? *targets.canonical.Find("providers") : YamlNode(),
      Parse(R"(
defaults: {default_model: m}
models:
  - name: m
    provider_model_id: org/m
    backend_refs: [{name: b1, endpoint: "10.1.1.1:80", protocol: http, api_key_env: M_KEY}]
)")));
  EXPECT_TRUE(SameTree(*targets.canonical.Find("routing"),
                       Parse("modelCards: [{name: m, description: the m}]\n")));

  const MigrationResult access = MigrateLegacyConfig(Parse(R"(
routing: {decisions: []}
providers:
  models:
    - name: n
      param_size: 7b
      access_key: k
      access: {provider_model_id: org/n}
      endpoints: [{endpoint: "h:1", weight: 3}]
)"),
                                                     "t");
  EXPECT_TRUE(SameTree(*access.canonical.Find("providers"), Parse(R"(
models:
  - name: n
    provider_model_id: org/n
    backend_refs: [{name: primary, endpoint: "h:1", weight: 3, api_key: k}]
)")));
  EXPECT_TRUE(SameTree(*access.canonical.Find("routing")->Find("modelCards"),
                       Parse("[{name: n, param_size: 7b}]")));
}

TEST(MigrateTest, DraftGlobalRuntimeAndModulesAreFlattened) {
  const MigrationResult r = MigrateLegacyConfig(Parse(R"(
routing: {decisions: []}
global:
  runtime:
    router: {auto_model_name: Auto}
    streamed_body_mode: true
  modules:
    feedback_detector: {model_id: models/fb}
  semantic_cache: {enabled: false}
)"),
                                                "t");
  EXPECT_TRUE(SameTree(*r.canonical.Find("global"), Parse(R"(
router:
  auto_model_name: Auto
  streamed_body: {enabled: true}
model_catalog:
  modules:
    feedback_detector: {model_id: models/fb, model_ref: feedback_detector}
stores:
  semantic_cache: {enabled: false}
)")));
  EXPECT_TRUE(r.dropped.empty());
}

TEST(MigrateTest, NonMapInputGivesAnEmptyCanonicalSkeleton) {
  const MigrationResult r = MigrateLegacyConfig(Parse("- just\n- a list\n"), "t");
  EXPECT_EQ(r.canonical.Find("version")->scalar, "v0.3");
  EXPECT_TRUE(r.canonical.Find("providers")->IsMap());
}

}  // namespace
}  // namespace vsr::config
