#include "server/routing_headers.h"

#include "common/strings.h"

namespace vsr::server {

void AppendRoutingHeaders(const routing::RoutingResult& result, const RoutedTo& to,
                          HeaderList& out) {
  auto add = [&out](std::string name, std::string value) {
    if (!value.empty()) out.emplace_back(std::move(name), std::move(value));
  };
  auto join = [](const std::vector<std::string>& items) { return Join(items, ","); };
  add("x-vsr-selected-category", result.category);
  if (result.decision != nullptr) add("x-vsr-selected-decision", result.decision->name);
  if (result.decision_confidence > 0) {
    add("x-vsr-selected-confidence", FormatFixed(result.decision_confidence, 4));
  }
  add("x-vsr-selected-model", to.model);
  add("x-vsr-selected-reasoning", to.reasoning ? "on" : "off");
  add("x-vsr-destination-endpoint", to.endpoint);
  add("x-vsr-injected-system-prompt", to.injected_system_prompt ? "true" : "false");
  add("x-vsr-replay-id", to.replay_id);
  if (to.cache_similarity > 0) add("x-vsr-cache-similarity", FormatFixed(to.cache_similarity, 4));
  result.signals.ForEachReported(
      [&](const signals::FamilyNames& names, const routing::FamilyResult& fr) {
        if (!fr.evaluated) return;
        add("x-vsr-matched-" + std::string(names.header), join(fr.output.matched));
        if (names.family == signals::Family::kContext && fr.output.token_count > 0) {
          add("x-vsr-context-token-count", std::to_string(fr.output.token_count));
        }
      });
  add("x-vsr-matched-projection", join(result.signals.projection_matches));
}

}  // namespace vsr::server
