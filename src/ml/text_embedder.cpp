#include "ml/text_embedder.h"

#include <algorithm>

#include "ml/safetensors.h"

namespace vsr::ml {

std::unique_ptr<TextEmbedder> TextEmbedder::Load(const std::string& dir, std::string& error) {
  auto e = std::make_unique<TextEmbedder>();
  e->tokenizer_ = Tokenizer::Load(dir + "/tokenizer.json", error);
  if (!e->tokenizer_) return nullptr;
  ModelConfig cfg;
  if (!ModelConfig::Load(dir + "/config.json", cfg, error)) return nullptr;
  auto weights = SafetensorsFile::Open(dir + "/model.safetensors", error);
  if (!weights) return nullptr;
  e->encoder_ = LoadEncoder(cfg, *weights, error);
  if (!e->encoder_) return nullptr;
  return e;
}

std::vector<float> TextEmbedder::Embed(std::string_view text) const {
  return EmbedBatch({std::string(text)}).front();
}

std::vector<std::vector<float>> TextEmbedder::EmbedBatch(
    const std::vector<std::string>& texts) const {
  const size_t max_length = encoder_->max_input_tokens();
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const std::string& t : texts) ids.push_back(tokenizer_->Encode(t, max_length).ids);
  return encoder_->Embed(ids, Pooling::kMean, true);
}

}  // namespace vsr::ml
