#include "ml/use_lite.h"

#include <algorithm>
#include <cmath>

#include "ml/ops.h"
#include "ml/parallel.h"
#include "ml/pass_scratch.h"
#include "ml/safetensors.h"

namespace vsr::ml {

struct UseLiteEncoder::Layer {
  size_t in = 0;  // the stream's width coming in (the first layer widens it to hidden)
  Weight qkv, output, residual, ffn_in, ffn_out;  // residual: only where the width changes
  std::vector<float> qkv_b, output_b, residual_b, ffn_in_b, ffn_out_b;
  std::vector<float> attention_norm_g, attention_norm_b, ffn_norm_g, ffn_norm_b;
};

UseLiteEncoder::UseLiteEncoder() = default;
UseLiteEncoder::~UseLiteEncoder() = default;

std::unique_ptr<UseLiteEncoder> UseLiteEncoder::FromWeights(const ModelConfig& cfg,
                                                            const SafetensorsFile& file,
                                                            std::string& error) {
  std::unique_ptr<UseLiteEncoder> e(new UseLiteEncoder());
  int width = 0, hidden = 0, layers = 0, heads = 0, intermediate = 0, positions = 128;
  if (!cfg.Int("vocab_size", e->vocab_, true, error) ||
      !cfg.Int("embedding_size", width, true, error) ||
      !cfg.Int("hidden_size", hidden, true, error) ||
      !cfg.Int("num_hidden_layers", layers, true, error) ||
      !cfg.Int("num_attention_heads", heads, true, error) ||
      !cfg.Int("intermediate_size", intermediate, true, error) ||
      !cfg.Int("max_position_embeddings", positions, false, error)) {
    return nullptr;
  }
  if (width % 2 != 0 || width % heads != 0 || hidden % heads != 0 || layers < 1) {
    error = cfg.path +
            ": embedding_size must be even and, like hidden_size, a multiple of "
            "num_attention_heads, with at least one layer";
    return nullptr;
  }
  e->width_ = static_cast<size_t>(width);
  e->hidden_ = static_cast<size_t>(hidden);
  e->heads_ = static_cast<size_t>(heads);
  e->intermediate_ = static_cast<size_t>(intermediate);
  e->max_positions_ = static_cast<size_t>(positions);
  e->eps_ = static_cast<float>(cfg.Number("layer_norm_eps", 1e-6));
  bool ok =
      EmbeddingTable::Open(file, "embeddings.weight", {e->vocab_, width}, e->embeddings_, error);
  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape, auto& into) {
    ok = ok && ReadWeights(file, name, shape, into, error);
  };
  get("timing.inv_timescales", {width / 2}, e->inv_timescales_);
  const int64_t h = hidden, inter = intermediate;
  e->layers_.resize(static_cast<size_t>(layers));
  for (int l = 0; l < layers && ok; ++l) {
    Layer& y = e->layers_[static_cast<size_t>(l)];
    const int64_t in = l == 0 ? width : hidden;
    y.in = static_cast<size_t>(in);
    const std::string p = "layers." + std::to_string(l) + ".";
    get(p + "attention_norm.weight", {in}, y.attention_norm_g);
    get(p + "attention_norm.bias", {in}, y.attention_norm_b);
    get(p + "qkv.weight", {3 * in, in}, y.qkv);
    get(p + "qkv.bias", {3 * in}, y.qkv_b);
    get(p + "output.weight", {h, in}, y.output);
    get(p + "output.bias", {h}, y.output_b);
    if (in != h) {
      get(p + "residual.weight", {h, in}, y.residual);
      get(p + "residual.bias", {h}, y.residual_b);
    }
    get(p + "ffn_norm.weight", {h}, y.ffn_norm_g);
    get(p + "ffn_norm.bias", {h}, y.ffn_norm_b);
    get(p + "ffn_in.weight", {inter, h}, y.ffn_in);
    get(p + "ffn_in.bias", {inter}, y.ffn_in_b);
    get(p + "ffn_out.weight", {h, inter}, y.ffn_out);
    get(p + "ffn_out.bias", {h}, y.ffn_out_b);
  }
  get("pooler.weight", {h, h}, e->pooler_);
  get("pooler.bias", {h}, e->pooler_b_);
  if (!ok) return nullptr;
  return e;
}

std::vector<float> UseLiteEncoder::Forward(const std::vector<std::vector<int32_t>>& batch,
                                           size_t& seq) const {
  const PassScope running;
  const PaddedBatch p = PadBatch(batch, max_positions_, vocab_);
  seq = p.seq;
  if (seq == 0) return {};  // only empty texts (no special tokens here): nothing to run
  const size_t S = seq, rows = batch.size() * S, W = width_, H = hidden_, I = intermediate_;
  // The stream: `width_` wide before the first layer, `hidden_` after it.
  std::vector<float> x(rows * std::max(W, H));
  embeddings_.Gather(p.ids.data(), rows, x.data());
  const size_t half = W / 2;
  for (size_t r = 0; r < rows; ++r) {
    const auto position = static_cast<float>(r % S);
    float* row = &x[r * W];
    for (size_t i = 0; i < half; ++i) {
      const float angle = position * inv_timescales_[i];
      row[i] = 2 * row[i] + std::sin(angle);
      row[half + i] = 2 * row[half + i] + std::cos(angle);
    }
  }
  const size_t widest = std::max(W, H);
  const PassScratch scratch({rows * widest, rows * 3 * widest, rows * widest, rows * H, rows * I});
  float *normed = scratch[0], *qkv = scratch[1], *ctx = scratch[2], *next = scratch[3],
        *inter = scratch[4];
  for (const Layer& L : layers_) {
    const size_t in = L.in, d = in / heads_;
    std::copy_n(x.data(), rows * in, normed);
    LayerNorm(normed, nullptr, rows, in, L.attention_norm_g, L.attention_norm_b, eps_);
    Linear(normed, rows, in, L.qkv, L.qkv_b, 3 * in, qkv);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    ForEachHead(batch.size(), heads_, S, [&](size_t b, size_t head, float* scores) {
      const float* q = qkv + b * S * 3 * in + head * d;
      AttendHead(q, q + in, q + 2 * in, 3 * in, S, d, scale, scores, ctx + b * S * in + head * d,
                 in, 0, &p.real[b * S]);
    });
    Linear(ctx, rows, in, L.output, L.output_b, H, next);
    if (in != H) {  // the residual is widened too: x <- attention + dense(x)
      Linear(x.data(), rows, in, L.residual, L.residual_b, H, normed);
      for (size_t i = 0; i < rows * H; ++i) x[i] = next[i] + normed[i];
    } else {
      for (size_t i = 0; i < rows * H; ++i) x[i] += next[i];
    }
    std::copy_n(x.data(), rows * H, normed);
    LayerNorm(normed, nullptr, rows, H, L.ffn_norm_g, L.ffn_norm_b, eps_);
    Linear(normed, rows, H, L.ffn_in, L.ffn_in_b, I, inter);
    Activate(inter, rows * I, Activation::kRelu);
    Linear(inter, rows, I, L.ffn_out, L.ffn_out_b, H, next);
    for (size_t i = 0; i < rows * H; ++i) x[i] += next[i];
  }
  x.resize(rows * H);
  return x;
}

void UseLiteEncoder::AfterPooling(std::vector<float>& pooled) const {
  std::vector<float> out(hidden_);
  Linear(pooled.data(), 1, hidden_, pooler_, pooler_b_, hidden_, out.data());
  Activate(out.data(), out.size(), Activation::kTanh);
  pooled.swap(out);
}

}  // namespace vsr::ml
