#include "replay/record.h"

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "common/rfc3339.h"
#include "common/strings.h"

namespace vsr::replay {

namespace json = boost::json;

namespace {

// Upstream's `omitempty`: empty strings, false, zero numbers and empty lists are left out.
void PutString(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
void PutBool(json::object& o, std::string_view key, bool v) {
  if (v) o[key] = true;
}
void PutDoubleMap(json::object& o, std::string_view key, const std::map<std::string, double>& m) {
  if (m.empty()) return;
  json::object out;
  for (const auto& [k, v] : m) out[k] = v;
  o[key] = std::move(out);
}
template <typename T>
void PutOptional(json::object& o, std::string_view key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string GetString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
bool GetBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}
std::optional<double> GetDouble(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const double d = v->to_number<double>(ec);
  return ec ? std::nullopt : std::optional<double>(d);
}
std::optional<int64_t> GetInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  const int64_t i = v->to_number<int64_t>(ec);
  return ec ? std::nullopt : std::optional<int64_t>(i);
}
std::vector<std::string> GetStrings(const json::value* v) {
  std::vector<std::string> out;
  if (!v || !v->is_array()) return out;
  for (const json::value& s : v->as_array()) {
    if (s.is_string()) out.emplace_back(s.as_string());
  }
  return out;
}
std::map<std::string, double> GetDoubleMap(const json::object& o, std::string_view key) {
  std::map<std::string, double> out;
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_object()) return out;
  for (const auto& [k, _] : v->as_object()) {
    if (auto d = GetDouble(v->as_object(), k)) out[std::string(k)] = *d;
  }
  return out;
}

}  // namespace

json::object ToJson(const ReplayRecord& r) {
  json::object o;
  o["id"] = r.id;
  o["timestamp"] = FormatTimestamp(r.timestamp_ns);
  PutString(o, "request_id", r.request_id);
  PutString(o, "session_id", r.session_id);
  o["turn_index"] = r.turn_index;
  PutString(o, "previous_response_id", r.previous_response_id);
  PutString(o, "decision", r.decision);
  o["decision_tier"] = r.decision_tier;
  o["decision_priority"] = r.decision_priority;
  PutString(o, "category", r.category);
  PutString(o, "original_model", r.original_model);
  PutString(o, "selected_model", r.selected_model);
  PutString(o, "reasoning_mode", r.reasoning_mode);
  if (r.confidence_score != 0) o["confidence_score"] = r.confidence_score;
  PutString(o, "selection_method", r.selection_method);
  json::object signals;
  for (const auto& [key, names] : r.signals) {
    if (!names.empty()) signals[key] = StringArray(names);
  }
  o["signals"] = std::move(signals);
  if (!r.projections.empty()) o["projections"] = StringArray(r.projections);
  PutDoubleMap(o, "projection_scores", r.projection_scores);
  PutDoubleMap(o, "signal_confidences", r.signal_confidences);
  PutString(o, "request_body", r.request_body);
  PutString(o, "response_body", r.response_body);
  if (r.response_status != 0) o["response_status"] = r.response_status;
  PutBool(o, "from_cache", r.from_cache);
  PutBool(o, "streaming", r.streaming);
  PutBool(o, "request_body_truncated", r.request_body_truncated);
  PutBool(o, "response_body_truncated", r.response_body_truncated);
  PutBool(o, "guardrails_enabled", r.guardrails_enabled);
  PutBool(o, "jailbreak_enabled", r.jailbreak_enabled);
  PutBool(o, "pii_enabled", r.pii_enabled);
  PutBool(o, "response_jailbreak_detected", r.response_jailbreak_detected);
  PutString(o, "response_jailbreak_type", r.response_jailbreak_type);
  if (r.response_jailbreak_confidence != 0) {
    o["response_jailbreak_confidence"] = r.response_jailbreak_confidence;
  }
  PutBool(o, "rag_enabled", r.rag_enabled);
  PutString(o, "rag_backend", r.rag_backend);
  if (r.rag_context_length != 0) o["rag_context_length"] = r.rag_context_length;
  if (r.rag_similarity_score != 0) o["rag_similarity_score"] = r.rag_similarity_score;
  PutBool(o, "hallucination_enabled", r.hallucination_enabled);
  PutBool(o, "hallucination_detected", r.hallucination_detected);
  if (r.hallucination_confidence != 0) o["hallucination_confidence"] = r.hallucination_confidence;
  if (!r.hallucination_spans.empty()) {
    o["hallucination_spans"] = StringArray(r.hallucination_spans);
  }
  PutString(o, "prompt", r.prompt);
  PutBool(o, "prompt_truncated", r.prompt_truncated);
  PutString(o, "tool_definitions", r.tool_definitions);
  PutBool(o, "tool_definitions_truncated", r.tool_definitions_truncated);
  PutOptional(o, "prompt_tokens", r.prompt_tokens);
  PutOptional(o, "completion_tokens", r.completion_tokens);
  PutOptional(o, "total_tokens", r.total_tokens);
  PutOptional(o, "actual_cost", r.actual_cost);
  PutOptional(o, "baseline_cost", r.baseline_cost);
  PutOptional(o, "cost_savings", r.cost_savings);
  PutOptional(o, "currency", r.currency);
  PutOptional(o, "baseline_model", r.baseline_model);
  if (r.latency_ms > 0) o["latency_ms"] = r.latency_ms;
  return o;
}

