#include "ml/bert.h"

#include <cblas.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "ml/safetensors.h"

namespace vsr::ml {

namespace json = boost::json;

struct BertEncoder::Layer {
  std::vector<float> q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b, ln1_g, ln1_b;
  std::vector<float> i_w, i_b, out_w, out_b, ln2_g, ln2_b;
};

namespace {

// y[rows, out] = x[rows, in] * W[out, in]^T + b
void Linear(const float* x, size_t rows, size_t in, const std::vector<float>& w,
            const std::vector<float>& b, size_t out, float* y) {
  for (size_t r = 0; r < rows; ++r) std::copy(b.begin(), b.end(), y + r * out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows),
              static_cast<int>(out), static_cast<int>(in), 1.0f, x, static_cast<int>(in), w.data(),
              static_cast<int>(in), 1.0f, y, static_cast<int>(out));
}

// x = LayerNorm(x + residual) row by row (residual may be null).
void AddLayerNorm(float* x, const float* residual, size_t rows, size_t n,
                  const std::vector<float>& g, const std::vector<float>& b, float eps) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * n;
    if (residual != nullptr) {
      for (size_t i = 0; i < n; ++i) row[i] += residual[r * n + i];
    }
    double mean = 0;
    for (size_t i = 0; i < n; ++i) mean += row[i];
    mean /= static_cast<double>(n);
    double var = 0;
    for (size_t i = 0; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
    var /= static_cast<double>(n);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (size_t i = 0; i < n; ++i) {
      row[i] = static_cast<float>((row[i] - mean) * inv) * g[i] + b[i];
    }
  }
}

bool ReadInt(const json::object& o, const char* key, int& out, bool required, std::string& error) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) error = std::string("config.json: '") + key + "' is missing";
    return !required;
  }
  if (!v->is_int64() || v->as_int64() <= 0 || v->as_int64() > (1 << 24)) {
    error = std::string("config.json: '") + key + "' must be a positive integer";
    return false;
  }
  out = static_cast<int>(v->as_int64());
  return true;
}

// id2label {"0": "benign", "1": "jailbreak"} -> labels by index (gaps named LABEL_<i>, as
// Hugging Face names unlabelled classes). Absent: no labels. False when malformed.
bool ReadLabels(const json::object& o, std::vector<std::string>& labels) {
  const json::value* v = o.if_contains("id2label");
  if (v == nullptr) return true;
  if (!v->is_object()) return false;
  std::vector<std::pair<size_t, std::string>> entries;
  for (const auto& [key, name] : v->as_object()) {
    size_t index = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
    if (ec != std::errc() || end != key.data() + key.size() || index >= 100000 ||
        !name.is_string()) {
      return false;
    }
    entries.emplace_back(index, std::string(name.as_string()));
  }
  for (auto& [index, name] : entries) {
    if (labels.size() <= index) labels.resize(index + 1);
    labels[index] = std::move(name);
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) labels[i] = "LABEL_" + std::to_string(i);
  }
  return true;
}

}  // namespace

bool BertConfig::Load(const std::string& path, BertConfig& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  const json::value v = json::parse(ss.str(), ec);
  if (ec || !v.is_object()) {
    error = path + ": not a JSON object";
    return false;
  }
  const json::object& o = v.as_object();
  // BERT checkpoints say model_type "bert" (older ones only name a Bert* architecture).
  const json::value* type = o.if_contains("model_type");
  const json::value* archs = o.if_contains("architectures");
  const bool bert_arch = archs && archs->is_array() && !archs->as_array().empty() &&
                         archs->as_array()[0].is_string() &&
                         archs->as_array()[0].as_string().starts_with("Bert");
  if (type ? *type != "bert" : !bert_arch) {
    error = path + ": model_type " + (type ? json::serialize(*type) : std::string("(none)")) +
            " is not supported yet (BERT is)";
    return false;
  }
  if (const json::value* act = o.if_contains("hidden_act"); act && *act != "gelu") {
    error = path + ": hidden_act " + json::serialize(*act) + " is not supported yet (gelu is)";
    return false;
  }
  if (!ReadInt(o, "vocab_size", out.vocab_size, true, error) ||
      !ReadInt(o, "hidden_size", out.hidden_size, true, error) ||
      !ReadInt(o, "num_hidden_layers", out.num_layers, true, error) ||
      !ReadInt(o, "num_attention_heads", out.num_heads, true, error) ||
      !ReadInt(o, "intermediate_size", out.intermediate_size, true, error) ||
      !ReadInt(o, "max_position_embeddings", out.max_positions, false, error) ||
      !ReadInt(o, "type_vocab_size", out.type_vocab_size, false, error)) {
    error = path + ": " + error.substr(error.find(':') + 2);
    return false;
  }
  if (out.hidden_size % out.num_heads != 0) {
    error = path + ": hidden_size " + std::to_string(out.hidden_size) +
            " is not divisible by num_attention_heads " + std::to_string(out.num_heads);
    return false;
  }
  if (archs && archs->is_array() && !archs->as_array().empty() &&
      archs->as_array()[0].is_string()) {
    out.architecture = std::string(archs->as_array()[0].as_string());
  }
  if (!ReadLabels(o, out.labels)) {
    error = path + ": 'id2label' must map class indices (\"0\", \"1\", ...) to label names";
    return false;
  }
  if (const json::value* eps = o.if_contains("layer_norm_eps"); eps && eps->is_number()) {
    out.layer_norm_eps = static_cast<float>(eps->to_number<double>());
  }
  return true;
}

