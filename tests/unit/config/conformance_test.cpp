// Every upstream example config must load and validate: config.yaml as a whole, and each
// fragment under signal/, decision/, algorithm/, plugin/ composed onto it. The folder is walked
// at start-up, so a fixture added later is covered without code changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "config/fragment_merge.h"
#include "config/loader.h"

namespace vsr::config {
namespace {

namespace fs = std::filesystem;

fs::path UpstreamDir() {
  return fs::path(VSR_SHARED_DIR) / "upstream" / "config";
}

std::vector<std::string> FragmentFiles() {
  std::vector<std::string> out;
  for (const char* dir : {"signal", "decision", "algorithm", "plugin"}) {
    const fs::path root = UpstreamDir() / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".yaml") {
        out.push_back(fs::relative(e.path(), UpstreamDir()).string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Describe(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.items()) out += d.Format() + "\n";
  return out;
}

TEST(ConformanceTest, UpstreamFixturesArePresent) {
  ASSERT_TRUE(fs::exists(UpstreamDir() / "config.yaml")) << "missing " << UpstreamDir();
  EXPECT_GE(FragmentFiles().size(), 40u);
}

TEST(ConformanceTest, ReferenceConfigValidates) {
  const LoadResult r = LoadConfigFile((UpstreamDir() / "config.yaml").string());
  EXPECT_TRUE(r.diags.ok()) << Describe(r.diags);
  EXPECT_EQ(r.config.routing.decisions.size(), 18u);
  EXPECT_EQ(r.config.global.router.auto_model_name, "exhaustive-reference");
  // global: overrides defaults, and unset fields keep the built-in values.
  EXPECT_EQ(r.config.global.stores.semantic_cache.backend_type, "milvus");
  EXPECT_EQ(r.config.global.integrations.looper.timeout_seconds, 120);
  EXPECT_EQ(r.config.global.model_catalog.kbs.size(), 2u);
  // Its mcp rag backend names a server ("docs-server") instead of giving its URL: the config
  // loads, with a warning that says how to make the plugin work.
  const std::vector<Diagnostic>& items = r.diags.items();
  EXPECT_TRUE(std::any_of(items.begin(), items.end(), [](const Diagnostic& d) {
    return d.severity == Severity::kWarning && d.path.ends_with("backend_config.server_name") &&
           d.message.starts_with("MCP server 'docs-server' is a name, not a URL");
  })) << Describe(r.diags);
}

TEST(ConformanceTest, EmptyGlobalMeansBuiltInDefaults) {
  Diagnostics diags;
  auto tree = ParseYaml("version: v0.3\nglobal: {}\n",
                        std::make_shared<const std::string>("m.yaml"), diags);
  ASSERT_TRUE(tree);
  const LoadResult r = LoadConfigTree(std::move(*tree));
  EXPECT_TRUE(r.diags.ok()) << Describe(r.diags);
  EXPECT_EQ(r.config.global.router.auto_model_name, "MoM");
  EXPECT_EQ(r.config.global.stores.semantic_cache.max_entries, 1000);
  EXPECT_EQ(r.config.global.stores.semantic_cache.eviction_policy, "fifo");
  EXPECT_TRUE(r.config.global.services.router_replay.enabled);
}

class FragmentTest : public ::testing::TestWithParam<std::string> {};

// Decision fragments are written for the tutorial's own models (e.g. qwen2.5:3b). As a user
// copying the snippet would, the test declares any model a fragment names that the base lacks.
void DeclareMissingModels(YamlNode& root) {
  YamlNode& providers = root.GetOrAdd("providers");
  YamlNode& models = providers.GetOrAdd("models");
  YamlNode& cards = root.GetOrAdd("routing").GetOrAdd("modelCards");
  const YamlNode* decisions = root.Find("routing")->Find("decisions");
  for (const YamlNode& d : decisions->items) {
    const YamlNode* refs = d.Find("modelRefs");
    if (refs == nullptr) continue;
    for (const YamlNode& ref : refs->items) {
      const std::string name = ref.Find("model")->scalar;
      const bool known =
          std::any_of(models.items.begin(), models.items.end(),
                      [&](const YamlNode& m) { return m.Find("name")->scalar == name; });
      if (known) continue;
      YamlNode model = YamlNode::Map();
      model.GetOrAdd("name") = YamlNode::Scalar(name);
      YamlNode backend = YamlNode::Map();
      backend.GetOrAdd("endpoint") = YamlNode::Scalar("127.0.0.1:8000");
      model.GetOrAdd("backend_refs") = YamlNode::Sequence();
      model.Find("backend_refs")->items.push_back(backend);
      models.items.push_back(model);
      YamlNode card = YamlNode::Map();
      card.GetOrAdd("name") = YamlNode::Scalar(name);
      cards.items.push_back(card);
    }
  }
}

TEST_P(FragmentTest, ComposesOntoReferenceConfigAndValidates) {
  Diagnostics diags;
  std::optional<YamlNode> base = ParseYamlFile((UpstreamDir() / "config.yaml").string(), diags);
  std::optional<YamlNode> fragment = ParseYamlFile((UpstreamDir() / GetParam()).string(), diags);
  ASSERT_TRUE(base && fragment) << Describe(diags);
  ASSERT_TRUE(ApplyFragment(*base, *fragment)) << "fragment has no known shape";
  if (GetParam().rfind("decision/", 0) == 0) DeclareMissingModels(*base);
  const LoadResult r = LoadConfigTree(std::move(*base));
  EXPECT_TRUE(r.diags.ok()) << Describe(r.diags);
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Upstream, FragmentTest, ::testing::ValuesIn(FragmentFiles()), TestName);

}  // namespace
}  // namespace vsr::config
