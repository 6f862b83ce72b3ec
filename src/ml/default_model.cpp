#include "ml/default_model.h"

#include <cstdlib>
#include <filesystem>

namespace vsr::ml {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

}  // namespace

std::string DefaultEmbeddingModelDir() {
  std::string models = Env("VLLM_SR_MODELS_DIR");
  if (models.empty()) {
    std::string data = Env("XDG_DATA_HOME");
    if (const std::string home = Env("HOME"); data.empty()) {
      data = home.empty() ? std::string(".") : home + "/.local/share";
    }
    models = data + "/vllm-sr/models";
  }
  return models + "/universal-sentence-encoder-lite";
}

bool DefaultEmbeddingModelInstalled() {
  const std::string dir = DefaultEmbeddingModelDir();
  std::error_code ec;
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json"}) {
    if (!std::filesystem::is_regular_file(dir + "/" + file, ec)) return false;
  }
  return true;
}

}  // namespace vsr::ml
