// Classification models from Hugging Face task checkpoints, on any encoder:
//   BertForSequenceClassification     [CLS] -> tanh(dense) pooler -> classifier
//   BertForTokenClassification        every token -> classifier
//   ModernBertForSequenceClassification  cls or mean pooling (classifier_pooling) -> dense ->
//                                     GELU -> LayerNorm -> classifier
//   ModernBertForTokenClassification  every token -> dense -> GELU -> LayerNorm -> classifier
//   (XLM)RobertaForSequenceClassification  <s> -> tanh(dense) -> out_proj
//   (XLM)RobertaForTokenClassification     every token -> classifier
// Probabilities are softmax over config.json's id2label. Token predictions are joined into
// entities with byte spans (PII). Folders whose encoders are identical share one encoder and
// its passes (shared_encoder.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ml/encoder.h"
#include "ml/models.h"
#include "ml/ops.h"
#include "ml/tokenizer.h"
#include "ml/weight.h"

namespace vsr::ml {

// The layers between the encoder's hidden states and the labels.
struct ClassificationHead {
  Pooling pooling = Pooling::kCls;  // sequence heads: which vector stands for the text
  Weight dense_w;                   // empty: no dense layer (BERT token head)
  std::vector<float> dense_b;
  Activation dense_activation = Activation::kTanh;
  std::vector<float> norm_g, norm_b;  // empty: no LayerNorm after the dense layer
  float norm_eps = 1e-5f;
  Weight classifier_w;
  std::vector<float> classifier_b;
  // Softmax probabilities for `rows` vectors of size h, [row][label].
  std::vector<std::vector<float>> Apply(const float* x, size_t rows, size_t h) const;
};

class SequenceClassifierModel final : public SequenceClassifier {
 public:
  // `dir` holds tokenizer.json, config.json (a *ForSequenceClassification architecture) and
  // model.safetensors; null with `error` naming the file and problem otherwise.
  static std::unique_ptr<SequenceClassifierModel> Load(const std::string& dir, std::string& error);
  std::vector<float> Classify(std::string_view text) const override;
  // Probabilities per text, one padded forward pass for all of them.
  std::vector<std::vector<float>> ClassifyBatch(
      const std::vector<std::string>& texts) const override;
  const std::vector<std::string>& labels() const override { return labels_; }
  const Encoder& encoder() const { return *encoder_; }

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::shared_ptr<const Encoder> encoder_;  // shared by task folders with the same backbone
  ClassificationHead head_;
  std::vector<std::string> labels_;
};

class TokenClassifierModel final : public TokenClassifier {
 public:
  // As above, with a *ForTokenClassification architecture.
  static std::unique_ptr<TokenClassifierModel> Load(const std::string& dir, std::string& error);
  std::vector<TokenEntity> Entities(std::string_view text) const override;
  TokenScores Score(std::string_view text) const override;
  // Probabilities per token of `encoding` (special tokens included), [token][label].
  std::vector<std::vector<float>> TokenProbabilities(const Encoding& encoding) const;
  Encoding Tokenize(std::string_view text) const;
  const std::vector<std::string>& labels() const override { return labels_; }
  const Encoder& encoder() const { return *encoder_; }

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::shared_ptr<const Encoder> encoder_;  // shared by task folders with the same backbone
  ClassificationHead head_;
  std::vector<std::string> labels_;
};

// Joins per-token predictions into entities the way upstream's token classifier does: a B-X
// tag opens an entity, I-X extends an open X entity (confidence averaged pairwise), anything
// else closes it; an I- tag with no open entity of its type is ignored. Labels without BIO
// prefixes: every token not labelled "O" is its own entity. Special tokens ({0,0} offsets)
// are skipped.
std::vector<TokenEntity> JoinTokenLabels(const std::vector<std::string>& labels,
                                         const std::vector<std::pair<size_t, size_t>>& offsets,
                                         const std::vector<std::vector<float>>& probabilities);

}  // namespace vsr::ml
