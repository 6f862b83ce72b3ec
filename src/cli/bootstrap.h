// The workspace `vllm-sr serve` writes into an empty folder: a config whose auto model `MoM`
// routes between two simulated models served by the built-in simulator, so the first run
// works offline with no API keys.
#pragma once

#include <string>

namespace vsr::cli {

// The bootstrap config text, pointing the models at the simulator on `simulator_port`.
std::string BootstrapConfig(int simulator_port);

}  // namespace vsr::cli
