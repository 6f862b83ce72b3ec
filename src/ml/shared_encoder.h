// One backbone pass for many heads. Task checkpoints fine-tuned from one base with the base
// frozen (heads only, or upstream's multi-task layout: a frozen encoder, per-task layers after
// pooling) carry byte-identical encoder weights. Such folders share one loaded encoder (one
// copy of the weights in memory) and, when their classifiers read the same text — a routed
// request's jailbreak, domain and PII signals do —, one forward pass: the first caller runs it,
// callers with the same input that arrive meanwhile wait for it, and callers shortly after
// (the signals of one request do not all start at once on two cores) take the kept result.
// Every head then runs on the shared hidden states.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ml/encoder.h"

namespace vsr::ml {

class SafetensorsFile;
struct ModelConfig;

// What makes two task folders' encoders compute the same function: config.json without the
// keys only heads read (architectures, labels, classifier_*, ...) and every tensor that is not
// the head's (name, dtype, shape and bytes), hashed to 128 bits; and whether the encoder is
// loaded for bfloat16 products.
std::string BackboneFingerprint(const ModelConfig& cfg, const SafetensorsFile& weights);

// True for tensors that belong to a task head, not the encoder (classifier.*, head.*, poolers).
bool IsHeadTensor(const std::string& name);

// An encoder whose identical concurrent or recent inputs are computed once.
class SharedEncoder final : public Encoder {
 public:
  struct Limits {
    size_t kept_bytes = 16u << 20;  // results kept for later callers, at most
    std::chrono::milliseconds keep_for{10000};
  };
  explicit SharedEncoder(std::unique_ptr<Encoder> inner);
  SharedEncoder(std::unique_ptr<Encoder> inner, Limits limits);

  std::vector<float> Forward(const std::vector<std::vector<int32_t>>& batch,
                             size_t& seq) const override;
  size_t hidden_size() const override { return inner_->hidden_size(); }
  size_t max_positions() const override { return inner_->max_positions(); }
  uint64_t passes() const;  // forward passes run so far (the rest were shared)

 private:
  // A pass's outcome; callers waiting for it hold it, so evicting the pass loses them nothing.
  struct Result {
    std::vector<float> hidden;
    size_t seq = 0;
    bool ready = false, failed = false;
  };
  struct Pass {
    std::vector<std::vector<int32_t>> input;
    bool bf16 = false;  // run with bfloat16 products
    std::shared_ptr<Result> result;
    size_t bytes = 0;  // counted once ready
    std::chrono::steady_clock::time_point done;
  };
  void EvictLocked(std::chrono::steady_clock::time_point now) const;

  std::unique_ptr<Encoder> inner_;
  Limits limits_;
  mutable std::mutex mu_;
  mutable std::condition_variable finished_;
  mutable std::list<Pass> passes_;  // running and kept, newest first
  mutable size_t kept_bytes_ = 0;
  mutable uint64_t runs_ = 0;
};

// The process's shared encoders by fingerprint: the loaded one when a live classifier already
// uses this backbone, else `load()`'s (null with its error), remembered while anyone uses it.
std::shared_ptr<const Encoder> SharedBackbone(
    const std::string& fingerprint, const std::function<std::unique_ptr<Encoder>()>& load);

}  // namespace vsr::ml
