#include "ml/batched_classifier.h"

#include <future>

namespace vsr::ml {

BatchedClassifier::BatchedClassifier(std::shared_ptr<const SequenceClassifier> model,
                                     size_t threads, size_t max_batch)
    : model_(std::move(model)),
      batcher_(std::make_unique<TextBatcher>(
          [m = model_.get()](const std::vector<std::string>& texts) {
            return m->ClassifyBatch(texts);
          },
          threads, max_batch)) {}

std::vector<float> BatchedClassifier::Classify(std::string_view text) const {
  auto done = std::make_shared<std::promise<std::vector<float>>>();
  std::future<std::vector<float>> result = done->get_future();
  batcher_->Submit(std::string(text), [done](std::vector<float> probabilities) {
    done->set_value(std::move(probabilities));
  });
  return result.get();
}

}  // namespace vsr::ml
