// The embedding batcher: questions that arrive while the model is busy go together in the next
// pass; every question gets its own vector back, in order; stopping finishes queued work.
#include "ml/embedding_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>

namespace vsr::ml {
namespace {

TEST(EmbeddingBatcher, QuestionsWaitingForTheModelShareOnePass) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<size_t> batch_sizes;
  EmbeddingBatcher batcher(
      [&](const std::vector<std::string>& texts) {
        std::unique_lock lock(mu);
        batch_sizes.push_back(texts.size());
        if (batch_sizes.size() == 1) cv.wait(lock, [&] { return release; });  // the model is busy
        std::vector<std::vector<float>> out;
        for (const auto& t : texts) out.push_back({static_cast<float>(t.size())});
        return out;
      },
      1, 8);
  std::vector<std::promise<std::vector<float>>> answers(10);
  for (size_t i = 0; i < answers.size(); ++i) {
    batcher.Submit(std::string(i + 1, 'x'),
                   [&answers, i](std::vector<float> v) { answers[i].set_value(std::move(v)); });
    if (i == 0) {  // let the first pass start alone
      for (int spin = 0; spin < 500 && batcher.batches() == 0; ++spin) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  }
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i].get_future().get(), std::vector<float>{static_cast<float>(i + 1)});
  }
  std::lock_guard lock(mu);
  // 1 alone, then the 9 that waited: 8 (the cap) and 1.
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{1, 8, 1}));
  EXPECT_EQ(batcher.items(), 10u);
}

TEST(EmbeddingBatcher, StoppingFinishesQueuedQuestions) {
  std::atomic<int> answered{0};
  {
    EmbeddingBatcher batcher(
        [](const std::vector<std::string>& texts) {
          return std::vector<std::vector<float>>(texts.size(), std::vector<float>{1});
        },
        2, 4);
    for (int i = 0; i < 20; ++i) batcher.Submit("q", [&](std::vector<float>) { ++answered; });
  }
  EXPECT_EQ(answered.load(), 20);
}

}  // namespace
}  // namespace vsr::ml
