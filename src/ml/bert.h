// A BERT encoder (Hugging Face BertModel semantics) on CPU: word + position + token-type
// embeddings and LayerNorm, then post-LN layers of multi-head self-attention (padding masked)
// and an exact-GELU feed-forward, with the matrix products on OpenBLAS. Loaded from a model
// folder: config.json + model.safetensors (BertModel or Bert*For* checkpoints, whose weights
// sit under "bert."). Batches are padded to their longest input.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vsr::ml {

class SafetensorsFile;

struct BertConfig {
  int vocab_size = 0, hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0;
  int max_positions = 512, type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  std::string architecture;         // architectures[0]: BertModel, BertForSequenceClassification...
  std::vector<std::string> labels;  // id2label by class index (task checkpoints)
  // Reads config.json; false with `error` naming the field.
  static bool Load(const std::string& path, BertConfig& out, std::string& error);
};

enum class Pooling { kMean, kCls };

class BertEncoder {
 public:
  // `dir` holds config.json and model.safetensors; null with `error` otherwise (a missing
  // tensor or one whose shape disagrees with config.json is named).
  static std::unique_ptr<BertEncoder> Load(const std::string& dir, std::string& error);
  // The encoder of an already opened checkpoint (task heads read their own tensors from it).
  static std::unique_ptr<BertEncoder> FromWeights(const BertConfig& cfg,
                                                  const SafetensorsFile& weights,
                                                  std::string& error);
  ~BertEncoder();

  // Last hidden states, [batch][seq][hidden] flattened, seq = the longest input (shorter ones
  // padded; their padded rows are not meaningful). Inputs longer than max_positions are cut.
  std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch, size_t& seq) const;
  // One vector per input: mean over its real tokens or its first ([CLS]) token; unit length
  // when `normalize`.
  std::vector<std::vector<float>> Embed(const std::vector<std::vector<int32_t>>& batch,
                                        Pooling pooling, bool normalize) const;
  const BertConfig& config() const { return cfg_; }

 private:
  struct Layer;
  BertEncoder() = default;
  BertConfig cfg_;
  std::vector<float> word_, position_, token_type_, emb_ln_g_, emb_ln_b_;
  std::vector<Layer> layers_;
};

}  // namespace vsr::ml
