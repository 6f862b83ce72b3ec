// The router's built-in global settings: what a config gets when global: leaves a field out.
#include "config/model_global.h"

namespace vsr::config {
namespace {

KnowledgeBase PrivacyKnowledgeBase() {
  KnowledgeBase kb;
  kb.name = "privacy_kb";
  kb.source = {"knowledge_bases/privacy/", "labels.json"};
  kb.threshold = 0.55;
  kb.label_thresholds = {{"prompt_injection", 0.7}};
  const std::vector<std::string> security = {"prompt_injection", "credential_exfiltration",
                                             "jailbreak_role", "system_prompt_extraction"};
  const std::vector<std::string> privacy = {
      "proprietary_code",  "internal_document", "pii", "business_strategy", "trade_secret_ip",
      "operational_infrastructure", "locality_directive", "customer_data"};
  const std::vector<std::string> frontier = {"architecture_analysis", "root_cause_analysis",
                                             "multi_step_tradeoffs"};
  const std::vector<std::string> standard = {"generic_coding", "simple_task", "general_knowledge"};
  std::vector<std::string> private_labels = security;
  private_labels.insert(private_labels.end(), privacy.begin(), privacy.end());
  std::vector<std::string> public_labels = frontier;
  public_labels.insert(public_labels.end(), standard.begin(), standard.end());
  kb.groups = {{"security_containment", security}, {"privacy_policy", privacy},
               {"frontier_reasoning", frontier},   {"local_standard", standard},
               {"private", private_labels},        {"public", public_labels}};
  kb.metrics = {{"private_vs_public", "group_margin", "private", "public"}};
  return kb;
}

KnowledgeBase MmluKnowledgeBase() {
  KnowledgeBase kb;
  kb.name = "mmlu_kb";
  kb.source = {"knowledge_bases/mmlu/", "labels.json"};
  kb.threshold = 0.25;
  kb.groups = {{"escalate",
                {"biology", "business", "computer science", "economics", "history", "math",
                 "other", "philosophy", "psychology"}},
               {"keep", {"chemistry", "engineering", "health", "law", "physics"}}};
  kb.metrics = {{"escalate_vs_keep", "group_margin", "escalate", "keep"}};
  return kb;
}

ClassifierModule Classifier(std::string model_ref, double threshold, std::string mapping_path) {
  ClassifierModule m;
  m.model_ref = std::move(model_ref);
  m.threshold = threshold;
  m.mapping_path = std::move(mapping_path);
  return m;
}

}  // namespace

Global DefaultGlobal() {
  Global g;
  g.model_catalog.kbs = {PrivacyKnowledgeBase(), MmluKnowledgeBase()};
  ModelModules& modules = g.model_catalog.modules;
  modules.prompt_guard = Classifier(
      "prompt_guard", 0.7, "models/mmbert32k-jailbreak-detector-merged/jailbreak_type_mapping.json");
  modules.prompt_guard.enabled = true;
  modules.classifier.domain = Classifier(
      "domain_classifier", 0.5, "models/mmbert32k-intent-classifier-merged/category_mapping.json");
  modules.classifier.pii =
      Classifier("pii_classifier", 0.9, "models/mmbert32k-pii-detector-merged/pii_type_mapping.json");
  modules.hallucination_mitigation.fact_check = Classifier("fact_check_classifier", 0.6, "");
  ClassifierModule& detector = modules.hallucination_mitigation.detector;
  detector = Classifier("hallucination_detector", 0.8, "");
  detector.use_mmbert_32k = false;
  detector.min_span_length = 2;
  detector.min_span_confidence = 0.6;
  detector.context_window_size = 50;
  detector.enable_nli_filtering = true;
  detector.nli_entailment_threshold = 0.75;
  modules.hallucination_mitigation.explainer = Classifier("hallucination_explainer", 0.9, "");
  modules.hallucination_mitigation.explainer.use_mmbert_32k = false;
  modules.feedback_detector = Classifier("feedback_detector", 0.7, "");
  modules.feedback_detector.enabled = true;
  return g;
}

}  // namespace vsr::config
