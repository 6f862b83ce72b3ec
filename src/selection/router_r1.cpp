#include "selection/router_r1.h"

#include <boost/json.hpp>

namespace vsr::selection {

namespace json = boost::json;

std::optional<RouterR1Choice> AskRouterR1(const HttpPostFn& post, const std::string& server_url,
                                          const SelectionContext& ctx, std::string& error) {
  std::string models;
  for (const config::ModelRef& ref : *ctx.candidates) {
    models += (models.empty() ? "" : ", ") + ref.model;
  }
  const std::string query = "Task: " + ctx.decision_name + "\nAvailable models: " + models;
  std::string url = server_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  // upstream's client timeout
  const std::optional<std::string> body =
      post(url + "/route", json::serialize(json::object{{"query", query}}),
           std::chrono::seconds(30), error);
  if (!body) {
    error = "Router-R1 routing failed: " + error;
    return std::nullopt;
  }
  boost::system::error_code ec;
  const json::value answer = json::parse(*body, ec);
  const json::value* selected =
      !ec && answer.is_object() ? answer.as_object().if_contains("selected_model") : nullptr;
  if (selected == nullptr || !selected->is_string()) {
    error = "Router-R1 routing failed: the answer has no selected_model string";
    return std::nullopt;
  }
  const std::string name(selected->as_string());
  RouterR1Choice choice;
  if (const json::value* t = answer.as_object().if_contains("thinking"); t && t->is_string()) {
    choice.thinking = std::string(t->as_string());
  }
  for (const config::ModelRef& ref : *ctx.candidates) {
    if (ref.model == name) choice.ref = &ref;
  }
  for (const config::ModelRef& ref : *ctx.candidates) {  // a partial match, as upstream allows
    if (choice.ref == nullptr && !name.empty() &&
        (ref.model.find(name) != std::string::npos || name.find(ref.model) != std::string::npos)) {
      choice.ref = &ref;
    }
  }
  if (choice.ref == nullptr) {
    error = "Router-R1 selected invalid model: " + name + " (not in candidates)";
    return std::nullopt;
  }
  return choice;
}

}  // namespace vsr::selection
