#include "ml/text_batcher.h"

#include <algorithm>
#include <exception>

namespace vsr::ml {

TextBatcher::TextBatcher(BatchEmbed embed, size_t threads, size_t max_batch)
    : embed_(std::move(embed)), max_batch_(std::max<size_t>(1, max_batch)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i)
    threads_.emplace_back([this] { Run(); });
}

TextBatcher::~TextBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void TextBatcher::Submit(std::string text, Done done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(text), std::move(done)});
  }
  cv_.notify_one();
}

uint64_t TextBatcher::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

uint64_t TextBatcher::items() const {
  std::lock_guard lock(mu_);
  return items_;
}

void TextBatcher::Run() {
  for (;;) {
    std::vector<Job> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      // Everything waiting, oldest first, up to max_batch.
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      ++batches_;
      items_ += batch.size();
    }
    std::vector<std::string> texts;
    texts.reserve(batch.size());
    for (const Job& j : batch) texts.push_back(j.text);
    std::vector<std::vector<float>> vectors;
    try {
      vectors = embed_(texts);
    } catch (const std::exception&) {
      // A pass that throws (a numeric library's error) fails its texts, not the process: the
      // callers get empty answers, as for any failed pass.
      vectors.clear();
    }
    vectors.resize(batch.size());  // a short answer leaves the rest empty, never unanswered
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(vectors[i]));
  }
}

}  // namespace vsr::ml
