// A BERT encoder (Hugging Face BertModel semantics; RoBERTa and XLM-R too, whose positions
// start after the padding id) on CPU: word + position + token-type
// embeddings and LayerNorm, then post-LN layers of multi-head self-attention (padding masked)
// and an exact-GELU feed-forward, with the matrix products on oneDNN (ml/ops.h). Loaded from a model
// folder: config.json + model.safetensors (BertModel or Bert*For* checkpoints, whose weights
// sit under "bert."). Batches are padded to their longest input.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ml/embedding_table.h"
#include "ml/encoder.h"

namespace vsr::ml {

struct BertConfig {
  int vocab_size = 0, hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0;
  int max_positions = 512, type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  int position_offset = 0;              // RoBERTa/XLM-R: pad_token_id + 1
  std::string weight_prefix = "bert.";  // where task checkpoints keep the encoder
  // From a parsed config.json; false with `error` naming the field.
  static bool From(const ModelConfig& cfg, BertConfig& out, std::string& error);
};

class BertEncoder final : public Encoder {
 public:
  // `dir` holds config.json and model.safetensors; null with `error` otherwise (a missing
  // tensor or one whose shape disagrees with config.json is named).
  static std::unique_ptr<BertEncoder> Load(const std::string& dir, std::string& error);
  // The encoder of an already opened checkpoint (task heads read their own tensors from it).
  static std::unique_ptr<BertEncoder> FromWeights(const ModelConfig& cfg,
                                                  const SafetensorsFile& weights,
                                                  std::string& error);
  ~BertEncoder() override;

  std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch,
                             size_t& seq) const override;
  size_t hidden_size() const override { return static_cast<size_t>(cfg_.hidden_size); }
  size_t max_positions() const override {
    return static_cast<size_t>(cfg_.max_positions - cfg_.position_offset);
  }
  const BertConfig& config() const { return cfg_; }

 private:
  struct Layer;
  BertEncoder() = default;
  BertConfig cfg_;
  EmbeddingTable word_;  // read from the checkpoint per pass (embedding_table.h)
  std::vector<float> position_, token_type_, emb_ln_g_, emb_ln_b_;
  std::vector<Layer> layers_;
};

}  // namespace vsr::ml
