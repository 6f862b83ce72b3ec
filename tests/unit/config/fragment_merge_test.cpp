#include "config/fragment_merge.h"

#include <gtest/gtest.h>

namespace vsr::config {
namespace {

YamlNode Parse(const std::string& text) {
  Diagnostics diags;
  auto n = ParseYaml(text, std::make_shared<const std::string>("t"), diags);
  EXPECT_TRUE(n);
  return *n;
}

TEST(FragmentMergeTest, NamedListEntriesReplaceOrAppend) {
  YamlNode base = Parse("routing:\n  signals:\n    keywords:\n      - {name: a, keywords: [x]}\n      - {name: b, keywords: [y]}\n");
  MergeYaml(base, Parse("routing:\n  signals:\n    keywords:\n      - {name: b, keywords: [z]}\n      - {name: c, keywords: [w]}\n"));
  EXPECT_EQ(EmitYaml(base),
            "routing:\n  signals:\n    keywords:\n      - name: a\n        keywords:\n          - x\n"
            "      - name: b\n        keywords:\n          - z\n      - name: c\n        keywords:\n          - w\n");
}

TEST(FragmentMergeTest, AlgorithmAndPluginFragmentsAttachToFirstDecision) {
  YamlNode base = Parse("routing:\n  decisions:\n    - name: d\n      plugins:\n        - {type: tools, configuration: {enabled: true}}\n");
  EXPECT_TRUE(ApplyFragment(base, Parse("algorithm:\n  type: knn\n")));
  EXPECT_TRUE(ApplyFragment(base, Parse("plugin:\n  type: tools\n  configuration: {enabled: false}\n")));
  EXPECT_TRUE(ApplyFragment(base, Parse("plugins:\n  - {type: fast_response, configuration: {message: hi}}\n")));
  const YamlNode& d = base.Find("routing")->Find("decisions")->items[0];
  EXPECT_EQ(d.Find("algorithm")->Find("type")->scalar, "knn");
  ASSERT_EQ(d.Find("plugins")->items.size(), 2u);
  EXPECT_EQ(d.Find("plugins")->items[0].Find("configuration")->Find("enabled")->scalar, "false");
  EXPECT_FALSE(ApplyFragment(base, Parse("unrelated: 1\n")));
}

}  // namespace
}  // namespace vsr::config
