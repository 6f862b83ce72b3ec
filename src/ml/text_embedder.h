// Text in, sentence embedding out: a model folder's tokenizer.json and encoder (BERT, ModernBERT),
// mean pooling over the real tokens and unit length (the sentence-transformers recipe that
// all-MiniLM-style models are trained for). Safe to call from several threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ml/encoder.h"
#include "ml/models.h"
#include "ml/tokenizer.h"

namespace vsr::ml {

class TextEmbedder final : public Embedder {
 public:
  // `dir` holds tokenizer.json, config.json and model.safetensors; null with `error` otherwise.
  static std::unique_ptr<TextEmbedder> Load(const std::string& dir, std::string& error);
  std::vector<float> Embed(std::string_view text) const override;
  // Several texts in one padded forward pass (each truncated to the model's length).
  std::vector<std::vector<float>> EmbedBatch(const std::vector<std::string>& texts) const override;
  size_t dimension() const override { return encoder_->hidden_size(); }

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Encoder> encoder_;
};

}  // namespace vsr::ml
