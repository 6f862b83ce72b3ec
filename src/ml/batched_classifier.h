// A sequence classifier whose concurrent callers share forward passes: requests that arrive
// while the model is busy are classified together (TextBatcher, up to 8 per pass), so under load
// a classifier reads its weights once per batch instead of once per request. Classify blocks the
// calling thread (a router signal worker) until its row of the batch is ready.
#pragma once

#include <memory>

#include "ml/models.h"
#include "ml/text_batcher.h"

namespace vsr::ml {

class BatchedClassifier final : public SequenceClassifier {
 public:
  BatchedClassifier(std::shared_ptr<const SequenceClassifier> model, size_t threads,
                    size_t max_batch = 8);
  std::vector<float> Classify(std::string_view text) const override;
  const std::vector<std::string>& labels() const override { return model_->labels(); }
  const TextBatcher& batcher() const { return *batcher_; }

 private:
  std::shared_ptr<const SequenceClassifier> model_;
  std::unique_ptr<TextBatcher> batcher_;  // after model_: stopped before it goes
};

}  // namespace vsr::ml
