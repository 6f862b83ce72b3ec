#include "server/eval_response.h"

#include <algorithm>
#include <boost/json/array.hpp>

#include "common/strings.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using signals::Family;

json::array Strings(const std::vector<std::string>& items) {
  json::array a;
  for (const std::string& s : items) a.emplace_back(s);
  return a;
}

json::object TraceJson(const routing::TraceNode& node) {
  json::object o;
  o["node_type"] = node.node_type;
  if (node.node_type == "leaf") {
    o["signal_type"] = node.signal_type;
    o["signal_name"] = node.signal_name;
  }
  o["matched"] = node.matched;
  o["confidence"] = node.confidence;
  if (!node.children.empty()) {
    json::array children;
    for (const auto& c : node.children) children.emplace_back(TraceJson(c));
    o["children"] = std::move(children);
  }
  return o;
}

bool InEvalJson(Family f) {
  return f != Family::kSessionMetric;
}

}  // namespace

json::object BuildEvalResponse(const routing::Router& router, const request::Request& request,
                               const routing::RoutingResult& result, bool with_trace) {
  const routing::SignalResults& sr = result.signals;
  json::object out;
  out["original_text"] = request.evaluation_text;

  // decision_result
  json::object used, matched, unmatched;
  if (result.decision != nullptr) {
    std::vector<std::pair<std::string, std::string>> leaves;
    routing::CollectLeaves(result.decision->rules, leaves);
    for (const auto& [type, name] : leaves) {
      std::string key = type;
      if (const auto f = signals::FamilyForLeafType(type))
        key = std::string(signals::NamesOf(*f).matched_key);
      auto& list = used[key];
      if (list.is_null()) list = json::array();
      list.as_array().emplace_back(name);
    }
  }
  for (const auto& names : signals::AllFamilies()) {
    if (!InEvalJson(names.family)) continue;
    const routing::FamilyResult& fr = sr.Of(names.family);
    if (!fr.output.matched.empty()) matched[names.matched_key] = Strings(fr.output.matched);
    if (const signals::Signal* s = router.signal_set().Get(names.family)) {
      std::vector<std::string> missing;
      for (const std::string& n : s->RuleNames()) {
        if (std::find(fr.output.matched.begin(), fr.output.matched.end(), n) ==
                fr.output.matched.end() &&
            std::find(missing.begin(), missing.end(), n) == missing.end()) {
          missing.push_back(n);
        }
      }
      if (!missing.empty()) unmatched[names.matched_key] = Strings(missing);
    }
  }
  if (!sr.projection_matches.empty()) matched["projection"] = Strings(sr.projection_matches);
  std::vector<std::string> projection_misses;
  for (const auto& m : router.config().routing.projections.mappings) {
    for (const auto& o : m.outputs) {
      if (std::find(sr.projection_matches.begin(), sr.projection_matches.end(), o.name) ==
          sr.projection_matches.end()) {
        projection_misses.push_back(o.name);
      }
    }
  }
  if (!projection_misses.empty()) unmatched["projection"] = Strings(projection_misses);
  json::object decision_result;
  decision_result["decision_name"] = result.decision ? result.decision->name : "";
  decision_result["used_signals"] = std::move(used);
  decision_result["matched_signals"] = std::move(matched);
  decision_result["unmatched_signals"] = std::move(unmatched);
  out["decision_result"] = std::move(decision_result);

  if (with_trace) {
    json::array traces;
    for (const auto& t : result.traces) {
      json::object o;
      o["decision_name"] = t.decision_name;
      o["matched"] = t.matched;
      o["confidence"] = t.confidence;
      o["root_trace"] = TraceJson(t.root);
      traces.emplace_back(std::move(o));
    }
    out["eval_trace"] = std::move(traces);
  }

  if (result.decision != nullptr && !result.decision->model_refs.empty()) {
    json::array models;
    for (const auto& ref : result.decision->model_refs) models.emplace_back(ref.model);
    out["recommended_models"] = std::move(models);
    out["routing_decision"] = result.decision->name;
  }

  json::object metrics, errors;
  for (const auto& names : signals::AllFamilies()) {
    if (!InEvalJson(names.family)) continue;
    const routing::FamilyResult& fr = sr.Of(names.family);
    json::object m;
    m["execution_time_ms"] = fr.output.execution_ms;
    m["confidence"] = fr.evaluated ? fr.output.confidence : 0.0;
    metrics[names.metrics_key] = std::move(m);
    if (!fr.not_ready.empty()) errors[names.metrics_key] = fr.not_ready;
    if (!fr.output.error.empty()) errors[names.metrics_key] = fr.output.error;
  }
  out["metrics"] = std::move(metrics);
  json::object confidences, values;
  for (const auto& [k, v] : sr.confidences) confidences[k] = v;
  for (const auto& [k, v] : sr.values) values[k] = v;
  if (!confidences.empty()) out["signal_confidences"] = std::move(confidences);
  if (!values.empty()) out["signal_values"] = std::move(values);
  if (!errors.empty()) out["signal_errors"] = std::move(errors);
  return out;
}

}  // namespace vsr::server
