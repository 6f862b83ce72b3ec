#include "ml/bert_heads.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "ml/safetensors.h"

namespace vsr::ml {
namespace {

// The parts every task checkpoint shares: config with the expected architecture and labels,
// the tokenizer and the encoder; the open weights stay available for the head's tensors.
struct TaskFolder {
  BertConfig cfg;
  std::unique_ptr<SafetensorsFile> weights;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<BertEncoder> encoder;
};

bool OpenTaskFolder(const std::string& dir, const char* architecture, TaskFolder& out,
                    std::string& error) {
  if (!BertConfig::Load(dir + "/config.json", out.cfg, error)) return false;
  if (out.cfg.architecture != architecture) {
    error = dir + "/config.json: architectures[0] is '" + out.cfg.architecture + "', expected '" +
            architecture + "'";
    return false;
  }
  if (out.cfg.labels.size() < 2) {
    error = dir + "/config.json: 'id2label' must name at least two labels";
    return false;
  }
  out.tokenizer = Tokenizer::Load(dir + "/tokenizer.json", error);
  if (!out.tokenizer) return false;
  out.weights = SafetensorsFile::Open(dir + "/model.safetensors", error);
  if (!out.weights) return false;
  out.encoder = BertEncoder::FromWeights(out.cfg, *out.weights, error);
  if (!out.encoder) return false;
  openblas_set_num_threads(1);  // one request's matrices are small; see TextEmbedder
  return true;
}

// y[rows, out] = x[rows, in] * W[out, in]^T + b
void Dense(const float* x, size_t rows, size_t in, const std::vector<float>& w,
           const std::vector<float>& b, size_t out, float* y) {
  for (size_t r = 0; r < rows; ++r) std::copy(b.begin(), b.end(), y + r * out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
              static_cast<int>(out), static_cast<int>(in), 1.0f, x, static_cast<int>(in), w.data(),
              static_cast<int>(in), 1.0f, y, static_cast<int>(out));
}

size_t MaxLength(const BertEncoder& encoder) {
  return static_cast<size_t>(std::min(512, encoder.config().max_positions));
}

std::string_view StripBio(std::string_view label, char& tag) {
  tag = 0;
  if (label.size() > 2 && label[1] == '-' && (label[0] == 'B' || label[0] == 'I')) {
    tag = label[0];
    return label.substr(2);
  }
  return label;
}

}  // namespace

void Softmax(std::vector<float>& logits) {
  if (logits.empty()) return;
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float& z : logits) {
    z = std::exp(z - max);
    sum += z;
  }
  for (float& z : logits) z = static_cast<float>(z / sum);
}

std::unique_ptr<BertSequenceClassifier> BertSequenceClassifier::Load(const std::string& dir,
                                                                     std::string& error) {
  TaskFolder f;
  if (!OpenTaskFolder(dir, "BertForSequenceClassification", f, error)) return nullptr;
  auto c = std::unique_ptr<BertSequenceClassifier>(new BertSequenceClassifier());
  const auto h = static_cast<int64_t>(f.cfg.hidden_size);
  const auto n = static_cast<int64_t>(f.cfg.labels.size());
  if (!ReadWeights(*f.weights, "bert.pooler.dense.weight", {h, h}, c->pooler_w_, error) ||
      !ReadWeights(*f.weights, "bert.pooler.dense.bias", {h}, c->pooler_b_, error) ||
      !ReadWeights(*f.weights, "classifier.weight", {n, h}, c->classifier_w_, error) ||
      !ReadWeights(*f.weights, "classifier.bias", {n}, c->classifier_b_, error)) {
    return nullptr;
  }
  c->tokenizer_ = std::move(f.tokenizer);
  c->encoder_ = std::move(f.encoder);
  c->labels_ = std::move(f.cfg.labels);
  return c;
}

std::vector<float> BertSequenceClassifier::Classify(std::string_view text) const {
  return ClassifyBatch({std::string(text)}).front();
}

