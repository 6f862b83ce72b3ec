#include "routing/rule_tree.h"

#include <algorithm>

#include "common/strings.h"
#include "signals/family.h"

namespace vsr::routing {

const FamilyResult& SignalResults::Unwritten() {
  static const FamilyResult kUnwritten;
  return kUnwritten;
}

bool SignalResults::Matched(std::string_view type, std::string_view name) const {
  const std::string_view t = Trim(type);
  if (IEquals(t, "projection")) {
    return std::find(projection_matches.begin(), projection_matches.end(), name) !=
           projection_matches.end();
  }
  const auto family = signals::FamilyForLeafType(t);
  if (!family) return false;
  const auto& matched = Of(*family).output.matched;
  return std::find(matched.begin(), matched.end(), name) != matched.end();
}

CompiledRule CompileRule(const config::RuleNode& node) {
  CompiledRule c;
  c.source = &node;
  if (node.IsLeaf()) {
    const std::string type = ToLower(Trim(node.type));
    c.name = node.name;
    c.confidence_key = type + ":" + node.name;
    if (type == "projection") {
      c.kind = CompiledRule::Kind::kProjectionLeaf;
    } else if (const auto family = signals::FamilyForLeafType(type)) {
      c.kind = CompiledRule::Kind::kSignalLeaf;
      c.family = static_cast<size_t>(*family);
    } else {
      c.kind = CompiledRule::Kind::kNever;  // unknown type: never matches (upstream)
    }
    return c;
  }
  const std::string op = ToUpper(Trim(node.operator_));
  c.kind = op == "AND"   ? CompiledRule::Kind::kAnd
           : op == "NOT" ? CompiledRule::Kind::kNot
                         : CompiledRule::Kind::kOr;
  for (const config::RuleNode& child : node.conditions) c.children.push_back(CompileRule(child));
  return c;
}

namespace {

const char* NodeType(CompiledRule::Kind kind) {
  switch (kind) {
    case CompiledRule::Kind::kAnd:
      return "AND";
    case CompiledRule::Kind::kNot:
      return "NOT";
    case CompiledRule::Kind::kOr:
      return "OR";
    default:
      return "leaf";
  }
}

}  // namespace

RuleMatch EvaluateRule(const CompiledRule& node, const SignalResults& results, TraceNode* trace) {
  RuleMatch m;
  if (node.IsLeaf()) {
    if (node.kind == CompiledRule::Kind::kSignalLeaf) {
      m.matched =
          Contains(results.Of(static_cast<signals::Family>(node.family)).output.matched, node.name);
    } else if (node.kind == CompiledRule::Kind::kProjectionLeaf) {
      m.matched = Contains(results.projection_matches, node.name);
    }
    if (m.matched) {
      auto it = results.confidences.find(node.confidence_key);
      m.confidence = it != results.confidences.end() && it->second > 0 ? it->second : 1.0;
    }
    if (trace) {
      trace->node_type = "leaf";
      trace->signal_type = node.source->type;
      trace->signal_name = node.source->name;
      trace->matched = m.matched;
      trace->confidence = m.confidence;
    }
    return m;
  }
  if (trace) {
    trace->node_type = NodeType(node.kind);
    trace->children.resize(node.children.size());
  }
  if (node.kind == CompiledRule::Kind::kAnd) {
    // All children, mean confidence; an empty AND is a catch-all at confidence 0.
    m.matched = true;
    double sum = 0;
    for (size_t i = 0; i < node.children.size(); ++i) {
      const RuleMatch c =
          EvaluateRule(node.children[i], results, trace ? &trace->children[i] : nullptr);
      m.matched = m.matched && c.matched;
      sum += c.confidence;
    }
    m.confidence =
        m.matched && !node.children.empty() ? sum / static_cast<double>(node.children.size()) : 0;
  } else if (node.kind == CompiledRule::Kind::kNot) {
    std::vector<RuleMatch> children;
    for (size_t i = 0; i < node.children.size(); ++i) {
      children.push_back(
          EvaluateRule(node.children[i], results, trace ? &trace->children[i] : nullptr));
    }
    if (children.size() == 1 && !children[0].matched) m = {true, 1.0};
  } else {
    for (size_t i = 0; i < node.children.size(); ++i) {
      const RuleMatch c =
          EvaluateRule(node.children[i], results, trace ? &trace->children[i] : nullptr);
      if (c.matched && (!m.matched || c.confidence > m.confidence)) m = c;
    }
  }
  if (trace) {
    trace->matched = m.matched;
    trace->confidence = m.confidence;
  }
  return m;
}

RuleMatch EvaluateRule(const config::RuleNode& node, const SignalResults& results,
                       TraceNode* trace) {
  return EvaluateRule(CompileRule(node), results, trace);
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
