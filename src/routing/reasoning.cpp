#include "routing/reasoning.h"

namespace vsr::routing {
namespace {

namespace json = boost::json;

const config::ReasoningFamily* FamilyOf(const std::string& model, const config::Config& c) {
  for (const config::ProviderModel& m : c.providers.models) {
    if (m.name != model && m.provider_model_id != model) continue;
    auto it = c.providers.defaults.reasoning_families.find(m.reasoning_family);
    return it == c.providers.defaults.reasoning_families.end() ? nullptr : &it->second;
  }
  return nullptr;
}

std::string EffortFor(const std::string& decision_name, const std::string& model,
                      const config::Config& c) {
  for (const config::Decision& d : c.routing.decisions) {
    if (d.name != decision_name) continue;
    for (const config::ModelRef& ref : d.model_refs) {
      if (ref.model == model && !ref.reasoning_effort.empty()) return ref.reasoning_effort;
    }
    break;
  }
  return c.providers.defaults.default_reasoning_effort.empty()
             ? "medium"
             : c.providers.defaults.default_reasoning_effort;
}

}  // namespace

ReasoningApplied ApplyReasoningMode(json::object& body, const std::string& model, bool enabled,
                                    const std::string& decision_name,
                                    const config::Config& config) {
  ReasoningApplied out;
  json::value original_effort =
      body.contains("reasoning_effort") ? body.at("reasoning_effort") : json::value("low");
  out.body_changed = body.erase("reasoning_effort") > 0;
  const config::ReasoningFamily* family = FamilyOf(model, config);
  if (family == nullptr) return out;
  json::object kwargs;
  if (const json::value* existing = body.if_contains("chat_template_kwargs");
      existing && existing->is_object()) {
    kwargs = existing->as_object();
  }
  if (family->type == "chat_template_kwargs") {
    kwargs[family->parameter] = enabled;
    out.applied = enabled;
  } else if (family->type == "reasoning_effort") {
    if (enabled) {
      out.effort = EffortFor(decision_name, model, config);
      kwargs[family->parameter] = out.effort;
      out.applied = true;
    } else {
      kwargs[family->parameter] = original_effort;
      if (original_effort.is_string()) out.effort = std::string(original_effort.as_string());
    }
  } else {
    return out;
  }
  body["chat_template_kwargs"] = std::move(kwargs);
  out.body_changed = true;
  return out;
}

}  // namespace vsr::routing
