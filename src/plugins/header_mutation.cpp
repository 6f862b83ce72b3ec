#include "plugins/header_mutation.h"

namespace vsr::plugins {

void HeaderMutationPlugin::OnForward(RequestContext& ctx) {
  // add and update both set the header (as Envoy's header mutation does); deletes go last.
  for (const auto& h : cfg_.add) ctx.upstream_set.emplace_back(h.name, h.value);
  for (const auto& h : cfg_.update) ctx.upstream_set.emplace_back(h.name, h.value);
  for (const auto& name : cfg_.delete_) ctx.upstream_remove.push_back(name);
}

}  // namespace vsr::plugins
