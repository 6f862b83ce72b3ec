// Which Hugging Face repository provides a model folder named in config. Upstream's configs
// name folders like "models/mmbert32k-intent-classifier-merged"; its registry (overridable with
// the top-level mom_registry) says which Hub repo fills each one. A name shaped like a Hub id
// ("org/name", outside models/) is its own repo.
#pragma once

#include <map>
#include <string>

namespace vsr::ml {

// Upstream's built-in registry (v0.3 era): folder -> repo id.
const std::map<std::string, std::string>& DefaultModelRegistry();

// True for "org/name" with Hub-safe characters ([A-Za-z0-9._-], no "..", no leading '.' or '-').
bool IsHubRepoId(const std::string& name);

// The repo that provides `path`: its entry in `configured` (when non-empty it replaces the
// built-in registry, as upstream does), else in the built-in one, else `path` itself when it
// is a Hub id outside models/; "" when the path is local only.
std::string HubRepoFor(const std::string& path,
                       const std::map<std::string, std::string>& configured);

}  // namespace vsr::ml
