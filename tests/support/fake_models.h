// Test doubles for the ML runtime with answers a test can reason about: a bag-of-words
// embedder (cosine similarity = shared-word overlap), a sequence classifier that answers what
// the test sets, a PII tagger keyed on "@" and "name is", and a ModelStore that hands them out
// for any folder except "missing" ones.
#pragma once

#include <atomic>
#include <cctype>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/strings.h"
#include "ml/model_store.h"

namespace vsr::testing {

// Each distinct lower-case word is one axis: cosine similarity = shared-word overlap.
class WordEmbedder final : public ml::Embedder {
 public:
  // How many texts every WordEmbedder has embedded (tests count model passes with it).
  static inline std::atomic<int> embedded{0};
  std::vector<float> Embed(std::string_view text) const override {
    ++embedded;
    std::vector<float> v(64, 0.0f);
    std::string word;
    const auto flush = [&] {
      if (!word.empty()) v[std::hash<std::string>{}(word) % 64] += 1;
      word.clear();
    };
    for (char ch : ToLower(text)) {
      if (std::isalnum(static_cast<unsigned char>(ch))) {
        word += ch;
      } else {
        flush();
      }
    }
    flush();
    double n = 0;
    for (float x : v) n += x * x;
    if (n > 0) {
      for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
    }
    return v;
  }
  std::vector<std::vector<float>> EmbedBatch(const std::vector<std::string>& texts) const override {
    std::vector<std::vector<float>> out;
    for (const auto& t : texts) out.push_back(Embed(t));
    return out;
  }
  size_t dimension() const override { return 64; }
};

class ScriptedClassifier final : public ml::SequenceClassifier {
 public:
  ScriptedClassifier(std::vector<std::string> labels,
                     std::function<std::vector<float>(std::string_view)> answer)
      : labels_(std::move(labels)), answer_(std::move(answer)) {}
  std::vector<float> Classify(std::string_view text) const override {
    ++calls;
    return answer_(text);
  }
  const std::vector<std::string>& labels() const override { return labels_; }
  mutable int calls = 0;

 private:
  std::vector<std::string> labels_;
  std::function<std::vector<float>(std::string_view)> answer_;
};

// "@" makes an EMAIL_ADDRESS at 0.9; a capitalized word after "name is" a PERSON at 0.6.
class ScriptedPii final : public ml::TokenClassifier {
 public:
  std::vector<ml::TokenEntity> Entities(std::string_view text) const override {
    std::vector<ml::TokenEntity> out;
    if (const size_t at = text.find('@'); at != std::string_view::npos) {
      out.push_back({"EMAIL_ADDRESS", at, at + 1, 0.9f});
    }
    if (const size_t n = text.find("name is "); n != std::string_view::npos) {
      out.push_back({"PERSON", n + 8, text.size(), 0.6f});
    }
    return out;
  }
  ml::TokenScores Score(std::string_view) const override { return {}; }
  const std::vector<std::string>& labels() const override { return labels_; }

 private:
  std::vector<std::string> labels_{"O", "B-EMAIL_ADDRESS", "I-EMAIL_ADDRESS"};
};

// A hallucination detector with a rule a test can follow: in "<grounding> [SEP] <answer>",
// each answer word (letters and digits) that the grounding lacks is hallucinated (label 1,
// 0.9); the others are supported (label 0, 0.9). Case-insensitive.
class WordGroundingTagger final : public ml::TokenClassifier {
 public:
  std::vector<ml::TokenEntity> Entities(std::string_view) const override { return {}; }
  ml::TokenScores Score(std::string_view text) const override {
    ml::TokenScores out;
    const size_t sep = text.find(" [SEP] ");
    const std::string grounding = ToLower(text.substr(0, sep == std::string_view::npos ? 0 : sep));
    for (size_t i = 0; i < text.size();) {
      if (!std::isalnum(static_cast<unsigned char>(text[i]))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
      const bool known = grounding.find(ToLower(text.substr(i, j - i))) != std::string::npos;
      out.offsets.emplace_back(i, j);
      out.probabilities.push_back(known ? std::vector<float>{0.9f, 0.1f}
                                        : std::vector<float>{0.1f, 0.9f});
      i = j;
    }
    return out;
  }
  const std::vector<std::string>& labels() const override { return labels_; }

 private:
  std::vector<std::string> labels_{"SUPPORTED", "HALLUCINATED"};
};

// Hands out the scripted models whatever folder is asked for; `missing` folders fail.
class FakeModels final : public ml::ModelStore {
 public:
  std::shared_ptr<const ml::Embedder> LoadEmbedder(const std::string& dir,
                                                   std::string& error) override {
    if (Missing(dir, error)) return nullptr;
    return std::make_shared<WordEmbedder>();
  }
  std::shared_ptr<const ml::SequenceClassifier> LoadSequenceClassifier(
      const std::string& dir, std::string& error) override {
    if (Missing(dir, error)) return nullptr;
    loaded.push_back(dir);
    return classifier;
  }
  std::shared_ptr<const ml::TokenClassifier> LoadTokenClassifier(const std::string& dir,
                                                                 std::string& error) override {
    if (Missing(dir, error)) return nullptr;
    if (tokens) return tokens;
    return std::make_shared<ScriptedPii>();
  }
  std::shared_ptr<ScriptedClassifier> classifier;
  std::shared_ptr<const ml::TokenClassifier> tokens;  // instead of ScriptedPii when set
  std::vector<std::string> loaded;
  std::string missing = "/nowhere";

 private:
  bool Missing(const std::string& dir, std::string& error) const {
    if (dir.find(missing) == std::string::npos) return false;
    error = dir + "/config.json: cannot open";
    return true;
  }
};

}  // namespace vsr::testing
