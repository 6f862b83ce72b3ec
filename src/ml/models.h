// What the rest of the router needs from a loaded model, as small interfaces: signals and
// plugins depend on these, not on an architecture, so a ModernBERT or XLM-R implementation (or a
// test's hand-built fake) slots in behind the same calls. Every implementation is safe to call
// from several threads at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vsr::ml {

// Sentence embeddings (unit length, so a dot product is the cosine similarity).
class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual std::vector<float> Embed(std::string_view text) const = 0;
  // Several texts in one padded forward pass.
  virtual std::vector<std::vector<float>> EmbedBatch(
      const std::vector<std::string>& texts) const = 0;
  virtual size_t dimension() const = 0;
};

// One label for the whole text: a probability per label (softmax), in labels() order.
class SequenceClassifier {
 public:
  virtual ~SequenceClassifier() = default;
  virtual std::vector<float> Classify(std::string_view text) const = 0;
  // Several texts at once (one padded pass where the model can); by default one by one.
  virtual std::vector<std::vector<float>> ClassifyBatch(
      const std::vector<std::string>& texts) const {
    std::vector<std::vector<float>> out;
    for (const std::string& t : texts) out.push_back(Classify(t));
    return out;
  }
  virtual const std::vector<std::string>& labels() const = 0;
};

// The index of the most probable class (the first on ties; 0 for an empty row).
inline size_t ArgMax(const std::vector<float>& probabilities) {
  size_t best = 0;
  for (size_t i = 1; i < probabilities.size(); ++i) {
    if (probabilities[i] > probabilities[best]) best = i;
  }
  return best;
}

// A span of the text the token classifier labelled (BIO tags joined into one entity).
struct TokenEntity {
  std::string type;  // "EMAIL_ADDRESS" (B-/I- prefix removed)
  size_t start = 0;  // byte range in the text
  size_t end = 0;
  float confidence = 0;
};

// Label probabilities per token of a text (special tokens left out).
struct TokenScores {
  std::vector<std::pair<size_t, size_t>> offsets;  // byte range of each token in the text
  std::vector<std::vector<float>> probabilities;   // [token][label], labels() order
};

class TokenClassifier {
 public:
  virtual ~TokenClassifier() = default;
  virtual std::vector<TokenEntity> Entities(std::string_view text) const = 0;
  // The per-token view under Entities, for readers with their own span rules (hallucination
  // detection reads label 1 of the answer's tokens).
  virtual TokenScores Score(std::string_view text) const = 0;
  virtual const std::vector<std::string>& labels() const = 0;
};

}  // namespace vsr::ml
