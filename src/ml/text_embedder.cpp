#include "ml/text_embedder.h"

#include <cblas.h>

#include <algorithm>

namespace vsr::ml {

std::unique_ptr<TextEmbedder> TextEmbedder::Load(const std::string& dir, std::string& error) {
  auto e = std::make_unique<TextEmbedder>();
  e->tokenizer_ = Tokenizer::Load(dir + "/tokenizer.json", error);
  if (!e->tokenizer_) return nullptr;
  e->encoder_ = BertEncoder::Load(dir, error);
  if (!e->encoder_) return nullptr;
  // One request's matrices are small: OpenBLAS's own threads would only fight the router's.
  openblas_set_num_threads(1);
  return e;
}

std::vector<float> TextEmbedder::Embed(std::string_view text) const {
  return EmbedBatch({std::string(text)}).front();
}

std::vector<std::vector<float>> TextEmbedder::EmbedBatch(
    const std::vector<std::string>& texts) const {
  const size_t max_length = static_cast<size_t>(std::min(512, encoder_->config().max_positions));
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const std::string& t : texts) ids.push_back(tokenizer_->Encode(t, max_length).ids);
  return encoder_->Embed(ids, Pooling::kMean, true);
}

}  // namespace vsr::ml