BertEncoder::~BertEncoder() = default;

std::unique_ptr<BertEncoder> BertEncoder::Load(const std::string& dir, std::string& error) {
  BertConfig cfg;
  if (!BertConfig::Load(dir + "/config.json", cfg, error)) return nullptr;
  auto file = SafetensorsFile::Open(dir + "/model.safetensors", error);
  if (!file) return nullptr;
  return FromWeights(cfg, *file, error);
}

std::unique_ptr<BertEncoder> BertEncoder::FromWeights(const BertConfig& cfg,
                                                      const SafetensorsFile& weights,
                                                      std::string& error) {
  std::unique_ptr<BertEncoder> e(new BertEncoder());
  e->cfg_ = cfg;
  const SafetensorsFile* file = &weights;
  // Task checkpoints (BertForSequenceClassification...) keep the encoder under "bert.".
  const std::string prefix =
      file->Find("bert.embeddings.word_embeddings.weight") != nullptr ? "bert." : "";
  const auto h = static_cast<int64_t>(e->cfg_.hidden_size);
  const auto inter = static_cast<int64_t>(e->cfg_.intermediate_size);
  bool ok = true;
  // Each tensor must exist with config.json's shape, in a float dtype (widened to F32 here).
  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape,
                       std::vector<float>& into) {
    ok = ok && ReadWeights(*file, prefix + name, shape, into, error);
  };
  get("embeddings.word_embeddings.weight", {e->cfg_.vocab_size, h}, e->word_);
  get("embeddings.position_embeddings.weight", {e->cfg_.max_positions, h}, e->position_);
  get("embeddings.token_type_embeddings.weight", {e->cfg_.type_vocab_size, h}, e->token_type_);
  get("embeddings.LayerNorm.weight", {h}, e->emb_ln_g_);
  get("embeddings.LayerNorm.bias", {h}, e->emb_ln_b_);
  e->layers_.resize(static_cast<size_t>(e->cfg_.num_layers));
  for (int l = 0; l < e->cfg_.num_layers && ok; ++l) {
    Layer& y = e->layers_[static_cast<size_t>(l)];
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    get(p + "attention.self.query.weight", {h, h}, y.q_w);
    get(p + "attention.self.query.bias", {h}, y.q_b);
    get(p + "attention.self.key.weight", {h, h}, y.k_w);
    get(p + "attention.self.key.bias", {h}, y.k_b);
    get(p + "attention.self.value.weight", {h, h}, y.v_w);
    get(p + "attention.self.value.bias", {h}, y.v_b);
    get(p + "attention.output.dense.weight", {h, h}, y.o_w);
    get(p + "attention.output.dense.bias", {h}, y.o_b);
    get(p + "attention.output.LayerNorm.weight", {h}, y.ln1_g);
    get(p + "attention.output.LayerNorm.bias", {h}, y.ln1_b);
    get(p + "intermediate.dense.weight", {inter, h}, y.i_w);
    get(p + "intermediate.dense.bias", {inter}, y.i_b);
    get(p + "output.dense.weight", {h, inter}, y.out_w);
    get(p + "output.dense.bias", {h}, y.out_b);
    get(p + "output.LayerNorm.weight", {h}, y.ln2_g);
    get(p + "output.LayerNorm.bias", {h}, y.ln2_b);
  }
  if (!ok) return nullptr;
  return e;
}

