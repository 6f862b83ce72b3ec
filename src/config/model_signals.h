// Typed v0.3 config: routing.signals, one struct per signal family.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace vsr::config {

// A rule tree node: a leaf {type, name} or a composite {operator, conditions}.
struct RuleNode {
  std::string type;
  std::string name;
  std::string operator_;
  std::vector<RuleNode> conditions;
  bool IsLeaf() const { return !type.empty(); }
};


struct KeywordSignal {
  std::string name;
  std::string operator_ = "OR";  // AND | OR | NOR
  std::vector<std::string> keywords;
  bool case_sensitive = false;
  std::string method;  // "" (literal, word-bounded) | regex | bm25 | ngram | fuzzy
  bool fuzzy_match = false;
  int fuzzy_threshold = 0;
  double bm25_threshold = 0;
  double ngram_threshold = 0;
  int ngram_arity = 0;
};

struct EmbeddingSignal {
  std::string name;
  double threshold = 0;
  std::vector<std::string> candidates;
  std::string aggregation_method;  // mean | max | any
};

struct ModelScore {
  std::string model;
  double score = 0;
  std::optional<bool> use_reasoning;
};

struct DomainSignal {
  std::string name;
  std::string description;
  std::vector<std::string> mmlu_categories;
  std::vector<ModelScore> model_scores;
};

// fact_check, user_feedbacks, modality and language share this shape.
struct DescribedSignal {
  std::string name;
  std::string description;
};

struct ReaskSignal {
  std::string name;
  std::string description;
  double threshold = 0.8;
  int lookback_turns = 1;
};

struct PreferenceSignal {
  std::string name;
  std::string description;
  std::vector<std::string> examples;
  double threshold = 0;
};

struct ContextSignal {
  std::string name;
  std::string min_tokens;  // "32K", "1M", "500"
  std::string max_tokens;
  std::string description;
  int64_t min_token_count = 0;  // parsed from min_tokens
  int64_t max_token_count = 0;  // parsed from max_tokens (0 = no upper bound)
};

struct NumericPredicate {
  std::optional<double> gt, gte, lt, lte;
  bool empty() const { return !gt && !gte && !lt && !lte; }
};

struct StructureSource {
  std::string type;  // regex | keyword_set | sequence
  std::string pattern;
  std::vector<std::string> keywords;
  bool case_sensitive = false;
  std::vector<std::vector<std::string>> sequences;
};

struct StructureSignal {
  std::string name;
  std::string description;
  std::string feature_type;  // count | exists | density | sequence
  StructureSource source;
  std::optional<NumericPredicate> predicate;
};

struct ComplexityCandidates {
  std::vector<std::string> candidates;
  std::vector<std::string> image_candidates;
};

struct ComplexitySignal {
  std::string name;
  double threshold = 0;
  ComplexityCandidates hard;
  ComplexityCandidates easy;
  std::string description;
  std::vector<RuleNode> composer;  // zero or one rule tree (vector avoids an incomplete member)
};

struct Subject {
  std::string kind;  // User | Group
  std::string name;
};

struct RoleBinding {
  std::string name;
  std::string description;
  std::vector<Subject> subjects;
  std::string role;
};

struct JailbreakSignal {
  std::string name;
  std::string method;
  double threshold = 0;
  bool include_history = false;
  std::string description;
  std::vector<std::string> jailbreak_patterns;
  std::vector<std::string> benign_patterns;
};

struct PiiSignal {
  std::string name;
  double threshold = 0;
  std::vector<std::string> pii_types_allowed;
  bool include_history = false;
  std::string description;
};

struct KbTarget {
  std::string kind;  // label | group
  std::string value;
};

struct KbSignal {
  std::string name;
  std::string kb;
  KbTarget target;
  std::string match;  // best | threshold
};

struct ConversationSource {
  std::string type;  // message | tool_definition | assistant_tool_call | assistant_tool_cycle
  std::string role;
};

struct ConversationSignal {
  std::string name;
  std::string description;
  std::string feature_type;  // count | exists
  ConversationSource source;
  std::optional<NumericPredicate> predicate;
};

struct SessionMetricSignal {
  std::string name;
  std::string kind;  // state | lookup
  std::string state;
  std::string normalize;
  std::optional<double> min, max;
  std::string table;
  std::vector<std::string> key;
};

struct Signals {
  std::vector<KeywordSignal> keywords;
  std::vector<EmbeddingSignal> embeddings;
  std::vector<DomainSignal> domains;
  std::vector<DescribedSignal> fact_check;
  std::vector<DescribedSignal> user_feedbacks;
  std::vector<ReaskSignal> reasks;
  std::vector<PreferenceSignal> preferences;
  std::vector<DescribedSignal> language;
  std::vector<ContextSignal> context;
  std::vector<StructureSignal> structure;
  std::vector<ComplexitySignal> complexity;
  std::vector<DescribedSignal> modality;
  std::vector<RoleBinding> role_bindings;
  std::vector<JailbreakSignal> jailbreak;
  std::vector<PiiSignal> pii;
  std::vector<KbSignal> kb;
  std::vector<ConversationSignal> conversation;
  std::vector<SessionMetricSignal> session_metrics;
};

}  // namespace vsr::config
