// The encoder interface: token ids in, last hidden states out. BERT and ModernBERT implement
// it; embedders and classification heads are written against it, so a head or a pooling works
// for every architecture.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ml/model_config.h"

namespace vsr::ml {

class SafetensorsFile;

enum class Pooling { kMean, kCls };

class Encoder {
 public:
  virtual ~Encoder() = default;
  // Last hidden states, [batch][seq][hidden] flattened, seq = the longest input (shorter ones
  // padded; their padded rows are not meaningful). Inputs longer than max_positions are cut.
  virtual std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch,
                                     size_t& seq) const = 0;
  virtual size_t hidden_size() const = 0;
  virtual size_t max_positions() const = 0;

  // The longest input a text is cut to before the forward pass: the model's positions, at most
  // 512 tokens (what classifiers and embedders are trained on; bounds the cost of long prompts).
  size_t max_input_tokens() const { return std::min<size_t>(512, max_positions()); }

  // What the model does to a pooled vector before it is normalized (the Universal Sentence
  // Encoder Lite's tanh layer); nothing for the BERT family, whose embedders stop at pooling.
  virtual void AfterPooling(std::vector<float>& pooled) const { (void)pooled; }

  // One vector per input: mean over its real tokens or its first token, then AfterPooling;
  // unit length when `normalize`.
  std::vector<std::vector<float>> Embed(const std::vector<std::vector<int32_t>>& batch,
                                        Pooling pooling, bool normalize) const;
};

// A batch laid out for a forward pass: padded to its longest input (cut at max_positions),
// ids out of the vocabulary read as 0, and which positions are real tokens.
struct PaddedBatch {
  size_t batch = 0, seq = 0;
  std::vector<int32_t> ids;   // [batch][seq]
  std::vector<uint8_t> real;  // [batch][seq]: 1 for a real token, 0 for padding
};
PaddedBatch PadBatch(const std::vector<std::vector<int32_t>>& batch, size_t max_positions,
                     int vocab_size);

// `v` at unit length (a zero vector stays zero).
void Normalize(std::vector<float>& v);

// Pools rows of `hidden` ([batch][seq][hidden]) as Encoder::Embed does, before AfterPooling
// and normalizing.
std::vector<std::vector<float>> Pool(const std::vector<float>& hidden, size_t seq, size_t h,
                                     const std::vector<size_t>& lengths, Pooling pooling);

// The encoder config.json's model_type names (bert, modernbert), with its weights from
// `weights` (task checkpoints keep them under "bert." / "model."); null with `error` naming the
// file and problem (unknown architecture, missing tensor, shape mismatch).
std::unique_ptr<Encoder> LoadEncoder(const ModelConfig& cfg, const SafetensorsFile& weights,
                                     std::string& error);

}  // namespace vsr::ml