std::vector<float> BertEncoder::Forward(const std::vector<std::vector<int32_t>>& batch,
                                        size_t& seq) const {
  const size_t B = batch.size();
  const auto H = static_cast<size_t>(cfg_.hidden_size);
  const auto I = static_cast<size_t>(cfg_.intermediate_size);
  const auto NH = static_cast<size_t>(cfg_.num_heads);
  const size_t d = H / NH;
  seq = 0;
  for (const auto& ids : batch) seq = std::max(seq, ids.size());
  seq = std::min(seq, static_cast<size_t>(cfg_.max_positions));
  const size_t S = seq;
  const size_t rows = B * S;
  std::vector<float> x(rows * H, 0.0f);
  std::vector<uint8_t> real(rows, 0);  // 1 for real tokens, 0 for padding
  for (size_t b = 0; b < B; ++b) {
    for (size_t s = 0; s < S; ++s) {
      const bool has = s < batch[b].size();
      int32_t id = has ? batch[b][s] : 0;
      if (id < 0 || id >= cfg_.vocab_size) id = 0;  // out-of-vocabulary ids read as padding
      real[b * S + s] = has ? 1 : 0;
      float* row = &x[(b * S + s) * H];
      for (size_t i = 0; i < H; ++i) {
        row[i] = word_[static_cast<size_t>(id) * H + i] + position_[s * H + i] + token_type_[i];
      }
    }
  }
  const float eps = cfg_.layer_norm_eps;
  AddLayerNorm(x.data(), nullptr, rows, H, emb_ln_g_, emb_ln_b_, eps);

  std::vector<float> q(rows * H), k(rows * H), v(rows * H), ctx(rows * H), attn(rows * H);
  std::vector<float> scores(S * S), inter(rows * I);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (const Layer& L : layers_) {
    Linear(x.data(), rows, H, L.q_w, L.q_b, H, q.data());
    Linear(x.data(), rows, H, L.k_w, L.k_b, H, k.data());
    Linear(x.data(), rows, H, L.v_w, L.v_b, H, v.data());
    for (size_t b = 0; b < B; ++b) {
      for (size_t head = 0; head < NH; ++head) {
        const size_t off = b * S * H + head * d;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(S),
                    static_cast<int>(S), static_cast<int>(d), scale, q.data() + off,
                    static_cast<int>(H), k.data() + off, static_cast<int>(H), 0.0f, scores.data(),
                    static_cast<int>(S));
        for (size_t i = 0; i < S; ++i) {  // softmax over the real keys of row i
          float* row = &scores[i * S];
          float max = -std::numeric_limits<float>::infinity();
          for (size_t j = 0; j < S; ++j) {
            if (real[b * S + j]) max = std::max(max, row[j]);
          }
          double sum = 0;
          for (size_t j = 0; j < S; ++j) {
            row[j] = real[b * S + j] ? std::exp(row[j] - max) : 0.0f;
            sum += row[j];
          }
          const auto inv = static_cast<float>(sum > 0 ? 1.0 / sum : 0.0);
          for (size_t j = 0; j < S; ++j) row[j] *= inv;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(S),
                    static_cast<int>(d), static_cast<int>(S), 1.0f, scores.data(),
                    static_cast<int>(S), v.data() + off, static_cast<int>(H), 0.0f,
                    ctx.data() + off, static_cast<int>(H));
      }
    }
    Linear(ctx.data(), rows, H, L.o_w, L.o_b, H, attn.data());
    AddLayerNorm(attn.data(), x.data(), rows, H, L.ln1_g, L.ln1_b, eps);
    Linear(attn.data(), rows, H, L.i_w, L.i_b, I, inter.data());
    for (float& z : inter) z = 0.5f * z * (1.0f + std::erf(z * static_cast<float>(M_SQRT1_2)));
    Linear(inter.data(), rows, I, L.out_w, L.out_b, H, x.data());
    AddLayerNorm(x.data(), attn.data(), rows, H, L.ln2_g, L.ln2_b, eps);
  }
  return x;
}

std::vector<std::vector<float>> BertEncoder::Embed(const std::vector<std::vector<int32_t>>& batch,
                                                   Pooling pooling, bool normalize) const {
  size_t S = 0;
  const std::vector<float> hidden = Forward(batch, S);
  const auto H = static_cast<size_t>(cfg_.hidden_size);
  std::vector<std::vector<float>> out;
  for (size_t b = 0; b < batch.size(); ++b) {
    std::vector<float> e(H, 0.0f);
    const size_t n = std::min(batch[b].size(), S);
    if (pooling == Pooling::kCls || n == 0) {
      std::copy_n(&hidden[b * S * H], H, e.begin());
    } else {
      for (size_t s = 0; s < n; ++s) {
        for (size_t i = 0; i < H; ++i) e[i] += hidden[(b * S + s) * H + i];
      }
      for (float& z : e) z /= static_cast<float>(n);
    }
    if (normalize) {
      double norm = 0;
      for (float z : e) norm += static_cast<double>(z) * z;
      norm = std::sqrt(norm);
      if (norm > 0) {
        for (float& z : e) z = static_cast<float>(z / norm);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace vsr::ml
