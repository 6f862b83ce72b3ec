// Evaluating a decision's rule tree over signal results, with an optional trace.
#pragma once

#include <string>
#include <vector>

#include "config/model_signals.h"
#include "routing/signal_results.h"

namespace vsr::routing {

struct TraceNode {
  std::string node_type;  // "leaf", "AND", "OR", "NOT"
  std::string signal_type, signal_name;
  bool matched = false;
  double confidence = 0;
  std::vector<TraceNode> children;
};

struct RuleMatch {
  bool matched = false;
  double confidence = 0;
};

// A rule tree with its leaf types resolved once (family index, "type:name" confidence key), so
// evaluating a decision does no string work beyond comparing names.
struct CompiledRule {
  enum class Kind { kSignalLeaf, kProjectionLeaf, kNever, kAnd, kOr, kNot };
  Kind kind = Kind::kNever;
  size_t family = 0;  // kSignalLeaf: signals::Family index
  std::string name;
  std::string confidence_key;
  const config::RuleNode* source = nullptr;  // for traces; must outlive the compiled tree
  std::vector<CompiledRule> children;
  bool IsLeaf() const {
    return kind == Kind::kSignalLeaf || kind == Kind::kProjectionLeaf || kind == Kind::kNever;
  }
};
CompiledRule CompileRule(const config::RuleNode& node);
RuleMatch EvaluateRule(const CompiledRule& node, const SignalResults& results,
                       TraceNode* trace = nullptr);

// Upstream semantics (pkg/decision/engine.go): a leaf matches when its name is among the
// matches of its type, with confidence signal_confidences["type:name"] when > 0, else 1.
// AND = all children, mean confidence; an empty AND matches with confidence 0 (catch-all).
// OR (and any unknown operator) = best matching child. NOT = exactly one child, inverted
// (confidence 1 when the child does not match). Operators are case-insensitive.
RuleMatch EvaluateRule(const config::RuleNode& node, const SignalResults& results,
                       TraceNode* trace = nullptr);

// Leaves of a tree as (type, name), lower-cased types, de-duplicated, in tree order.
void CollectLeaves(const config::RuleNode& node,
                   std::vector<std::pair<std::string, std::string>>& out);

}  // namespace vsr::routing
