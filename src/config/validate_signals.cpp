// Semantic checks for routing.signals and routing.projections.
#include <map>

#include "common/strings.h"
#include "config/validate_internal.h"

namespace vsr::config::validate_detail {
namespace {

const std::string kSignals = "routing.signals";

std::string FamilyPath(std::string_view family, size_t i) {
  return IndexPath(KeyPath(kSignals, family), i);
}

void ValidateKeywords(const Config& cfg, DecodeContext& ctx) {
  const auto& rules = cfg.routing.signals.keywords;
  for (size_t i = 0; i < rules.size(); ++i) {
    const KeywordSignal& k = rules[i];
    const std::string path = FamilyPath("keywords", i);
    if (k.keywords.empty()) {
      ctx.Error(KeyPath(path, "keywords"), "keyword signal '" + k.name + "' has no keywords",
                "list at least one keyword");
    }
    if (k.method == "regex") {
      for (size_t j = 0; j < k.keywords.size(); ++j) {
        CheckRegex(ctx, k.keywords[j], IndexPath(KeyPath(path, "keywords"), j));
      }
    }
  }
}

void ValidateStructure(const Config& cfg, DecodeContext& ctx) {
  const auto& rules = cfg.routing.signals.structure;
  for (size_t i = 0; i < rules.size(); ++i) {
    const StructureSignal& s = rules[i];
    const std::string path = FamilyPath("structure", i);
    const std::string source = KeyPath(KeyPath(path, "feature"), "source");
    if (s.source.type == "regex") {
      if (s.source.pattern.empty()) {
        ctx.Error(source, "regex source requires 'pattern'", "add 'pattern:' with an RE2 regex");
      } else {
        CheckRegex(ctx, s.source.pattern, KeyPath(source, "pattern"));
      }
    } else if (s.source.type == "keyword_set" && s.source.keywords.empty()) {
      ctx.Error(source, "keyword_set source requires 'keywords'", "list at least one keyword");
    } else if (s.source.type == "sequence") {
      if (s.source.sequences.empty()) {
        ctx.Error(source, "sequence source requires 'sequences'", "list marker sequences such as [first, then]");
      }
      for (size_t j = 0; j < s.source.sequences.size(); ++j) {
        if (s.source.sequences[j].size() < 2) {
          ctx.Error(IndexPath(KeyPath(source, "sequences"), j),
                    "a sequence needs at least 2 markers", "add the marker that must follow");
        }
      }
    }
    if ((s.feature_type == "sequence") != (s.source.type == "sequence") && !s.feature_type.empty() &&
        !s.source.type.empty()) {
      ctx.Error(KeyPath(path, "feature"),
                "feature.type '" + s.feature_type + "' cannot read a '" + s.source.type + "' source",
                "use feature.type sequence with source.type sequence, or a regex/keyword_set source");
    }
    if (s.predicate) {
      if (s.feature_type == "exists") {
        ctx.Error(KeyPath(path, "predicate"), "feature.type 'exists' does not take a predicate",
                  "remove the predicate, or use feature.type count");
      } else {
        CheckPredicate(ctx, *s.predicate, KeyPath(path, "predicate"));
      }
    }
  }
}

void ValidateConversation(const Config& cfg, DecodeContext& ctx) {
  const auto& rules = cfg.routing.signals.conversation;
  for (size_t i = 0; i < rules.size(); ++i) {
    const ConversationSignal& c = rules[i];
    const std::string path = FamilyPath("conversation", i);
    if (!c.source.role.empty() && c.source.type != "message") {
      ctx.Error(KeyPath(KeyPath(KeyPath(path, "feature"), "source"), "role"),
                "source.role only applies when source.type is 'message'", "remove the role");
    }
    if (c.predicate) {
      if (c.feature_type == "exists") {
        ctx.Error(KeyPath(path, "predicate"), "feature.type 'exists' does not take a predicate",
                  "remove the predicate, or use feature.type count");
      } else {
        CheckPredicate(ctx, *c.predicate, KeyPath(path, "predicate"));
      }
    }
  }
}

void ValidateOtherFamilies(const Config& cfg, DecodeContext& ctx) {
  const Signals& s = cfg.routing.signals;
  for (size_t i = 0; i < s.embeddings.size(); ++i) {
    if (s.embeddings[i].candidates.empty()) {
      ctx.Error(KeyPath(FamilyPath("embeddings", i), "candidates"),
                "embedding signal '" + s.embeddings[i].name + "' has no candidates",
                "list example phrases to compare requests with");
    }
  }
  for (size_t i = 0; i < s.context.size(); ++i) {
    const ContextSignal& c = s.context[i];
    if (c.max_token_count > 0 && c.min_token_count > c.max_token_count) {
      ctx.Error(KeyPath(FamilyPath("context", i), "min_tokens"),
                "min_tokens (" + c.min_tokens + ") is larger than max_tokens (" + c.max_tokens + ")",
                "swap them or fix one of the bounds");
    }
  }
  for (size_t i = 0; i < s.modality.size(); ++i) {
    if (std::optional<Problem> p = OneOf({"AR", "DIFFUSION", "BOTH"})(s.modality[i].name)) {
      ctx.Error(KeyPath(FamilyPath("modality", i), "name"), "modality signal " + p->message, p->hint);
    }
  }
  for (size_t i = 0; i < s.role_bindings.size(); ++i) {
    const RoleBinding& b = s.role_bindings[i];
    if (b.subjects.empty()) {
      ctx.Error(FamilyPath("role_bindings", i), "role binding '" + b.name + "' has no subjects",
                "add subjects: [{kind: Group, name: ...}]");
    }
  }
  for (size_t i = 0; i < s.session_metrics.size(); ++i) {
    const SessionMetricSignal& m = s.session_metrics[i];
    const std::string path = FamilyPath("session_metrics", i);
    if (m.kind == "state" && m.state.empty()) {
      ctx.Error(path, "kind 'state' requires 'state'", "name the session state field, e.g. session_routing.turn_number");
    }
    if (m.kind == "lookup" && (m.table.empty() || m.key.empty())) {
      ctx.Error(path, "kind 'lookup' requires 'table' and 'key'", "name the lookup table and its key fields");
    }
  }
  // kb signals must name a catalog knowledge base and one of its groups.
  for (size_t i = 0; i < s.kb.size(); ++i) {
    const KbSignal& k = s.kb[i];
    const std::string path = FamilyPath("kb", i);
    const KnowledgeBase* kb = nullptr;
    std::vector<std::string> kb_names;
    for (const KnowledgeBase& candidate : cfg.global.model_catalog.kbs) {
      kb_names.push_back(candidate.name);
      if (candidate.name == k.kb) kb = &candidate;
    }
    if (kb == nullptr) {
      std::optional<std::string> near = ClosestMatch(k.kb, kb_names);
      ctx.Error(KeyPath(path, "kb"), "unknown knowledge base '" + k.kb + "'",
                near ? "did you mean '" + *near + "'?"
                     : "declare it under global.model_catalog.kbs (known: " + QuotedList(kb_names) + ")");
      continue;
    }
    if (k.target.kind == "group" && !kb->groups.contains(k.target.value)) {
      std::vector<std::string> groups;
      for (const auto& [name, _] : kb->groups) groups.push_back(name);
      std::optional<std::string> near = ClosestMatch(k.target.value, groups);
      ctx.Error(KeyPath(KeyPath(path, "target"), "value"),
                "knowledge base '" + k.kb + "' has no group '" + k.target.value + "'",
                near ? "did you mean '" + *near + "'?" : "use one of " + QuotedList(groups));
    }
  }
  for (size_t i = 0; i < s.complexity.size(); ++i) {
    const ComplexitySignal& c = s.complexity[i];
    const std::string path = FamilyPath("complexity", i);
    if (c.hard.candidates.empty() && c.hard.image_candidates.empty()) {
      ctx.Error(KeyPath(path, "hard"), "complexity signal '" + c.name + "' has no hard candidates",
                "list phrases that mark hard requests under hard.candidates");
    }
    for (const RuleNode& composer : c.composer) {
      ValidateRuleTree(cfg, ctx, composer, KeyPath(path, "composer"), "complexity signal '" + c.name + "'");
    }
  }
}

void ValidateSignalNamesUnique(const Config& cfg, DecodeContext& ctx) {
  const Signals& s = cfg.routing.signals;
  CheckUniqueNames(ctx, s.keywords, KeyPath(kSignals, "keywords"), "keyword signal");
  CheckUniqueNames(ctx, s.embeddings, KeyPath(kSignals, "embeddings"), "embedding signal");
  CheckUniqueNames(ctx, s.domains, KeyPath(kSignals, "domains"), "domain");
  CheckUniqueNames(ctx, s.fact_check, KeyPath(kSignals, "fact_check"), "fact_check signal");
  CheckUniqueNames(ctx, s.user_feedbacks, KeyPath(kSignals, "user_feedbacks"), "user_feedback signal");
  CheckUniqueNames(ctx, s.reasks, KeyPath(kSignals, "reasks"), "reask signal");
  CheckUniqueNames(ctx, s.preferences, KeyPath(kSignals, "preferences"), "preference signal");
  CheckUniqueNames(ctx, s.language, KeyPath(kSignals, "language"), "language signal");
  CheckUniqueNames(ctx, s.context, KeyPath(kSignals, "context"), "context signal");
  CheckUniqueNames(ctx, s.structure, KeyPath(kSignals, "structure"), "structure signal");
  CheckUniqueNames(ctx, s.complexity, KeyPath(kSignals, "complexity"), "complexity signal");
  CheckUniqueNames(ctx, s.modality, KeyPath(kSignals, "modality"), "modality signal");
  CheckUniqueNames(ctx, s.role_bindings, KeyPath(kSignals, "role_bindings"), "role binding");
  CheckUniqueNames(ctx, s.jailbreak, KeyPath(kSignals, "jailbreak"), "jailbreak signal");
  CheckUniqueNames(ctx, s.pii, KeyPath(kSignals, "pii"), "pii signal");
  CheckUniqueNames(ctx, s.kb, KeyPath(kSignals, "kb"), "kb signal");
  CheckUniqueNames(ctx, s.conversation, KeyPath(kSignals, "conversation"), "conversation signal");
  CheckUniqueNames(ctx, s.session_metrics, KeyPath(kSignals, "session_metrics"), "session metric");
  CheckUniqueNames(ctx, cfg.global.model_catalog.kbs, "global.model_catalog.kbs", "knowledge base");
}

}  // namespace

void ValidateSignals(const Config& cfg, DecodeContext& ctx) {
  ValidateSignalNamesUnique(cfg, ctx);
  ValidateKeywords(cfg, ctx);
  ValidateStructure(cfg, ctx);
  ValidateConversation(cfg, ctx);
  ValidateOtherFamilies(cfg, ctx);
}

void ValidateProjections(const Config& cfg, DecodeContext& ctx) {
  const Projections& pr = cfg.routing.projections;
  const std::string base = "routing.projections";
  CheckUniqueNames(ctx, pr.partitions, KeyPath(base, "partitions"), "partition");
  CheckUniqueNames(ctx, pr.scores, KeyPath(base, "scores"), "score");
  CheckUniqueNames(ctx, pr.mappings, KeyPath(base, "mappings"), "mapping");

  const std::set<std::string> domains = DeclaredNames(cfg, "domain");
  const std::set<std::string> embeddings = DeclaredNames(cfg, "embedding");
  for (size_t i = 0; i < pr.partitions.size(); ++i) {
    const ProjectionPartition& p = pr.partitions[i];
    const std::string path = IndexPath(KeyPath(base, "partitions"), i);
    std::set<std::string> kinds;
    for (size_t j = 0; j < p.members.size(); ++j) {
      const std::string& m = p.members[j];
      if (domains.contains(m)) {
        kinds.insert("domain");
      } else if (embeddings.contains(m)) {
        kinds.insert("embedding");
      } else {
        ctx.Error(IndexPath(KeyPath(path, "members"), j),
                  "member '" + m + "' is not a declared domain or embedding signal",
                  "declare it under routing.signals.domains or routing.signals.embeddings");
      }
    }
    if (kinds.size() > 1) {
      ctx.Error(KeyPath(path, "members"), "members mix domain and embedding signals",
                "a partition groups signals of one type");
    }
    if (p.default_.empty()) {
      ctx.Error(path, "missing required field 'default'", "name the member chosen when none wins");
    } else if (std::find(p.members.begin(), p.members.end(), p.default_) == p.members.end()) {
      ctx.Error(KeyPath(path, "default"), "default '" + p.default_ + "' is not one of the members",
                "add it to members or pick an existing member");
    }
    if (p.semantics == "softmax_exclusive" && p.temperature <= 0) {
      ctx.Error(KeyPath(path, "temperature"), "softmax_exclusive needs temperature > 0",
                "set temperature, e.g. 0.3");
    }
  }

  std::set<std::string> score_names;
  for (size_t i = 0; i < pr.scores.size(); ++i) {
    const ProjectionScore& s = pr.scores[i];
    score_names.insert(s.name);
    const std::string path = IndexPath(KeyPath(base, "scores"), i);
    if (s.inputs.empty()) ctx.Error(KeyPath(path, "inputs"), "score has no inputs", "add weighted inputs");
    for (size_t j = 0; j < s.inputs.size(); ++j) {
      const ProjectionScoreInput& in = s.inputs[j];
      const std::string ip = IndexPath(KeyPath(path, "inputs"), j);
      if (ToLower(in.type) == "kb_metric") {
        const KnowledgeBase* kb = nullptr;
        for (const KnowledgeBase& k : cfg.global.model_catalog.kbs) {
          if (k.name == in.kb) kb = &k;
        }
        if (in.kb.empty()) {
          ctx.Error(ip, "kb_metric inputs require 'kb'", "name a knowledge base from global.model_catalog.kbs");
        } else if (kb == nullptr) {
          ctx.Error(KeyPath(ip, "kb"), "unknown knowledge base '" + in.kb + "'",
                    "declare it under global.model_catalog.kbs");
        } else if (in.metric != "best_score" && in.metric != "best_matched_score" &&
                   std::none_of(kb->metrics.begin(), kb->metrics.end(),
                                [&](const KbMetric& m) { return m.name == in.metric; })) {
          ctx.Error(KeyPath(ip, "metric"), "knowledge base '" + in.kb + "' has no metric '" + in.metric + "'",
                    "use best_score, best_matched_score or a metric declared on the kb");
        }
        continue;
      }
      const LeafFamily* family = FindLeafFamily(in.type);
      if (family == nullptr || std::string(family->type) == "projection") {
        ctx.Error(KeyPath(ip, "type"), "unsupported input type '" + in.type + "'",
                  "use a signal type such as embedding, domain, complexity, context or kb_metric");
        continue;
      }
      if (!DeclaredNames(cfg, in.type).contains(in.name)) {
        ctx.Error(KeyPath(ip, "name"),
                  "input " + in.type + " '" + in.name + "' is not declared in routing.signals." + family->family,
                  "declare the signal or fix the name");
      }
    }
  }

  for (size_t i = 0; i < pr.mappings.size(); ++i) {
    const ProjectionMapping& m = pr.mappings[i];
    const std::string path = IndexPath(KeyPath(base, "mappings"), i);
    if (!score_names.contains(m.source)) {
      ctx.Error(KeyPath(path, "source"), "source '" + m.source + "' is not a declared projection score",
                "name one of routing.projections.scores");
    }
    if (m.outputs.empty()) ctx.Error(KeyPath(path, "outputs"), "mapping has no outputs", "add output bands");
    CheckUniqueNames(ctx, m.outputs, KeyPath(path, "outputs"), "output");
    for (size_t j = 0; j < m.outputs.size(); ++j) {
      const ProjectionOutput& o = m.outputs[j];
      const std::string op = IndexPath(KeyPath(path, "outputs"), j);
      if (o.gt && o.gte) ctx.Error(op, "output sets both gt and gte", "keep one of them");
      if (o.lt && o.lte) ctx.Error(op, "output sets both lt and lte", "keep one of them");
      if (!o.gt && !o.gte && !o.lt && !o.lte) {
        ctx.Error(op, "output band sets no bound", "set gt/gte and/or lt/lte");
      }
    }
  }
}

}  // namespace vsr::config::validate_detail
