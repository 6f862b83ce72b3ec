// DecodeFields for routing.signals: one block per signal family.
#include <cmath>

#include "common/strings.h"
#include "config/decode_fields.h"

namespace vsr::config {

std::optional<int64_t> ParseTokenCount(std::string_view text) {
  std::string s = ToUpper(Trim(text));
  if (s.empty()) return 0;
  double multiplier = 1;
  if (s.back() == 'K') {
    multiplier = 1e3;
    s.pop_back();
  } else if (s.back() == 'M') {
    multiplier = 1e6;
    s.pop_back();
  }
  try {
    size_t used = 0;
    const double value = std::stod(s, &used);
    if (used != s.size() || value < 0 || !std::isfinite(value)) return std::nullopt;
    return static_cast<int64_t>(value * multiplier);
  } catch (...) {
    return std::nullopt;
  }
}

void DecodeFields(MapReader& r, KeywordSignal& v) {
  r.Required("name", v.name);
  r.Optional("operator", v.operator_, OneOfIgnoreCase({"AND", "OR", "NOR"}));
  r.Optional("keywords", v.keywords);
  r.Optional("case_sensitive", v.case_sensitive);
  r.Optional("method", v.method, OneOf({"regex", "bm25", "ngram", "fuzzy"}));
  r.Optional("fuzzy_match", v.fuzzy_match);
  r.Optional("fuzzy_threshold", v.fuzzy_threshold, IntBetween(0, 100));
  r.Optional("bm25_threshold", v.bm25_threshold, AtLeast(0));
  r.Optional("ngram_threshold", v.ngram_threshold, UnitInterval());
  r.Optional("ngram_arity", v.ngram_arity, IntBetween(1, 10));
}

void DecodeFields(MapReader& r, EmbeddingSignal& v) {
  r.Required("name", v.name);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("candidates", v.candidates);
  r.Optional("aggregation_method", v.aggregation_method, OneOf({"mean", "max", "any"}));
}

void DecodeFields(MapReader& r, ModelScore& v) {
  r.Required("model", v.model);
  r.Optional("score", v.score, UnitInterval());
  r.Optional("use_reasoning", v.use_reasoning);
}

void DecodeFields(MapReader& r, DomainSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  r.Optional("mmlu_categories", v.mmlu_categories);
  r.Optional("model_scores", v.model_scores);
}

void DecodeFields(MapReader& r, DescribedSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
}

void DecodeFields(MapReader& r, ReaskSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("lookback_turns", v.lookback_turns, IntAtLeast(1));
}

void DecodeFields(MapReader& r, PreferenceSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  r.Optional("examples", v.examples);
  r.Optional("threshold", v.threshold, UnitInterval());
}

namespace {
// Reads a token count that may be written as 32K / 1M / 500 (string or number).
void TokenCountField(MapReader& r, std::string_view key, std::string& text, int64_t& count) {
  if (!r.Optional(key, text)) return;
  if (std::optional<int64_t> parsed = ParseTokenCount(text)) {
    count = *parsed;
    return;
  }
  r.ctx().Error(KeyPath(r.path(), key), "'" + text + "' is not a token count",
                "write a number with an optional K or M suffix, such as 32K");
}
}  // namespace

void DecodeFields(MapReader& r, ContextSignal& v) {
  r.Required("name", v.name);
  TokenCountField(r, "min_tokens", v.min_tokens, v.min_token_count);
  TokenCountField(r, "max_tokens", v.max_tokens, v.max_token_count);
  r.Optional("description", v.description);
}

void DecodeFields(MapReader& r, NumericPredicate& v) {
  r.Optional("gt", v.gt);
  r.Optional("gte", v.gte);
  r.Optional("lt", v.lt);
  r.Optional("lte", v.lte);
}

void DecodeFields(MapReader& r, StructureSource& v) {
  r.Required("type", v.type, OneOf({"regex", "keyword_set", "sequence"}));
  r.Optional("pattern", v.pattern);
  r.Optional("keywords", v.keywords);
  r.Optional("case_sensitive", v.case_sensitive);
  r.Optional("sequences", v.sequences);
}

void DecodeFields(MapReader& r, StructureSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  if (const YamlNode* feature = r.Raw("feature")) {
    MapReader f(*feature, KeyPath(r.path(), "feature"), r.ctx());
    if (f.valid()) {
      f.Required("type", v.feature_type, OneOf({"count", "exists", "density", "sequence"}));
      f.Required("source", v.source);
    }
  } else {
    r.ctx().Error(r.path(), "missing required field 'feature'", "add 'feature: {type, source}'");
  }
  r.Optional("predicate", v.predicate);
}

void DecodeFields(MapReader& r, ComplexityCandidates& v) {
  r.Optional("candidates", v.candidates);
  r.Optional("image_candidates", v.image_candidates);
}

void DecodeFields(MapReader& r, ComplexitySignal& v) {
  r.Required("name", v.name);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("hard", v.hard);
  r.Optional("easy", v.easy);
  r.Optional("description", v.description);
  RuleNode composer;
  if (r.Optional("composer", composer)) v.composer.push_back(std::move(composer));
}

void DecodeFields(MapReader& r, Subject& v) {
  r.Required("kind", v.kind, OneOf({"User", "Group"}));
  r.Required("name", v.name);
}

void DecodeFields(MapReader& r, RoleBinding& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  r.Optional("subjects", v.subjects);
  r.Optional("role", v.role);
}

void DecodeFields(MapReader& r, JailbreakSignal& v) {
  r.Required("name", v.name);
  r.Optional("method", v.method, OneOf({"classifier", "contrastive", "hybrid"}));
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("include_history", v.include_history);
  r.Optional("description", v.description);
  r.Optional("jailbreak_patterns", v.jailbreak_patterns);
  r.Optional("benign_patterns", v.benign_patterns);
}

void DecodeFields(MapReader& r, PiiSignal& v) {
  r.Required("name", v.name);
  r.Optional("threshold", v.threshold, UnitInterval());
  r.Optional("pii_types_allowed", v.pii_types_allowed);
  r.Optional("include_history", v.include_history);
  r.Optional("description", v.description);
}

void DecodeFields(MapReader& r, KbTarget& v) {
  r.Required("kind", v.kind, OneOf({"label", "group"}));
  r.Required("value", v.value);
}

void DecodeFields(MapReader& r, KbSignal& v) {
  r.Required("name", v.name);
  r.Required("kb", v.kb);
  r.Required("target", v.target);
  r.Optional("match", v.match, OneOf({"best", "threshold"}));
}

void DecodeFields(MapReader& r, ConversationSource& v) {
  r.Required("type", v.type,
             OneOf({"message", "tool_definition", "assistant_tool_call", "assistant_tool_cycle"}));
  r.Optional("role", v.role,
             OneOf({"user", "assistant", "system", "developer", "tool", "non_user"}));
}

void DecodeFields(MapReader& r, ConversationSignal& v) {
  r.Required("name", v.name);
  r.Optional("description", v.description);
  if (const YamlNode* feature = r.Raw("feature")) {
    MapReader f(*feature, KeyPath(r.path(), "feature"), r.ctx());
    if (f.valid()) {
      f.Required("type", v.feature_type, OneOf({"count", "exists"}));
      f.Required("source", v.source);
    }
  } else {
    r.ctx().Error(r.path(), "missing required field 'feature'", "add 'feature: {type, source}'");
  }
  r.Optional("predicate", v.predicate);
}

void DecodeFields(MapReader& r, SessionMetricSignal& v) {
  r.Required("name", v.name);
  r.Required("kind", v.kind, OneOf({"state", "lookup"}));
  r.Optional("state", v.state);
  r.Optional("normalize", v.normalize, OneOf({"minmax", "none"}));
  r.Optional("min", v.min);
  r.Optional("max", v.max);
  r.Optional("table", v.table);
  r.Optional("key", v.key);
}

void DecodeFields(MapReader& r, Signals& v) {
  r.Optional("keywords", v.keywords);
  r.Optional("embeddings", v.embeddings);
  r.Optional("domains", v.domains);
  r.Optional("fact_check", v.fact_check);
  r.Optional("user_feedbacks", v.user_feedbacks);
  r.Optional("reasks", v.reasks);
  r.Optional("preferences", v.preferences);
  r.Optional("language", v.language);
  r.Optional("context", v.context);
  r.Optional("structure", v.structure);
  r.Optional("complexity", v.complexity);
  r.Optional("modality", v.modality);
  r.Optional("role_bindings", v.role_bindings);
  r.Optional("jailbreak", v.jailbreak);
  r.Optional("pii", v.pii);
  r.Optional("kb", v.kb);
  r.Optional("conversation", v.conversation);
  r.Optional("session_metrics", v.session_metrics);
}

}  // namespace vsr::config
