// Semantic checks for routing.decisions: rule trees, model references, algorithms, plugins.
#include <cmath>
#include <map>

#include "common/strings.h"
#include "config/validate_internal.h"

namespace vsr::config::validate_detail {

void ValidateRuleTree(const Config& cfg, DecodeContext& ctx, const RuleNode& node,
                      const std::string& path, std::string_view owner) {
  if (node.IsLeaf()) {
    const std::string type_path = KeyPath(path, "type");
    if (IEquals(node.type, "latency")) {
      ctx.Error(type_path, "condition type 'latency' is no longer supported",
                "use algorithm.type: latency_aware on the decision instead");
      return;
    }
    const LeafFamily* family = FindLeafFamily(node.type);
    if (family == nullptr) {
      std::vector<std::string> types;
      for (const LeafFamily& f : LeafFamilies()) types.emplace_back(f.type);
      std::optional<std::string> near = ClosestMatch(node.type, types);
      ctx.Error(type_path, "unknown condition type '" + node.type + "'",
                near ? "did you mean '" + *near + "'?" : "use one of " + QuotedList(types));
      return;
    }
    const std::set<std::string> declared = DeclaredNames(cfg, family->type);
    if (declared.contains(node.name)) return;
    const std::vector<std::string> names(declared.begin(), declared.end());
    std::optional<std::string> near = ClosestMatch(node.name, names);
    const std::string name_path = KeyPath(path, "name");
    if (std::string(family->type) == "projection") {
      // Projection outputs are resolved when the config loads; an unknown one is an error.
      ctx.Error(name_path,
                std::string(owner) + " references projection '" + node.name +
                    "', which no routing.projections.mappings output declares",
                near ? "did you mean '" + *near + "'?" : "declare it as a mapping output");
      return;
    }
    if (std::string(family->type) == "domain" && cfg.routing.signals.domains.empty()) {
      return;  // with no domains declared, the router derives them from decision conditions
    }
    // Upstream's runtime loads such a decision; the condition simply never matches. Warn loudly.
    ctx.Warning(name_path,
                std::string(owner) + " references " + family->type + " signal '" + node.name +
                    "', which is not declared in routing.signals." + family->family +
                    "; this condition can never match",
                near ? "did you mean '" + *near + "'?" : "declare the signal or fix the name");
    return;
  }
  const std::string op = ToUpper(node.operator_);
  if (op.empty() && node.conditions.empty()) {
    ctx.Error(path, "condition is empty", "write a signal {type, name} or a group {operator, conditions}");
    return;
  }
  if (op == "NOT" && node.conditions.size() != 1) {
    ctx.Error(KeyPath(path, "conditions"),
              "NOT takes exactly one condition, got " + std::to_string(node.conditions.size()),
              "wrap several conditions in an OR (or AND) inside the NOT");
  }
  if (op == "OR" && node.conditions.empty()) {
    ctx.Warning(path, "OR with no conditions never matches", "add conditions or remove the group");
  }
  for (size_t i = 0; i < node.conditions.size(); ++i) {
    ValidateRuleTree(cfg, ctx, node.conditions[i], IndexPath(KeyPath(path, "conditions"), i), owner);
  }
}

namespace {

const ModelCard* FindCard(const Config& cfg, const std::string& name) {
  for (const ModelCard& c : cfg.routing.model_cards) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void ValidateModelRefs(const Config& cfg, DecodeContext& ctx, const Decision& d,
                       const std::string& path) {
  std::vector<std::string> provider_names;
  for (const ProviderModel& m : cfg.providers.models) provider_names.push_back(m.name);
  for (size_t i = 0; i < d.model_refs.size(); ++i) {
    const ModelRef& ref = d.model_refs[i];
    const std::string rp = IndexPath(KeyPath(path, "modelRefs"), i);
    if (ref.model.empty()) {
      ctx.Error(KeyPath(rp, "model"), "model name is empty", "name a model from providers.models");
      continue;
    }
    const bool in_providers =
        std::find(provider_names.begin(), provider_names.end(), ref.model) != provider_names.end();
    const ModelCard* card = FindCard(cfg, ref.model);
    if (!in_providers) {
      std::optional<std::string> near = ClosestMatch(ref.model, provider_names);
      ctx.Error(KeyPath(rp, "model"),
                "decision '" + d.name + "' references unknown model '" + ref.model + "'",
                near ? "did you mean '" + *near + "'?"
                     : "declare it under providers.models and routing.modelCards");
      continue;
    }
    if (card == nullptr) {
      ctx.Error(KeyPath(rp, "model"), "model '" + ref.model + "' has no routing.modelCards entry",
                "add '- name: " + ref.model + "' under routing.modelCards");
      continue;
    }
    if (ref.lora_name.empty()) continue;
    std::vector<std::string> loras;
    for (const LoraAdapter& l : card->loras) loras.push_back(l.name);
    if (std::find(loras.begin(), loras.end(), ref.lora_name) != loras.end()) continue;
    std::optional<std::string> near = ClosestMatch(ref.lora_name, loras);
    ctx.Error(KeyPath(rp, "lora_name"),
              "LoRA '" + ref.lora_name + "' is not declared for model '" + ref.model + "'",
              near ? "did you mean '" + *near + "'?"
                   : "declare it under routing.modelCards[" + ref.model + "].loras");
  }
}

// Block names whose type requires them, and which types use no block at all.
const std::map<std::string, std::string>& BlockForType() {
  static const std::map<std::string, std::string> kBlocks = {
      {"confidence", "confidence"}, {"ratings", "ratings"},   {"remom", "remom"},
      {"elo", "elo"},               {"router_dc", "router_dc"}, {"automix", "automix"},
      {"hybrid", "hybrid"},         {"rl_driven", "rl_driven"}, {"gmtrouter", "gmtrouter"},
      {"latency_aware", "latency_aware"}, {"knn", "knn"},         {"kmeans", "kmeans"},
      {"svm", "svm"},               {"mlp", "mlp"}};
  return kBlocks;
}

void ValidateAlgorithm(const Config& cfg, DecodeContext& ctx, const Decision& d,
                       const std::string& path) {
  if (!d.algorithm) return;
  const Algorithm& a = *d.algorithm;
  const std::string ap = KeyPath(path, "algorithm");
  const std::vector<std::string> blocks = a.ConfiguredBlocks();
  const std::string type = ToLower(Trim(a.type));
  if (blocks.size() > 1) {
    ctx.Error(ap, "algorithm sets several config blocks: " + QuotedList(blocks),
              "keep only the '" + type + "' block");
    return;
  }
  const auto expected = BlockForType().find(type);
  if (!blocks.empty()) {
    if (expected == BlockForType().end() || expected->second != blocks.front()) {
      ctx.Error(KeyPath(ap, blocks.front()),
                "algorithm.type '" + a.type + "' cannot use a '" + blocks.front() + "' block",
                expected == BlockForType().end()
                    ? "remove the block; '" + a.type + "' takes no settings"
                    : "rename the block to '" + expected->second + "' or change the type");
      return;
    }
  }
  if (type == "latency_aware") {
    if (!a.latency_aware) {
      ctx.Error(ap, "latency_aware needs a 'latency_aware' block",
                "add latency_aware: {tpot_percentile: 90} (or ttft_percentile)");
    } else if (a.latency_aware->tpot_percentile <= 0 && a.latency_aware->ttft_percentile <= 0) {
      ctx.Error(KeyPath(ap, "latency_aware"), "set tpot_percentile or ttft_percentile",
                "use a percentile between 1 and 100");
    }
  }
  if (type == "hybrid" && a.hybrid) {
    const HybridSelection& h = *a.hybrid;
    const double total = h.elo_weight.value_or(0.3) + h.router_dc_weight.value_or(0.3) +
                         h.automix_weight.value_or(0.2) + h.cost_weight.value_or(0.2);
    if (std::fabs(total - 1.0) > 0.01) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f", total);
      ctx.Warning(KeyPath(ap, "hybrid"), std::string("hybrid weights sum to ") + buf,
                  "make elo, router_dc, automix and cost weights sum to 1.0");
    }
  }
  if (type == "router_dc" && a.router_dc && a.router_dc->require_descriptions) {
    for (const ModelRef& ref : d.model_refs) {
      const ModelCard* card = FindCard(cfg, ref.model);
      if (card != nullptr && card->description.empty()) {
        ctx.Error(KeyPath(ap, "router_dc"),
                  "router_dc requires descriptions, but model '" + ref.model + "' has none",
                  "add a description to its routing.modelCards entry");
      }
    }
  }
}

void ValidateCandidateIterations(DecodeContext& ctx, const Decision& d, const std::string& path) {
  for (size_t i = 0; i < d.candidate_iterations.size(); ++i) {
    const CandidateIteration& it = d.candidate_iterations[i];
    const std::string ip = IndexPath(KeyPath(path, "candidateIterations"), i);
    if (it.source == "decision.candidates" && d.model_refs.empty()) {
      ctx.Error(KeyPath(ip, "source"), "source decision.candidates needs modelRefs on the decision",
                "add modelRefs or list models here with source: models");
    }
    if (it.source == "models" && it.models.empty()) {
      ctx.Error(KeyPath(ip, "models"), "source models needs at least one model", "list models");
    }
    for (size_t j = 0; j < it.outputs.size(); ++j) {
      if (it.outputs[j].value != it.variable) {
        ctx.Error(KeyPath(IndexPath(KeyPath(ip, "outputs"), j), "value"),
                  "model output must reference the variable '" + it.variable + "'",
                  "set value: " + it.variable);
      }
    }
  }
}

void ValidatePlugins(DecodeContext& ctx, const Decision& d, const std::string& path) {
  std::vector<std::string> types, paths;
  for (size_t i = 0; i < d.plugins.size(); ++i) {
    types.push_back(d.plugins[i].type);
    paths.push_back(KeyPath(IndexPath(KeyPath(path, "plugins"), i), "type"));
  }
  CheckUnique(ctx, types, paths, "plugin", "type");
}

}  // namespace

void ValidateDecisions(const Config& cfg, DecodeContext& ctx) {
  CheckUniqueNames(ctx, cfg.routing.decisions, "routing.decisions", "decision");
  for (size_t i = 0; i < cfg.routing.decisions.size(); ++i) {
    const Decision& d = cfg.routing.decisions[i];
    const std::string path = IndexPath("routing.decisions", i);
    ValidateRuleTree(cfg, ctx, d.rules, KeyPath(path, "rules"), "decision '" + d.name + "'");
    ValidateModelRefs(cfg, ctx, d, path);
    ValidateAlgorithm(cfg, ctx, d, path);
    ValidateCandidateIterations(ctx, d, path);
    ValidatePlugins(ctx, d, path);
  }
}

}  // namespace vsr::config::validate_detail
