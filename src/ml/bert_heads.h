// Task heads on the BERT encoder, loaded from Hugging Face task checkpoints:
// BertForSequenceClassification (pooler: tanh(dense([CLS])), then a linear classifier: one
// label per text — domain, jailbreak, fact-check, feedback) and BertForTokenClassification (a
// linear classifier on every token: PII entities with byte spans, BIO tags joined as upstream
// joins them). Labels come from config.json's id2label.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ml/bert.h"
#include "ml/models.h"
#include "ml/tokenizer.h"

namespace vsr::ml {

class BertSequenceClassifier final : public SequenceClassifier {
 public:
  // `dir` holds tokenizer.json, config.json (architectures BertForSequenceClassification) and
  // model.safetensors; null with `error` naming the file and problem otherwise.
  static std::unique_ptr<BertSequenceClassifier> Load(const std::string& dir, std::string& error);
  std::vector<float> Classify(std::string_view text) const override;
  // Softmax probabilities per text, one padded forward pass for all of them.
  std::vector<std::vector<float>> ClassifyBatch(const std::vector<std::string>& texts) const;
  const std::vector<std::string>& labels() const override { return labels_; }

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<BertEncoder> encoder_;
  std::vector<float> pooler_w_, pooler_b_, classifier_w_, classifier_b_;
  std::vector<std::string> labels_;
};

class BertTokenClassifier final : public TokenClassifier {
 public:
  // As above, with architectures BertForTokenClassification.
  static std::unique_ptr<BertTokenClassifier> Load(const std::string& dir, std::string& error);
  std::vector<TokenEntity> Entities(std::string_view text) const override;
  // Softmax probabilities per token of `encoding` (special tokens included), [token][label].
  std::vector<std::vector<float>> TokenProbabilities(const Encoding& encoding) const;
  Encoding Tokenize(std::string_view text) const;
  const std::vector<std::string>& labels() const override { return labels_; }

 private:
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<BertEncoder> encoder_;
  std::vector<float> classifier_w_, classifier_b_;
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

// In-place softmax of one row of logits.
void Softmax(std::vector<float>& logits);

}  // namespace vsr::ml
