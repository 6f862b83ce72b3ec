// A ModernBERT encoder (Hugging Face ModernBertModel semantics; also mmBERT, which shares the
// architecture): token embeddings + LayerNorm, then pre-LN layers — fused Wqkv attention with
// rotary positions, global on every global_attn_every_n_layers-th layer (theta
// global_rope_theta) and sliding-window local elsewhere (keys within local_attention/2
// positions, theta local_rope_theta), then a GeGLU MLP — and a final LayerNorm. Norms and
// projections carry biases only when config.json says so (norm_bias, attention_bias, mlp_bias).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ml/embedding_table.h"
#include "ml/encoder.h"
#include "ml/ops.h"

namespace vsr::ml {

struct ModernBertConfig {
  int vocab_size = 0, hidden_size = 0, num_layers = 0, num_heads = 0, intermediate_size = 0;
  int max_positions = 8192;
  int local_attention = 128, global_every = 3;
  double global_theta = 160000, local_theta = 10000;
  float norm_eps = 1e-5f;
  bool norm_bias = false, attention_bias = false, mlp_bias = false;
  Activation activation = Activation::kGeluExact;
  static bool From(const ModelConfig& cfg, ModernBertConfig& out, std::string& error);
};

// "gelu" -> exact, "gelu_new"/"gelu_pytorch_tanh"/"gelu_fast" -> tanh; false for others.
bool ParseGelu(const std::string& name, Activation& out);

class ModernBertEncoder final : public Encoder {
 public:
  static std::unique_ptr<ModernBertEncoder> FromWeights(const ModelConfig& cfg,
                                                        const SafetensorsFile& weights,
                                                        std::string& error);
  ~ModernBertEncoder() override;

  std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch,
                             size_t& seq) const override;
  size_t hidden_size() const override { return static_cast<size_t>(cfg_.hidden_size); }
  size_t max_positions() const override { return static_cast<size_t>(cfg_.max_positions); }
  const ModernBertConfig& config() const { return cfg_; }

 private:
  struct Layer;
  ModernBertEncoder() = default;
  ModernBertConfig cfg_;
  EmbeddingTable embeddings_;  // read from the checkpoint per pass (embedding_table.h)
  std::vector<float> emb_norm_g_, emb_norm_b_, final_norm_g_, final_norm_b_;
  std::vector<float> global_freq_, local_freq_;
  std::vector<Layer> layers_;
};

}  // namespace vsr::ml
