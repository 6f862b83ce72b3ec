// `config migrate` round trip, routing half: the old-layout fixture, migrated, routes every probe
// exactly as the hand-written canonical file does, and as the old file meant.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/migrate.h"
#include "routing/router.h"

namespace vsr::routing {
namespace {

const std::string kDir = std::string(VSR_FIXTURES_DIR) + "/config/migrate/";

std::unique_ptr<Router> RouterFromTree(const config::YamlNode& tree) {
  config::LoadResult loaded = config::LoadConfigTree(tree);
  for (const Diagnostic& d : loaded.diags.items()) {
    if (d.severity == Severity::kError) ADD_FAILURE() << d.Format();
  }
  std::vector<std::string> errors;
  auto router =
      Router::Create(std::make_shared<const config::Config>(std::move(loaded.config)), errors);
  EXPECT_TRUE(errors.empty());
  return router;
}

config::YamlNode Parse(const std::string& path) {
  Diagnostics diags;
  auto tree = config::ParseYamlFile(path, diags);
  EXPECT_TRUE(tree) << path;
  return tree ? *tree : config::YamlNode();
}

TEST(MigratedConfigRoutingTest, MigratedFileRoutesLikeTheCanonicalOne) {
  const config::MigrationResult migrated =
      config::MigrateLegacyConfig(Parse(kDir + "legacy.yaml"), "legacy.yaml");
  // Through YAML text, as the user gets the file.
  Diagnostics diags;
  auto reread = config::ParseYaml(config::EmitYaml(migrated.canonical),
                                  std::make_shared<const std::string>("migrated.yaml"), diags);
  ASSERT_TRUE(reread);
  const auto from_migrated = RouterFromTree(*reread);
  const auto from_expected = RouterFromTree(Parse(kDir + "expected.yaml"));
  struct Probe {
    const char* text;
    const char* decision;  // what the old file meant
    const char* model;
  };
  const Probe probes[] = {
      {"This is urgent, please answer asap", "urgent_route", "llama-70b"},
      {"URGENT: the server is down", "urgent_route", "llama-70b"},
      // No decision matches (the domain signal needs a model): the default model answers.
      {"integrate x squared from 0 to 1", "", "qwen3-8b"},
      {"tell me a joke", "", "qwen3-8b"},
  };
  for (const Probe& p : probes) {
    const RoutingResult a = from_migrated->Route(request::FromText(p.text));
    const RoutingResult b = from_expected->Route(request::FromText(p.text));
    const std::string da = a.decision ? a.decision->name : "";
    const std::string db = b.decision ? b.decision->name : "";
    EXPECT_EQ(da, db) << p.text;
    EXPECT_EQ(a.selected_model, b.selected_model) << p.text;
    EXPECT_EQ(da, p.decision) << p.text;
    EXPECT_EQ(a.selected_model, p.model) << p.text;
  }
}

}  // namespace
}  // namespace vsr::routing
