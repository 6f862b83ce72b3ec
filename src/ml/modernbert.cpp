#include "ml/modernbert.h"

#include <algorithm>
#include <cmath>

#include "ml/parallel.h"
#include "ml/pass_scratch.h"
#include "ml/safetensors.h"

namespace vsr::ml {

struct ModernBertEncoder::Layer {
  Weight qkv_w, o_w, wi_w, wo_w;
  std::vector<float> attn_norm_g, attn_norm_b, qkv_b, o_b, mlp_norm_g, mlp_norm_b, wi_b, wo_b;
};

bool ParseGelu(const std::string& name, Activation& out) {
  if (name == "gelu") {
    out = Activation::kGeluExact;
    return true;
  }
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") {
    out = Activation::kGeluTanh;
    return true;
  }
  return false;
}

bool ModernBertConfig::From(const ModelConfig& cfg, ModernBertConfig& out, std::string& error) {
  if (cfg.model_type != "modernbert") {
    error = cfg.path + ": model_type \"" + cfg.model_type + "\" is not modernbert";
    return false;
  }
  if (!cfg.EncoderSizes(out.vocab_size, out.hidden_size, out.num_layers, out.num_heads,
                        out.intermediate_size, out.max_positions, error) ||
      !cfg.Int("local_attention", out.local_attention, false, error) ||
      !cfg.Int("global_attn_every_n_layers", out.global_every, false, error)) {
    return false;
  }
  if ((out.hidden_size / out.num_heads) % 2 != 0) {
    error = cfg.path +
            ": the head size (hidden_size / num_attention_heads) must be even for "
            "rotary positions";
    return false;
  }
  const std::string act = cfg.String("hidden_activation", "gelu");
  if (!ParseGelu(act, out.activation)) {
    error = cfg.path + ": hidden_activation \"" + act + "\" is not supported (gelu variants are)";
    return false;
  }
  out.global_theta = cfg.Number("global_rope_theta", 160000);
  out.local_theta = cfg.Number("local_rope_theta", 10000);
  out.norm_eps = static_cast<float>(cfg.Number("norm_eps", 1e-5));
  out.norm_bias = cfg.Bool("norm_bias", false);
  out.attention_bias = cfg.Bool("attention_bias", false);
  out.mlp_bias = cfg.Bool("mlp_bias", false);
  return true;
}

ModernBertEncoder::~ModernBertEncoder() = default;

std::unique_ptr<ModernBertEncoder> ModernBertEncoder::FromWeights(const ModelConfig& cfg,
                                                                  const SafetensorsFile& weights,
                                                                  std::string& error) {
  std::unique_ptr<ModernBertEncoder> e(new ModernBertEncoder());
  ModernBertConfig& c = e->cfg_;
  if (!ModernBertConfig::From(cfg, c, error)) return nullptr;
  // Task checkpoints (ModernBertFor...) keep the encoder under "model.".
  const std::string prefix =
      weights.Find("model.embeddings.tok_embeddings.weight") != nullptr ? "model." : "";
  const auto h = static_cast<int64_t>(c.hidden_size);
  const auto inter = static_cast<int64_t>(c.intermediate_size);
  bool ok = true;
  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape,
                       auto& into) {  // std::vector<float>, or a Weight for Linear
    ok = ok && ReadWeights(weights, prefix + name, shape, into, error);
  };
  // Optional parts (biases, norm biases) exist exactly when config.json says so.
  const auto get_if = [&](bool present, const std::string& name, const std::vector<int64_t>& shape,
                          std::vector<float>& into) {
    if (present) get(name, shape, into);
  };
  ok = EmbeddingTable::Open(weights, prefix + "embeddings.tok_embeddings.weight", {c.vocab_size, h},
                            e->embeddings_, error);
  get("embeddings.norm.weight", {h}, e->emb_norm_g_);
  get_if(c.norm_bias, "embeddings.norm.bias", {h}, e->emb_norm_b_);
  e->layers_.resize(static_cast<size_t>(c.num_layers));
  for (int l = 0; l < c.num_layers && ok; ++l) {
    Layer& y = e->layers_[static_cast<size_t>(l)];
    const std::string p = "layers." + std::to_string(l) + ".";
    if (l > 0) {  // the first layer reads the normalized embeddings directly
      get(p + "attn_norm.weight", {h}, y.attn_norm_g);
      get_if(c.norm_bias, p + "attn_norm.bias", {h}, y.attn_norm_b);
    }
    get(p + "attn.Wqkv.weight", {3 * h, h}, y.qkv_w);
    get_if(c.attention_bias, p + "attn.Wqkv.bias", {3 * h}, y.qkv_b);
    get(p + "attn.Wo.weight", {h, h}, y.o_w);
    get_if(c.attention_bias, p + "attn.Wo.bias", {h}, y.o_b);
    get(p + "mlp_norm.weight", {h}, y.mlp_norm_g);
    get_if(c.norm_bias, p + "mlp_norm.bias", {h}, y.mlp_norm_b);
    get(p + "mlp.Wi.weight", {2 * inter, h}, y.wi_w);
    get_if(c.mlp_bias, p + "mlp.Wi.bias", {2 * inter}, y.wi_b);
    get(p + "mlp.Wo.weight", {h, inter}, y.wo_w);
    get_if(c.mlp_bias, p + "mlp.Wo.bias", {h}, y.wo_b);
  }
  get("final_norm.weight", {h}, e->final_norm_g_);
  get_if(c.norm_bias, "final_norm.bias", {h}, e->final_norm_b_);
  if (!ok) return nullptr;
  const size_t d = static_cast<size_t>(c.hidden_size / c.num_heads);
  e->global_freq_ = RotaryFrequencies(d, c.global_theta);
  e->local_freq_ = RotaryFrequencies(d, c.local_theta);
  return e;
}

