#include "ml/shared_encoder.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "ml/model_config.h"
#include "ml/safetensors.h"
#include "ml/weight.h"

namespace vsr::ml {
namespace {

// Two independent 64-bit lanes over 8-byte words: fast enough to read a model's weights at
// load (GB/s), wide enough that different backbones do not collide.
class Hash128 {
 public:
  void Add(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      Mix(w);
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p + i, n - i);
    Mix(tail ^ (static_cast<uint64_t>(n) << 56));
  }
  void Add(std::string_view s) { Add(s.data(), s.size()); }
  std::string Hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint64_t v : {Final(a_), Final(b_)}) {
      for (int shift = 60; shift >= 0; shift -= 4) out += kDigits[(v >> shift) & 15];
    }
    return out;
  }

 private:
  static uint64_t Rotl(uint64_t v, int r) { return (v << r) | (v >> (64 - r)); }
  void Mix(uint64_t w) {
    a_ = Rotl(a_ ^ (w * 0x9E3779B97F4A7C15ull), 31) * 0xBF58476D1CE4E5B9ull;
    b_ = Rotl(b_ + (w * 0xC2B2AE3D27D4EB4Full), 29) * 0x94D049BB133111EBull;
  }
  static uint64_t Final(uint64_t v) {
    v ^= v >> 33;
    v *= 0xFF51AFD7ED558CCDull;
    v ^= v >> 33;
    return v;
  }
  uint64_t a_ = 0x243F6A8885A308D3ull, b_ = 0x13198A2E03707344ull;
};

bool IsHeadConfigKey(std::string_view key) {
  static constexpr std::string_view kHeadKeys[] = {
      "architectures", "id2label",        "label2id",      "num_labels",
      "problem_type",  "finetuning_task", "_name_or_path", "transformers_version",
      "torch_dtype"};
  return key.starts_with("classifier_") ||
         std::find(std::begin(kHeadKeys), std::end(kHeadKeys), key) != std::end(kHeadKeys);
}

}  // namespace

bool IsHeadTensor(const std::string& name) {
  return name.starts_with("classifier.") || name.starts_with("head.") ||
         name.find("pooler.") != std::string::npos;
}

std::string BackboneFingerprint(const ModelConfig& cfg, const SafetensorsFile& weights) {
  Hash128 hash;
  std::map<std::string_view, const boost::json::value*> keys;  // sorted: key order is free
  for (const auto& [key, value] : cfg.json) {
    if (!IsHeadConfigKey(key)) keys.emplace(key, &value);
  }
  for (const auto& [key, value] : keys) {
    hash.Add(key);
    hash.Add(boost::json::serialize(*value));
  }
  for (const auto& [name, tensor] : weights.tensors()) {  // sorted by name
    if (IsHeadTensor(name)) continue;
    hash.Add(name);
    hash.Add(DTypeName(tensor.dtype));
    hash.Add(tensor.shape.data(), tensor.shape.size() * sizeof(int64_t));
    hash.Add(tensor.data, tensor.bytes);
  }
  // Models loaded with bfloat16 products keep bf16 copies of their weights, with int8 weights
  // int8 ones: another encoder.
  return hash.Hex() + (Int8Weights() ? "-int8" : Bf16Products() ? "-bf16" : "");
}

SharedEncoder::SharedEncoder(std::unique_ptr<Encoder> inner)
    : SharedEncoder(std::move(inner), Limits{}) {}

SharedEncoder::SharedEncoder(std::unique_ptr<Encoder> inner, Limits limits)
    : inner_(std::move(inner)), limits_(limits) {}

uint64_t SharedEncoder::passes() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void SharedEncoder::EvictLocked(std::chrono::steady_clock::time_point now) const {
  for (auto it = passes_.begin(); it != passes_.end();) {
    const bool expired = it->result->ready && now - it->done > limits_.keep_for;
    if (expired) kept_bytes_ -= it->bytes;
    it = expired ? passes_.erase(it) : std::next(it);
  }
  for (auto it = passes_.end(); kept_bytes_ > limits_.kept_bytes && it != passes_.begin();) {
    --it;  // oldest first
    if (!it->result->ready) continue;
    kept_bytes_ -= it->bytes;
    it = passes_.erase(it);
  }
}

std::vector<float> SharedEncoder::Forward(const std::vector<std::vector<int32_t>>& batch,
                                          size_t& seq) const {
  const bool bf16 = Bf16Products();  // the products a pass runs (a process-wide switch)
  std::unique_lock lock(mu_);
  EvictLocked(std::chrono::steady_clock::now());
  const auto same =
      std::find_if(passes_.begin(), passes_.end(), [&](const Pass& p) { return p.input == batch; });
  if (same != passes_.end()) {
    const std::shared_ptr<Result> result = same->result;
    finished_.wait(lock, [&] { return result->ready || result->failed; });
    if (result->ready) {
      seq = result->seq;
      return result->hidden;
    }
    // The pass it waited for failed: run its own below.
  }
  passes_.push_front(Pass{batch, bf16, std::make_shared<Result>(), 0, {}});
  const auto mine = passes_.begin();
  const std::shared_ptr<Result> result = mine->result;
  ++runs_;
  lock.unlock();
  std::vector<float> hidden;
  size_t s = 0;
  try {
    hidden = inner_->Forward(batch, s);
  } catch (...) {
    lock.lock();
    result->failed = true;
    passes_.erase(mine);
    finished_.notify_all();
    throw;
  }
  lock.lock();
  result->hidden = std::move(hidden);
  result->seq = s;
  result->ready = true;
  mine->done = std::chrono::steady_clock::now();
  mine->bytes = result->hidden.size() * sizeof(float);
  for (const auto& ids : batch) mine->bytes += ids.size() * sizeof(int32_t);
  kept_bytes_ += mine->bytes;
  finished_.notify_all();
  seq = s;
  std::vector<float> out = result->hidden;
  EvictLocked(mine->done);  // may drop this pass too: `result` is ours
  return out;
}

std::shared_ptr<const Encoder> SharedBackbone(
    const std::string& fingerprint, const std::function<std::unique_ptr<Encoder>()>& load) {
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const Encoder>> loaded;
  // Held while loading: two classifiers on one backbone loading at once load it once.
  std::lock_guard lock(mu);
  for (auto it = loaded.begin(); it != loaded.end();) {
    it = it->second.expired() ? loaded.erase(it) : std::next(it);
  }
  if (auto it = loaded.find(fingerprint); it != loaded.end()) {
    if (auto alive = it->second.lock()) return alive;
  }
  std::unique_ptr<Encoder> encoder = load();
  if (!encoder) return nullptr;
  auto shared = std::make_shared<const SharedEncoder>(std::move(encoder));
  loaded[fingerprint] = shared;
  return shared;
}

}  // namespace vsr::ml