std::vector<std::vector<float>> BertSequenceClassifier::ClassifyBatch(
    const std::vector<std::string>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  ids.reserve(texts.size());
  for (const std::string& t : texts) ids.push_back(tokenizer_->Encode(t, MaxLength(*encoder_)).ids);
  size_t seq = 0;
  const std::vector<float> hidden = encoder_->Forward(ids, seq);
  const auto H = static_cast<size_t>(encoder_->config().hidden_size);
  const size_t n = labels_.size();
  std::vector<std::vector<float>> out;
  std::vector<float> cls(H), pooled(H);
  for (size_t b = 0; b < texts.size(); ++b) {
    std::copy_n(&hidden[b * seq * H], H, cls.begin());
    Dense(cls.data(), 1, H, pooler_w_, pooler_b_, H, pooled.data());
    for (float& z : pooled) z = std::tanh(z);
    std::vector<float> logits(n);
    Dense(pooled.data(), 1, H, classifier_w_, classifier_b_, n, logits.data());
    Softmax(logits);
    out.push_back(std::move(logits));
  }
  return out;
}

std::unique_ptr<BertTokenClassifier> BertTokenClassifier::Load(const std::string& dir,
                                                               std::string& error) {
  TaskFolder f;
  if (!OpenTaskFolder(dir, "BertForTokenClassification", f, error)) return nullptr;
  auto c = std::unique_ptr<BertTokenClassifier>(new BertTokenClassifier());
  const auto h = static_cast<int64_t>(f.cfg.hidden_size);
  const auto n = static_cast<int64_t>(f.cfg.labels.size());
  if (!ReadWeights(*f.weights, "classifier.weight", {n, h}, c->classifier_w_, error) ||
      !ReadWeights(*f.weights, "classifier.bias", {n}, c->classifier_b_, error)) {
    return nullptr;
  }
  c->tokenizer_ = std::move(f.tokenizer);
  c->encoder_ = std::move(f.encoder);
  c->labels_ = std::move(f.cfg.labels);
  return c;
}

Encoding BertTokenClassifier::Tokenize(std::string_view text) const {
  return tokenizer_->Encode(text, MaxLength(*encoder_));
}

std::vector<std::vector<float>> BertTokenClassifier::TokenProbabilities(
    const Encoding& encoding) const {
  size_t seq = 0;
  const std::vector<float> hidden = encoder_->Forward({encoding.ids}, seq);
  const auto H = static_cast<size_t>(encoder_->config().hidden_size);
  const size_t n = labels_.size();
  std::vector<float> logits(seq * n);
  Dense(hidden.data(), seq, H, classifier_w_, classifier_b_, n, logits.data());
  std::vector<std::vector<float>> out(seq);
  for (size_t t = 0; t < seq; ++t) {
    out[t].assign(logits.begin() + static_cast<long>(t * n),
                  logits.begin() + static_cast<long>((t + 1) * n));
    Softmax(out[t]);
  }
  return out;
}

std::vector<TokenEntity> BertTokenClassifier::Entities(std::string_view text) const {
  const Encoding e = Tokenize(text);
  return JoinTokenLabels(labels_, e.offsets, TokenProbabilities(e));
}

std::vector<TokenEntity> JoinTokenLabels(const std::vector<std::string>& labels,
                                         const std::vector<std::pair<size_t, size_t>>& offsets,
                                         const std::vector<std::vector<float>>& probabilities) {
  bool bio = false;
  for (const std::string& l : labels) bio = bio || l.starts_with("B-") || l.starts_with("I-");
  std::vector<TokenEntity> out;
  std::optional<TokenEntity> open;
  const auto close = [&] {
    if (open) out.push_back(std::move(*open));
    open.reset();
  };
  const size_t n = std::min(offsets.size(), probabilities.size());
  for (size_t t = 0; t < n; ++t) {
    if (offsets[t].first == 0 && offsets[t].second == 0) continue;  // special token
    const std::vector<float>& p = probabilities[t];
    const auto best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
    if (best >= labels.size()) continue;
    const float confidence = p[best];
    char tag = 0;
    const std::string_view type = StripBio(labels[best], tag);
    if (!bio) {
      if (labels[best] != "O") {
        out.push_back({std::string(type), offsets[t].first, offsets[t].second, confidence});
      }
      continue;
    }
    if (tag == 'B') {
      close();
      open = TokenEntity{std::string(type), offsets[t].first, offsets[t].second, confidence};
    } else if (tag == 'I' && open) {
      if (open->type == type) {
        open->end = offsets[t].second;
        open->confidence = (open->confidence + confidence) / 2;
      } else {
        close();
      }
    } else if (tag != 'I') {
      close();
    }
  }
  close();
  return out;
}

}  // namespace vsr::ml