std::vector<float> ModernBertEncoder::Forward(const std::vector<std::vector<int32_t>>& batch,
                                              size_t& seq) const {
  const size_t B = batch.size();
  const auto H = static_cast<size_t>(cfg_.hidden_size);
  const auto I = static_cast<size_t>(cfg_.intermediate_size);
  const auto NH = static_cast<size_t>(cfg_.num_heads);
  const size_t d = H / NH;
  const PassScope running;
  const PaddedBatch p = PadBatch(batch, static_cast<size_t>(cfg_.max_positions), cfg_.vocab_size);
  seq = p.seq;
  const size_t S = seq;
  const size_t rows = B * S;
  const std::vector<uint8_t>& real = p.real;
  std::vector<float> x(rows * H);
  embeddings_.Gather(p.ids.data(), rows, x.data());
  const float eps = cfg_.norm_eps;
  LayerNorm(x.data(), nullptr, rows, H, emb_norm_g_, emb_norm_b_, eps);

  const PassScratch scratch({rows * H, rows * 3 * H, rows * H, rows * H, rows * 2 * I, rows * I});
  float *h = scratch[0], *qkv = scratch[1], *ctx = scratch[2], *out = scratch[3];
  float *inter = scratch[4], *gated = scratch[5];
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  const size_t half_window = static_cast<size_t>(cfg_.local_attention / 2);
  const RotaryTable global_rotary(S, global_freq_), local_rotary(S, local_freq_);
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    const bool global = l % static_cast<size_t>(cfg_.global_every) == 0;
    std::copy(x.begin(), x.end(), h);
    if (l > 0) LayerNorm(h, nullptr, rows, H, L.attn_norm_g, L.attn_norm_b, eps);
    Linear(h, rows, H, L.qkv_w, L.qkv_b, 3 * H, qkv);
    const RotaryTable& rotary = global ? global_rotary : local_rotary;
    ParallelFor(rows, 64, [&](size_t begin, size_t end) {
      for (size_t r = begin; r < end; ++r) {  // rotary positions on queries and keys
        for (size_t head = 0; head < NH; ++head) {
          Rotate(&qkv[r * 3 * H + head * d], rotary, r % S);
          Rotate(&qkv[r * 3 * H + H + head * d], rotary, r % S);
        }
      }
    });
    ForEachHead(B, NH, S, [&](size_t b, size_t head, float* scores) {
      const float* q = &qkv[b * S * 3 * H + head * d];  // fused rows: q, k, v side by side
      AttendHead(q, q + H, q + 2 * H, 3 * H, S, d, scale, scores, &ctx[b * S * H + head * d], H,
                 global ? 0 : half_window, &real[b * S]);
    });
    Linear(ctx, rows, H, L.o_w, L.o_b, H, out);
    for (size_t i = 0; i < rows * H; ++i) x[i] += out[i];
    std::copy(x.begin(), x.end(), h);
    LayerNorm(h, nullptr, rows, H, L.mlp_norm_g, L.mlp_norm_b, eps);
    Linear(h, rows, H, L.wi_w, L.wi_b, 2 * I, inter);
    ParallelFor(rows, 4, [&](size_t begin, size_t end) {  // split as BERT's GELU (bert.cpp)
      for (size_t r = begin; r < end; ++r) {              // GeGLU: act(input half) * gate half
        float* in = &inter[r * 2 * I];
        Activate(in, I, cfg_.activation);
        for (size_t i = 0; i < I; ++i) gated[r * I + i] = in[i] * in[I + i];
      }
    });
    Linear(gated, rows, I, L.wo_w, L.wo_b, H, out);
    for (size_t i = 0; i < rows * H; ++i) x[i] += out[i];
  }
  LayerNorm(x.data(), nullptr, rows, H, final_norm_g_, final_norm_b_, eps);
  return x;
}

}  // namespace vsr::ml
