#include "ml/bert.h"

#include <algorithm>
#include <cmath>

#include "ml/ops.h"
#include "ml/parallel.h"
#include "ml/pass_scratch.h"
#include "ml/safetensors.h"

namespace vsr::ml {

struct BertEncoder::Layer {
  Weight q_w, k_w, v_w, o_w, i_w, out_w;
  std::vector<float> q_b, k_b, v_b, o_b, ln1_g, ln1_b, i_b, out_b, ln2_g, ln2_b;
};

bool BertConfig::From(const ModelConfig& cfg, BertConfig& out, std::string& error) {
  // BERT checkpoints say model_type "bert" (older ones only name a Bert* architecture);
  // RoBERTa and XLM-R are BERT with positions counted from pad_token_id + 1.
  const bool roberta = cfg.model_type == "roberta" || cfg.model_type == "xlm-roberta";
  if (cfg.model_type.empty() ? !cfg.architecture.starts_with("Bert")
                             : cfg.model_type != "bert" && !roberta) {
    error = cfg.path + ": model_type \"" + cfg.model_type +
            "\" is not supported (bert, roberta and xlm-roberta are)";
    return false;
  }
  if (const std::string act = cfg.String("hidden_act", "gelu"); act != "gelu") {
    error = cfg.path + ": hidden_act \"" + act + "\" is not supported yet (gelu is)";
    return false;
  }
  if (!cfg.EncoderSizes(out.vocab_size, out.hidden_size, out.num_layers, out.num_heads,
                        out.intermediate_size, out.max_positions, error) ||
      !cfg.Int("type_vocab_size", out.type_vocab_size, false, error)) {
    return false;
  }
  out.layer_norm_eps = static_cast<float>(cfg.Number("layer_norm_eps", 1e-12));
  if (roberta) {
    const double pad = cfg.Number("pad_token_id", 1);  // 0 is a valid id: not Int()
    if (pad < 0 || pad > 1e6) {
      error = cfg.path + ": pad_token_id must be a token id";
      return false;
    }
    out.position_offset = static_cast<int>(pad) + 1;
    out.weight_prefix = "roberta.";
    if (out.max_positions <= out.position_offset) {
      error = cfg.path + ": max_position_embeddings leaves no room after pad_token_id + 1";
      return false;
    }
  }
  return true;
}

BertEncoder::~BertEncoder() = default;

std::unique_ptr<BertEncoder> BertEncoder::Load(const std::string& dir, std::string& error) {
  ModelConfig cfg;
  if (!ModelConfig::Load(dir + "/config.json", cfg, error)) return nullptr;
  auto file = SafetensorsFile::Open(dir + "/model.safetensors", error);
  if (!file) return nullptr;
  return FromWeights(cfg, *file, error);
}

std::unique_ptr<BertEncoder> BertEncoder::FromWeights(const ModelConfig& cfg,
                                                      const SafetensorsFile& weights,
                                                      std::string& error) {
  std::unique_ptr<BertEncoder> e(new BertEncoder());
  if (!BertConfig::From(cfg, e->cfg_, error)) return nullptr;
  const SafetensorsFile* file = &weights;
  // Task checkpoints (BertForSequenceClassification...) keep the encoder under "bert."
  // ("roberta." for RoBERTa and XLM-R).
  const std::string& task_prefix = e->cfg_.weight_prefix;
  const std::string prefix =
      file->Find(task_prefix + "embeddings.word_embeddings.weight") != nullptr ? task_prefix : "";
  const auto h = static_cast<int64_t>(e->cfg_.hidden_size);
  const auto inter = static_cast<int64_t>(e->cfg_.intermediate_size);
  bool ok = true;
  // Each tensor must exist with config.json's shape, in a float dtype (widened to F32 here).
  const auto get = [&](const std::string& name, const std::vector<int64_t>& shape,
                       auto& into) {  // std::vector<float>, or a Weight for Linear
    ok = ok && ReadWeights(*file, prefix + name, shape, into, error);
  };
  ok = EmbeddingTable::Open(*file, prefix + "embeddings.word_embeddings.weight",
                            {e->cfg_.vocab_size, h}, e->word_, error);
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
  const auto offset = static_cast<size_t>(cfg_.position_offset);
  const PassScope running;
  const PaddedBatch p =
      PadBatch(batch, static_cast<size_t>(cfg_.max_positions) - offset, cfg_.vocab_size);
  seq = p.seq;
  const size_t S = seq;
  const size_t rows = B * S;
  const std::vector<uint8_t>& real = p.real;
  std::vector<float> x(rows * H);
  word_.Gather(p.ids.data(), rows, x.data());
  for (size_t r = 0; r < rows; ++r) {
    const float* position = &position_[(r % S + offset) * H];
    for (size_t i = 0; i < H; ++i) x[r * H + i] = x[r * H + i] + position[i] + token_type_[i];
  }
  const float eps = cfg_.layer_norm_eps;
  LayerNorm(x.data(), nullptr, rows, H, emb_ln_g_, emb_ln_b_, eps);

  const PassScratch scratch({rows * H, rows * H, rows * H, rows * H, rows * H, rows * I});
  float *q = scratch[0], *k = scratch[1], *v = scratch[2], *ctx = scratch[3], *attn = scratch[4];
  float* inter = scratch[5];
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (const Layer& L : layers_) {
    Linear(x.data(), rows, H, L.q_w, L.q_b, H, q);
    Linear(x.data(), rows, H, L.k_w, L.k_b, H, k);
    Linear(x.data(), rows, H, L.v_w, L.v_b, H, v);
    ForEachHead(B, NH, S, [&](size_t b, size_t head, float* scores) {
      const size_t off = b * S * H + head * d;
      AttendHead(q + off, k + off, v + off, H, S, d, scale, scores, ctx + off, H, 0, &real[b * S]);
    });
    Linear(ctx, rows, H, L.o_w, L.o_b, H, attn);
    LayerNorm(attn, x.data(), rows, H, L.ln1_g, L.ln1_b, eps);
    Linear(attn, rows, H, L.i_w, L.i_b, I, inter);
    // Split from 8 rows up: a 16-token pass's GELU (and LayerNorm, ops.cpp) ran on one core
    // while the helper that had just shared the product spun idle (-7% a 16-token pass).
    ParallelFor(rows, 4, [&](size_t begin, size_t end) {
      Activate(&inter[begin * I], (end - begin) * I, Activation::kGeluExact);
    });
    Linear(inter, rows, I, L.out_w, L.out_b, H, x.data());
    LayerNorm(x.data(), attn, rows, H, L.ln2_g, L.ln2_b, eps);
  }
  return x;
}

}  // namespace vsr::ml
