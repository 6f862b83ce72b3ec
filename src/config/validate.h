// Semantic checks over a decoded Config: names, references, duplicates, regexes, rule trees.
#pragma once

#include "config/config.h"
#include "config/decoder.h"

namespace vsr::config {

// Adds every semantic problem of `cfg` to `ctx`; field marks come from the decode pass.
void ValidateConfig(const Config& cfg, DecodeContext& ctx);

}  // namespace vsr::config
