// Rule trees: hand-built shapes with known answers, and every decision fixture of upstream's
// config/decision/ checked exhaustively (all combinations of its leaves) against a small
// reference evaluator that reads the YAML directly.
#include "routing/rule_tree.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "config/loader.h"

namespace vsr::routing {
namespace {

config::RuleNode Leaf(const std::string& type, const std::string& name) {
  config::RuleNode n;
  n.type = type;
  n.name = name;
  return n;
}
config::RuleNode Op(const std::string& op, std::vector<config::RuleNode> children) {
  config::RuleNode n;
  n.operator_ = op;
  n.conditions = std::move(children);
  return n;
}

SignalResults With(std::vector<std::pair<signals::Family, std::string>> matches,
                   std::map<std::string, double> confidences = {}) {
  SignalResults r;
  for (auto& [f, name] : matches) r.Of(f).output.matched.push_back(name);
  r.confidences = std::move(confidences);
  return r;
}

using signals::Family;

TEST(RuleTreeTest, EmptyAndIsACatchAllWithZeroConfidence) {
  const RuleMatch m = EvaluateRule(Op("AND", {}), SignalResults{});
  EXPECT_TRUE(m.matched);
  EXPECT_EQ(m.confidence, 0);
}

TEST(RuleTreeTest, AndAveragesOrTakesTheBestLeafDefaultsToOne) {
  const auto tree = Op("and", {Leaf("keyword", "a"), Leaf("structure", "s")});
  const SignalResults r =
      With({{Family::kKeyword, "a"}, {Family::kStructure, "s"}}, {{"structure:s", 0.6}});
  const RuleMatch m = EvaluateRule(tree, r);
  EXPECT_TRUE(m.matched);
  EXPECT_DOUBLE_EQ(m.confidence, 0.8);  // (1.0 + 0.6) / 2
  const RuleMatch o = EvaluateRule(Op("OR", {Leaf("structure", "s"), Leaf("keyword", "zzz")}), r);
  EXPECT_TRUE(o.matched);
  EXPECT_DOUBLE_EQ(o.confidence, 0.6);
}

TEST(RuleTreeTest, NotNeedsExactlyOneChild) {
  const SignalResults none;
  EXPECT_TRUE(EvaluateRule(Op("NOT", {Leaf("keyword", "a")}), none).matched);
  EXPECT_DOUBLE_EQ(EvaluateRule(Op("NOT", {Leaf("keyword", "a")}), none).confidence, 1.0);
  EXPECT_FALSE(EvaluateRule(Op("NOT", {Leaf("keyword", "a"), Leaf("keyword", "b")}), none).matched);
  EXPECT_FALSE(
      EvaluateRule(Op("NOT", {Leaf("keyword", "a")}), With({{Family::kKeyword, "a"}})).matched);
}

TEST(RuleTreeTest, UnknownLeafTypeNeverMatchesAndTraceMirrorsTheTree) {
  const auto tree = Op("OR", {Leaf("nonsense", "x"), Op("AND", {Leaf("Keyword", "a")})});
  TraceNode trace;
  const RuleMatch m = EvaluateRule(tree, With({{Family::kKeyword, "a"}}), &trace);
  EXPECT_TRUE(m.matched);
  EXPECT_EQ(trace.node_type, "OR");
  ASSERT_EQ(trace.children.size(), 2u);
  EXPECT_EQ(trace.children[0].node_type, "leaf");
  EXPECT_FALSE(trace.children[0].matched);
  EXPECT_EQ(trace.children[1].node_type, "AND");
  EXPECT_TRUE(trace.children[1].children[0].matched);
}

// Reference: boolean value of a rule tree written as YAML, given which leaves hold.
bool Reference(const config::YamlNode& node, const std::set<std::string>& holding) {
  if (const auto* type = node.Find("type")) {
    return holding.count(type->scalar + ":" + node.Find("name")->scalar) > 0;
  }
  const std::string op = node.Find("operator")->scalar;
  std::vector<bool> values;
  if (const auto* conds = node.Find("conditions")) {
    for (const auto& c : conds->items) values.push_back(Reference(c, holding));
  }
  if (op == "AND") return std::all_of(values.begin(), values.end(), [](bool v) { return v; });
  if (op == "NOT") return values.size() == 1 && !values[0];
  return std::any_of(values.begin(), values.end(), [](bool v) { return v; });
}

void LeafKeys(const config::YamlNode& node, std::vector<std::string>& out) {
  if (const auto* type = node.Find("type")) {
    const std::string key = type->scalar + ":" + node.Find("name")->scalar;
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    return;
  }
  if (const auto* conds = node.Find("conditions")) {
    for (const auto& c : conds->items) LeafKeys(c, out);
  }
}

config::RuleNode ToRule(const config::YamlNode& node) {
  if (const auto* type = node.Find("type")) return Leaf(type->scalar, node.Find("name")->scalar);
  std::vector<config::RuleNode> children;
  if (const auto* conds = node.Find("conditions")) {
    for (const auto& c : conds->items) children.push_back(ToRule(c));
  }
  return Op(node.Find("operator")->scalar, std::move(children));
}

TEST(RuleTreeTest, UpstreamDecisionFixturesAgreeWithTheReferenceOnEveryCombination) {
  int trees = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(VSR_SHARED_DIR) + "/upstream/config/decision")) {
    if (entry.path().extension() != ".yaml") continue;
    Diagnostics diags;
    auto doc = config::ParseYamlFile(entry.path().string(), diags);
    ASSERT_TRUE(doc) << entry.path();
    for (const auto& d : doc->Find("routing")->Find("decisions")->items) {
      const config::YamlNode& rules = *d.Find("rules");
      std::vector<std::string> leaves;
      LeafKeys(rules, leaves);
      ASSERT_LE(leaves.size(), 12u);
      const config::RuleNode tree = ToRule(rules);
      for (unsigned mask = 0; mask < (1u << leaves.size()); ++mask) {
        std::set<std::string> holding;
        SignalResults results;
        for (size_t i = 0; i < leaves.size(); ++i) {
          if (!(mask & (1u << i))) continue;
          holding.insert(leaves[i]);
          const size_t colon = leaves[i].find(':');
          const std::string type = leaves[i].substr(0, colon);
          if (type == "projection") {
            results.projection_matches.push_back(leaves[i].substr(colon + 1));
          } else {
            results.Of(*signals::FamilyForLeafType(type))
                .output.matched.push_back(leaves[i].substr(colon + 1));
          }
        }
        EXPECT_EQ(EvaluateRule(tree, results).matched, Reference(rules, holding))
            << entry.path() << " mask " << mask;
      }
      ++trees;
    }
  }
  EXPECT_GE(trees, 6);
}

}  // namespace
}  // namespace vsr::routing
