#include "routing/rule_tree.h"

#include <algorithm>

#include "common/strings.h"
#include "signals/family.h"

namespace vsr::routing {

bool SignalResults::Matched(std::string_view type, std::string_view name) const {
  const std::string t = ToLower(Trim(type));
  if (t == "projection") {
    return std::find(projection_matches.begin(), projection_matches.end(), name) !=
           projection_matches.end();
  }
  const auto family = signals::FamilyForLeafType(t);
  if (!family) return false;
  const auto& matched = Of(*family).output.matched;
  return std::find(matched.begin(), matched.end(), name) != matched.end();
}

RuleMatch EvaluateRule(const config::RuleNode& node, const SignalResults& results,
                       TraceNode* trace) {
  if (node.IsLeaf()) {
    RuleMatch m;
    m.matched = results.Matched(node.type, node.name);
    if (m.matched) {
      auto it = results.confidences.find(ToLower(Trim(node.type)) + ":" + node.name);
      m.confidence = it != results.confidences.end() && it->second > 0 ? it->second : 1.0;
    }
    if (trace) {
      trace->node_type = "leaf";
      trace->signal_type = node.type;
      trace->signal_name = node.name;
      trace->matched = m.matched;
      trace->confidence = m.confidence;
    }
    return m;
  }
  const std::string op = ToUpper(Trim(node.operator_));
  const std::string node_type = op == "AND" || op == "NOT" ? op : "OR";
  std::vector<RuleMatch> children;
  if (trace) {
    trace->node_type = node_type;
    trace->children.resize(node.conditions.size());
  }
  for (size_t i = 0; i < node.conditions.size(); ++i) {
    children.push_back(
        EvaluateRule(node.conditions[i], results, trace ? &trace->children[i] : nullptr));
  }
  RuleMatch m;
  if (node_type == "AND") {
    m.matched =
        std::all_of(children.begin(), children.end(), [](const RuleMatch& c) { return c.matched; });
    if (m.matched && !children.empty()) {
      double sum = 0;
      for (const RuleMatch& c : children) sum += c.confidence;
      m.confidence = sum / static_cast<double>(children.size());
    }
  } else if (node_type == "NOT") {
    if (children.size() == 1 && !children[0].matched) m = {true, 1.0};
  } else {
    for (const RuleMatch& c : children) {
      if (c.matched && (!m.matched || c.confidence > m.confidence)) m = c;
    }
  }
  if (trace) {
    trace->matched = m.matched;
    trace->confidence = m.confidence;
  }
  return m;
}

void CollectLeaves(const config::RuleNode& node,
                   std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsLeaf()) {
    std::pair<std::string, std::string> leaf{ToLower(Trim(node.type)), node.name};
    if (std::find(out.begin(), out.end(), leaf) == out.end()) out.push_back(std::move(leaf));
    return;
  }
  for (const config::RuleNode& child : node.conditions) CollectLeaves(child, out);
}

}  // namespace vsr::routing
