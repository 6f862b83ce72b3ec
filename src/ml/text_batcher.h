// Dynamic micro-batching of model calls on texts (embeddings, classifier probabilities): texts
// submitted while the model threads are busy go through one padded forward pass together (up
// to max_batch), which reads the weights once for all of them — a short text is bound by
// reading the weights, so eight at once cost about as much as five alone. An idle batcher adds
// no wait: a lone text goes at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vsr::ml {

class TextBatcher {
 public:
  using BatchEmbed =
      std::function<std::vector<std::vector<float>>(const std::vector<std::string>&)>;
  using Done = std::function<void(std::vector<float>)>;

  TextBatcher(BatchEmbed embed, size_t threads, size_t max_batch);
  ~TextBatcher();  // embeds what is queued, then stops
  TextBatcher(const TextBatcher&) = delete;
  TextBatcher& operator=(const TextBatcher&) = delete;

  // `done` runs on a model thread with the embedding of `text`.
  void Submit(std::string text, Done done);

  uint64_t batches() const;
  uint64_t items() const;

 private:
  struct Job {
    std::string text;
    Done done;
  };
  void Run();

  BatchEmbed embed_;
  size_t max_batch_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  uint64_t batches_ = 0, items_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace vsr::ml
