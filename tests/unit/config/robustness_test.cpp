// Bad input never crashes: random bytes, truncated configs and hostile nesting give errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "config/loader.h"

namespace vsr::config {
namespace {

LoadResult LoadText(const std::string& text) {
  Diagnostics diags;
  auto tree = ParseYaml(text, std::make_shared<const std::string>("fuzz.yaml"), diags);
  if (!tree) {
    LoadResult r;
    r.diags = std::move(diags);
    return r;
  }
  return LoadConfigTree(std::move(*tree));
}

std::string ReferenceConfig() {
  std::ifstream in(std::filesystem::path(VSR_SHARED_DIR) / "upstream" / "config" / "config.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RobustnessTest, TruncatedReferenceConfigNeverCrashes) {
  const std::string text = ReferenceConfig();
  ASSERT_FALSE(text.empty());
  size_t with_errors = 0;
  for (size_t cut = 0; cut < text.size(); cut += 97) {
    const LoadResult r = LoadText(text.substr(0, cut));
    if (!r.diags.ok()) ++with_errors;
  }
  EXPECT_GT(with_errors, 0u);
}

TEST(RobustnessTest, RandomMutationsNeverCrash) {
  const std::string text = ReferenceConfig();
  std::mt19937 rng(12345);
  const std::string alphabet = "\t\n :-[]{}#&*!|>'\"%@`,?0aZ\x01\xff";
  for (int round = 0; round < 300; ++round) {
    std::string mutated = text;
    for (int k = 0; k < 1 + round % 8; ++k) {
      const size_t pos = rng() % mutated.size();
      switch (rng() % 3) {
        case 0: mutated[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: mutated.erase(pos, 1 + rng() % 20); break;
        default: mutated.insert(pos, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    (void)LoadText(mutated);  // must return, not crash; ASan/UBSan watch memory and UB
  }
}

TEST(RobustnessTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(rng() % 512, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 256);
    (void)LoadText(bytes);
  }
}

TEST(RobustnessTest, DeepFlowNestingIsAnError) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const LoadResult r = LoadText(deep);
  EXPECT_FALSE(r.diags.ok());
}

TEST(RobustnessTest, DeepBlockNestingIsAnError) {
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  const LoadResult r = LoadText(deep);
  EXPECT_FALSE(r.diags.ok());
}

TEST(RobustnessTest, DeepRuleTreeIsAnErrorNotAStackOverflow) {
  std::string text = "version: v0.3\nrouting:\n  decisions:\n    - name: d\n      rules: ";
  for (int i = 0; i < 200; ++i) text += "{operator: NOT, conditions: [";
  text += "{type: keyword, name: k}";
  for (int i = 0; i < 200; ++i) text += "]}";
  const LoadResult r = LoadText(text + "\n");
  EXPECT_FALSE(r.diags.ok());
}

}  // namespace
}  // namespace vsr::config
