#include "signals/family.h"

#include "common/strings.h"

namespace vsr::signals {

const std::array<FamilyNames, kFamilyCount>& AllFamilies() {
  static const std::array<FamilyNames, kFamilyCount> kNames = {{
      {Family::kKeyword, "keyword", "keywords", "keyword", "keywords"},
      {Family::kEmbedding, "embedding", "embeddings", "embedding", "embeddings"},
      {Family::kDomain, "domain", "domains", "domain", "domains"},
      {Family::kFactCheck, "fact_check", "fact_check", "fact_check", "fact-check"},
      {Family::kUserFeedback, "user_feedback", "user_feedback", "user_feedback", "user-feedback"},
      {Family::kReask, "reask", "reask", "reask", "reask"},
      {Family::kPreference, "preference", "preferences", "preference", "preference"},
      {Family::kLanguage, "language", "language", "language", "language"},
      {Family::kContext, "context", "context", "context", "context"},
      {Family::kStructure, "structure", "structure", "structure", "structure"},
      {Family::kComplexity, "complexity", "complexity", "complexity", "complexity"},
      {Family::kModality, "modality", "modality", "modality", "modality"},
      {Family::kAuthz, "authz", "authz", "authz", "authz"},
      {Family::kJailbreak, "jailbreak", "jailbreak", "jailbreak", "jailbreak"},
      {Family::kPii, "pii", "pii", "pii", "pii"},
      {Family::kKb, "kb", "kb", "kb", "kb"},
      {Family::kConversation, "conversation", "conversation", "conversation", "conversation"},
      {Family::kSessionMetric, "session_metric", "session_metric", "session_metric",
       "session-metric"},
  }};
  return kNames;
}

const FamilyNames& NamesOf(Family f) {
  return AllFamilies()[static_cast<size_t>(f)];
}

std::optional<Family> FamilyForLeafType(std::string_view type) {
  const std::string_view t = Trim(type);  // compared without case, without a copy: per request
  if (IEquals(t, "session") || IEquals(t, "lookup")) return Family::kSessionMetric;
  for (const FamilyNames& n : AllFamilies()) {
    if (IEquals(n.leaf_type, t)) return n.family;
  }
  return std::nullopt;
}

}  // namespace vsr::signals
