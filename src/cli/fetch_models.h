// `vllm-sr serve`'s model step: download the models the config loads and the machine lacks,
// with a progress line per file, before the router starts (so it comes up ready).
#pragma once

#include "config/config.h"

namespace vsr::cli {

// Prints what it fetches. A model that cannot be fetched is a warning, not a failure: the
// router still starts and the signals that need it say "model not loaded" (eval, /ready).
// Returns how many models could not be fetched.
int FetchConfiguredModels(const config::Config& c);

}  // namespace vsr::cli
