// The models a configuration loads that `vllm-sr serve` has to fetch first: folders that are
// neither on disk nor in the Hugging Face cache but that a Hub repo provides (upstream's
// registry, the config's mom_registry, or a Hub id written directly).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace vsr::hub {

struct ModelDownload {
  std::string path;  // as the config names it
  std::string repo;  // the Hub repo that provides it
};

// Found by building the config's signals against a store that only records what it is asked
// for — so the list is exactly what the router will load (families the config uses), plus the
// semantic cache's embedding model. One entry per repo.
std::vector<ModelDownload> ModelsToDownload(const config::Config& c);

}  // namespace vsr::hub
