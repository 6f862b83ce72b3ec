#include "ml/classifiers.h"

#include <algorithm>
#include <optional>

#include "ml/modernbert.h"
#include "ml/safetensors.h"
#include "ml/shared_encoder.h"

namespace vsr::ml {
namespace {

// A task folder opened up to its head: config (architecture checked, labels present),
// tokenizer, encoder, and the weights the head reads.
struct TaskFolder {
  ModelConfig cfg;
  std::unique_ptr<SafetensorsFile> weights;
  std::unique_ptr<Tokenizer> tokenizer;
  std::shared_ptr<const Encoder> encoder;  // shared with folders that have the same backbone
  std::string family;                      // Bert, ModernBert, Roberta or XLMRoberta
};

bool OpenTaskFolder(const std::string& dir, const std::string& task, TaskFolder& out,
                    std::string& error) {
  if (!ModelConfig::Load(dir + "/config.json", out.cfg, error)) return false;
  const std::string& arch = out.cfg.architecture;
  for (const char* family : {"Bert", "ModernBert", "Roberta", "XLMRoberta"}) {
    if (arch == family + task) out.family = family;
  }
  if (out.family.empty()) {
    error = out.cfg.path + ": architectures[0] is '" + arch + "', expected 'Bert" + task +
            "', 'ModernBert" + task + "', 'Roberta" + task + "' or 'XLMRoberta" + task + "'";
    return false;
  }
  if (out.cfg.labels.size() < 2) {
    error = out.cfg.path + ": 'id2label' must name at least two labels";
    return false;
  }
  out.tokenizer = Tokenizer::Load(dir + "/tokenizer.json", error);
  if (!out.tokenizer) return false;
  out.weights = SafetensorsFile::Open(dir + "/model.safetensors", error);
  if (!out.weights) return false;
  out.encoder = SharedBackbone(BackboneFingerprint(out.cfg, *out.weights),
                               [&] { return LoadEncoder(out.cfg, *out.weights, error); });
  return out.encoder != nullptr;
}

// The head's tensors: BERT's pooler (sequence) or nothing (token); ModernBERT's
// dense + activation + LayerNorm (both); then the classifier.
bool LoadHead(const TaskFolder& f, bool sequence, ClassificationHead& head, std::string& error) {
  const auto h = static_cast<int64_t>(f.encoder->hidden_size());
  const auto n = static_cast<int64_t>(f.cfg.labels.size());
  const SafetensorsFile& w = *f.weights;
  const bool roberta = f.family == "Roberta" || f.family == "XLMRoberta";
  if (f.family == "ModernBert") {
    const std::string pooling = f.cfg.String("classifier_pooling", "cls");
    if (pooling != "cls" && pooling != "mean") {
      error = f.cfg.path + ": classifier_pooling \"" + pooling + "\" is not cls or mean";
      return false;
    }
    head.pooling = pooling == "mean" ? Pooling::kMean : Pooling::kCls;
    const std::string act = f.cfg.String("classifier_activation", "gelu");
    if (!ParseGelu(act, head.dense_activation)) {
      error = f.cfg.path + ": classifier_activation \"" + act + "\" is not supported";
      return false;
    }
    head.norm_eps = static_cast<float>(f.cfg.Number("norm_eps", 1e-5));
    if (!ReadWeights(w, "head.dense.weight", {h, h}, head.dense_w, error) ||
        (f.cfg.Bool("classifier_bias", false) &&
         !ReadWeights(w, "head.dense.bias", {h}, head.dense_b, error)) ||
        !ReadWeights(w, "head.norm.weight", {h}, head.norm_g, error) ||
        (f.cfg.Bool("norm_bias", false) &&
         !ReadWeights(w, "head.norm.bias", {h}, head.norm_b, error))) {
      return false;
    }
  } else if (sequence && roberta) {  // RobertaClassificationHead: dense + tanh on <s>, out_proj
    head.pooling = Pooling::kCls;
    head.dense_activation = Activation::kTanh;
    return ReadWeights(w, "classifier.dense.weight", {h, h}, head.dense_w, error) &&
           ReadWeights(w, "classifier.dense.bias", {h}, head.dense_b, error) &&
           ReadWeights(w, "classifier.out_proj.weight", {n, h}, head.classifier_w, error) &&
           ReadWeights(w, "classifier.out_proj.bias", {n}, head.classifier_b, error);
  } else if (sequence) {
    head.pooling = Pooling::kCls;
    head.dense_activation = Activation::kTanh;
    if (!ReadWeights(w, "bert.pooler.dense.weight", {h, h}, head.dense_w, error) ||
        !ReadWeights(w, "bert.pooler.dense.bias", {h}, head.dense_b, error)) {
      return false;
    }
  }
  return ReadWeights(w, "classifier.weight", {n, h}, head.classifier_w, error) &&
         ReadWeights(w, "classifier.bias", {n}, head.classifier_b, error);
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

std::vector<std::vector<float>> ClassificationHead::Apply(const float* x, size_t rows,
                                                          size_t h) const {
  std::vector<float> z;
  if (!dense_w.empty()) {
    z.resize(rows * h);
    Linear(x, rows, h, dense_w, dense_b, h, z.data());
    Activate(z.data(), z.size(), dense_activation);
    if (!norm_g.empty()) LayerNorm(z.data(), nullptr, rows, h, norm_g, norm_b, norm_eps);
    x = z.data();
  }
  const size_t n = classifier_b.size();
  std::vector<float> logits(rows * n);
  Linear(x, rows, h, classifier_w, classifier_b, n, logits.data());
  std::vector<std::vector<float>> out(rows);
  for (size_t r = 0; r < rows; ++r) {
    out[r].assign(logits.begin() + static_cast<long>(r * n),
                  logits.begin() + static_cast<long>((r + 1) * n));
    Softmax(out[r]);
  }
  return out;
}

std::unique_ptr<SequenceClassifierModel> SequenceClassifierModel::Load(const std::string& dir,
                                                                       std::string& error) {
  TaskFolder f;
  if (!OpenTaskFolder(dir, "ForSequenceClassification", f, error)) return nullptr;
  auto c = std::unique_ptr<SequenceClassifierModel>(new SequenceClassifierModel());
  if (!LoadHead(f, true, c->head_, error)) return nullptr;
  c->tokenizer_ = std::move(f.tokenizer);
  c->encoder_ = std::move(f.encoder);
  c->labels_ = std::move(f.cfg.labels);
  return c;
}

std::vector<float> SequenceClassifierModel::Classify(std::string_view text) const {
  return ClassifyBatch({std::string(text)}).front();
}

std::vector<std::vector<float>> SequenceClassifierModel::ClassifyBatch(
    const std::vector<std::string>& texts) const {
  std::vector<std::vector<int32_t>> ids;
  std::vector<size_t> lengths;
  for (const std::string& t : texts) {
    ids.push_back(tokenizer_->Encode(t, encoder_->max_input_tokens()).ids);
    lengths.push_back(ids.back().size());
  }
  size_t seq = 0;
  const std::vector<float> hidden = encoder_->Forward(ids, seq);
  const size_t h = encoder_->hidden_size();
  std::vector<float> pooled;
  for (const auto& v : Pool(hidden, seq, h, lengths, head_.pooling)) {
    pooled.insert(pooled.end(), v.begin(), v.end());
  }
  return head_.Apply(pooled.data(), texts.size(), h);
}

std::unique_ptr<TokenClassifierModel> TokenClassifierModel::Load(const std::string& dir,
                                                                 std::string& error) {
  TaskFolder f;
  if (!OpenTaskFolder(dir, "ForTokenClassification", f, error)) return nullptr;
  auto c = std::unique_ptr<TokenClassifierModel>(new TokenClassifierModel());
  if (!LoadHead(f, false, c->head_, error)) return nullptr;
  c->tokenizer_ = std::move(f.tokenizer);
  c->encoder_ = std::move(f.encoder);
  c->labels_ = std::move(f.cfg.labels);
  return c;
}

Encoding TokenClassifierModel::Tokenize(std::string_view text) const {
  return tokenizer_->Encode(text, encoder_->max_input_tokens());
}

std::vector<std::vector<float>> TokenClassifierModel::TokenProbabilities(
    const Encoding& encoding) const {
  size_t seq = 0;
  const std::vector<float> hidden = encoder_->Forward({encoding.ids}, seq);
  return head_.Apply(hidden.data(), seq, encoder_->hidden_size());
}

std::vector<TokenEntity> TokenClassifierModel::Entities(std::string_view text) const {
  const Encoding e = Tokenize(text);
  return JoinTokenLabels(labels_, e.offsets, TokenProbabilities(e));
}

TokenScores TokenClassifierModel::Score(std::string_view text) const {
  const Encoding e = Tokenize(text);
  std::vector<std::vector<float>> p = TokenProbabilities(e);
  TokenScores out;
  for (size_t i = 0; i < e.size() && i < p.size(); ++i) {
    if (e.offsets[i].second == 0) continue;  // a special token
    out.offsets.push_back(e.offsets[i]);
    out.probabilities.push_back(std::move(p[i]));
  }
  return out;
}

std::vector<TokenEntity> JoinTokenLabels(const std::vector<std::string>& labels,
                                         const std::vector<std::pair<size_t, size_t>>& offsets,
                                         const std::vector<std::vector<float>>& probabilities) {
  bool bio = false;
  for (const std::string& l : labels) bio = bio || l.starts_with("B-") || l.starts_with("I-");
  std::vector<TokenEntity> out;
  // The entity being extended (a flag beside a value: GCC 12 warns falsely about an optional's
  // string here).
  TokenEntity open;
  bool has_open = false;
  const auto close = [&] {
    if (has_open) out.push_back(std::move(open));
    has_open = false;
  };
  const size_t n = std::min(offsets.size(), probabilities.size());
  for (size_t t = 0; t < n; ++t) {
    if (offsets[t].first == 0 && offsets[t].second == 0) continue;  // special token
    const std::vector<float>& p = probabilities[t];
    const auto best = ArgMax(p);
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
      has_open = true;
    } else if (tag == 'I' && has_open) {
      if (open.type == type) {
        open.end = offsets[t].second;
        open.confidence = (open.confidence + confidence) / 2;
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