ReplayRecord FromJson(const json::object& o) {
  ReplayRecord r;
  r.id = GetString(o, "id");
  r.timestamp_ns = ParseTimestamp(GetString(o, "timestamp")).value_or(0);
  r.request_id = GetString(o, "request_id");
  r.session_id = GetString(o, "session_id");
  r.turn_index = static_cast<int>(GetInt(o, "turn_index").value_or(0));
  r.previous_response_id = GetString(o, "previous_response_id");
  r.decision = GetString(o, "decision");
  r.decision_tier = static_cast<int>(GetInt(o, "decision_tier").value_or(0));
  r.decision_priority = static_cast<int>(GetInt(o, "decision_priority").value_or(0));
  r.category = GetString(o, "category");
  r.original_model = GetString(o, "original_model");
  r.selected_model = GetString(o, "selected_model");
  r.reasoning_mode = GetString(o, "reasoning_mode");
  r.confidence_score = GetDouble(o, "confidence_score").value_or(0);
  r.selection_method = GetString(o, "selection_method");
  if (const json::value* s = o.if_contains("signals"); s && s->is_object()) {
    for (const auto& [k, v] : s->as_object()) r.signals[std::string(k)] = GetStrings(&v);
  }
  r.projections = GetStrings(o.if_contains("projections"));
  r.projection_scores = GetDoubleMap(o, "projection_scores");
  r.signal_confidences = GetDoubleMap(o, "signal_confidences");
  r.request_body = GetString(o, "request_body");
  r.response_body = GetString(o, "response_body");
  r.response_status = static_cast<int>(GetInt(o, "response_status").value_or(0));
  r.from_cache = GetBool(o, "from_cache");
  r.streaming = GetBool(o, "streaming");
  r.request_body_truncated = GetBool(o, "request_body_truncated");
  r.response_body_truncated = GetBool(o, "response_body_truncated");
  r.guardrails_enabled = GetBool(o, "guardrails_enabled");
  r.jailbreak_enabled = GetBool(o, "jailbreak_enabled");
  r.pii_enabled = GetBool(o, "pii_enabled");
  r.response_jailbreak_detected = GetBool(o, "response_jailbreak_detected");
  r.response_jailbreak_type = GetString(o, "response_jailbreak_type");
  r.response_jailbreak_confidence = GetDouble(o, "response_jailbreak_confidence").value_or(0);
  r.rag_enabled = GetBool(o, "rag_enabled");
  r.rag_backend = GetString(o, "rag_backend");
  r.rag_context_length = static_cast<int>(GetInt(o, "rag_context_length").value_or(0));
  r.rag_similarity_score = GetDouble(o, "rag_similarity_score").value_or(0);
  r.hallucination_enabled = GetBool(o, "hallucination_enabled");
  r.hallucination_detected = GetBool(o, "hallucination_detected");
  r.hallucination_confidence = GetDouble(o, "hallucination_confidence").value_or(0);
  r.hallucination_spans = GetStrings(o.if_contains("hallucination_spans"));
  r.prompt = GetString(o, "prompt");
  r.prompt_truncated = GetBool(o, "prompt_truncated");
  r.tool_definitions = GetString(o, "tool_definitions");
  r.tool_definitions_truncated = GetBool(o, "tool_definitions_truncated");
  r.prompt_tokens = GetInt(o, "prompt_tokens");
  r.completion_tokens = GetInt(o, "completion_tokens");
  r.total_tokens = GetInt(o, "total_tokens");
  r.actual_cost = GetDouble(o, "actual_cost");
  r.baseline_cost = GetDouble(o, "baseline_cost");
  r.cost_savings = GetDouble(o, "cost_savings");
  if (o.contains("currency")) r.currency = GetString(o, "currency");
  if (o.contains("baseline_model")) r.baseline_model = GetString(o, "baseline_model");
  r.latency_ms = GetDouble(o, "latency_ms").value_or(0);
  return r;
}

std::string FormatTimestamp(int64_t unix_ns) {
  const int64_t secs = unix_ns >= 0 ? unix_ns / 1000000000 : (unix_ns - 999999999) / 1000000000;
  int64_t nanos = unix_ns - secs * 1000000000;
  std::string out = Rfc3339Utc(secs);
  out.pop_back();  // the fraction goes before the 'Z'
  if (nanos != 0) {
    // nanos is below 10^9, but GCC (in a profile-guided build) cannot tell and warns that a
    // long long could need 20 digits: room for that.
    char frac[24];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  std::tm tm{};
  int consumed = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t nanos = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      nanos += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i >= s.size() || s[i] != 'Z') return std::nullopt;  // we only write UTC
  return static_cast<int64_t>(timegm(&tm)) * 1000000000 + nanos;
}

std::string NewReplayId() {
  return RandomHex(32);
}

}  // namespace vsr::replay
