// The workspace `vllm-sr serve` writes into an empty folder: a config whose auto model `MoM`
// routes between two simulated models served by the built-in simulator, so the first run
// works offline with no API keys.
#pragma once

#include <string>

namespace vsr::cli {

// The bootstrap config text, pointing the models at the simulator on `simulator_port`. With
// `embedding_model` (the embedded default model's folder, ml/default_model.h), math and
// step-by-step questions are also recognized by meaning, through an embedding signal on it.
std::string BootstrapConfig(int simulator_port, const std::string& embedding_model = "");

}  // namespace vsr::cli
