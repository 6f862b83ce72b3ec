#include "ml/encoder.h"

#include <algorithm>
#include <cmath>

#include "ml/bert.h"
#include "ml/modernbert.h"
#include "ml/use_lite.h"

namespace vsr::ml {

PaddedBatch PadBatch(const std::vector<std::vector<int32_t>>& batch, size_t max_positions,
                     int vocab_size) {
  PaddedBatch p;
  p.batch = batch.size();
  for (const auto& ids : batch) p.seq = std::max(p.seq, ids.size());
  p.seq = std::min(p.seq, max_positions);
  p.ids.assign(p.batch * p.seq, 0);
  p.real.assign(p.batch * p.seq, 0);
  for (size_t b = 0; b < p.batch; ++b) {
    for (size_t s = 0; s < p.seq && s < batch[b].size(); ++s) {
      const int32_t id = batch[b][s];
      p.ids[b * p.seq + s] = id >= 0 && id < vocab_size ? id : 0;
      p.real[b * p.seq + s] = 1;
    }
  }
  return p;
}

std::vector<std::vector<float>> Pool(const std::vector<float>& hidden, size_t seq, size_t h,
                                     const std::vector<size_t>& lengths, Pooling pooling) {
  std::vector<std::vector<float>> out;
  out.reserve(lengths.size());
  for (size_t b = 0; b < lengths.size(); ++b) {
    std::vector<float> e(h, 0.0f);
    const size_t n = std::min(lengths[b], seq);
    if (n == 0) {
      // No token to pool (an empty text, with a model that adds no special tokens): zeros.
    } else if (pooling == Pooling::kCls) {
      std::copy_n(&hidden[b * seq * h], h, e.begin());
    } else {
      for (size_t s = 0; s < n; ++s) {
        for (size_t i = 0; i < h; ++i) e[i] += hidden[(b * seq + s) * h + i];
      }
      for (float& z : e) z /= static_cast<float>(n);
    }
    out.push_back(std::move(e));
  }
  return out;
}

void Normalize(std::vector<float>& v) {
  double norm = 0;
  for (float z : v) norm += static_cast<double>(z) * z;
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float& z : v) z = static_cast<float>(z / norm);
  }
}

std::vector<std::vector<float>> Encoder::Embed(const std::vector<std::vector<int32_t>>& batch,
                                               Pooling pooling, bool normalize) const {
  size_t seq = 0;
  const std::vector<float> hidden = Forward(batch, seq);
  std::vector<size_t> lengths;
  for (const auto& ids : batch) lengths.push_back(ids.size());
  std::vector<std::vector<float>> pooled = Pool(hidden, seq, hidden_size(), lengths, pooling);
  for (std::vector<float>& e : pooled) {
    AfterPooling(e);
    if (normalize) Normalize(e);
  }
  return pooled;
}

std::unique_ptr<Encoder> LoadEncoder(const ModelConfig& cfg, const SafetensorsFile& weights,
                                     std::string& error) {
  if (cfg.model_type == "modernbert") return ModernBertEncoder::FromWeights(cfg, weights, error);
  if (cfg.model_type == "use_lite") return UseLiteEncoder::FromWeights(cfg, weights, error);
  if (cfg.model_type == "bert" || cfg.model_type == "roberta" || cfg.model_type == "xlm-roberta" ||
      (cfg.model_type.empty() && cfg.architecture.starts_with("Bert"))) {
    return BertEncoder::FromWeights(cfg, weights, error);
  }
  error = cfg.path + ": model_type \"" + cfg.model_type +
          "\" is not supported (bert, roberta, xlm-roberta, modernbert and use_lite are)";
  return nullptr;
}

}  // namespace vsr::ml
