// The text batcher: texts that arrive while the model is busy go together in the next pass;
// every text gets its own result back, in order; stopping finishes queued work. And the
// classifier wrapper built on it.
#include "ml/text_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "ml/batched_classifier.h"

namespace vsr::ml {
namespace {

TEST(TextBatcher, QuestionsWaitingForTheModelShareOnePass) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<size_t> batch_sizes;
  TextBatcher batcher(
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

TEST(TextBatcher, StoppingFinishesQueuedQuestions) {
  std::atomic<int> answered{0};
  {
    TextBatcher batcher(
        [](const std::vector<std::string>& texts) {
          return std::vector<std::vector<float>>(texts.size(), std::vector<float>{1});
        },
        2, 4);
    for (int i = 0; i < 20; ++i) batcher.Submit("q", [&](std::vector<float>) { ++answered; });
  }
  EXPECT_EQ(answered.load(), 20);
}

// A classifier behind BatchedClassifier: while the first request holds the model, seven more
// arrive and share the next pass; every caller gets the row of its own text.
class SlowEchoClassifier final : public SequenceClassifier {
 public:
  std::vector<float> Classify(std::string_view text) const override {
    return {static_cast<float>(text.size())};
  }
  std::vector<std::vector<float>> ClassifyBatch(
      const std::vector<std::string>& texts) const override {
    {
      std::lock_guard lock(mu);
      sizes.push_back(texts.size());
      started = true;
    }
    cv.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<std::vector<float>> out;
    for (const auto& t : texts) out.push_back(Classify(t));
    return out;
  }
  const std::vector<std::string>& labels() const override { return labels_; }
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  mutable bool started = false;
  mutable std::vector<size_t> sizes;

 private:
  std::vector<std::string> labels_{"length"};
};

// A pass that throws (oneDNN refusing a product, say) answers its texts with nothing and the
// model thread goes on with the next pass: before, the exception ended the router.
TEST(TextBatcher, APassThatThrowsFailsItsTextsNotTheProcess) {
  std::atomic<int> calls{0};
  TextBatcher batcher(
      [&](const std::vector<std::string>& texts) {
        if (calls++ == 0) throw std::runtime_error("could not create a primitive");
        return std::vector<std::vector<float>>(texts.size(), std::vector<float>{2});
      },
      1, 1);
  std::promise<std::vector<float>> failed, next;
  batcher.Submit("a", [&](std::vector<float> v) { failed.set_value(std::move(v)); });
  batcher.Submit("b", [&](std::vector<float> v) { next.set_value(std::move(v)); });
  auto failed_answer = failed.get_future(), next_answer = next.get_future();
  ASSERT_EQ(failed_answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(failed_answer.get().empty());
  ASSERT_EQ(next_answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(next_answer.get(), std::vector<float>{2});
}

TEST(BatchedClassifier, ConcurrentRequestsShareAPassAndGetTheirOwnRow) {
  auto model = std::make_shared<SlowEchoClassifier>();
  BatchedClassifier batched(model, 1);
  std::vector<float> first;
  std::thread lead([&] { first = batched.Classify("x"); });
  {
    std::unique_lock lock(model->mu);
    ASSERT_TRUE(model->cv.wait_for(lock, std::chrono::seconds(10), [&] { return model->started; }));
  }
  std::vector<std::vector<float>> rows(7);
  std::vector<std::thread> others;
  for (size_t i = 0; i < rows.size(); ++i) {
    others.emplace_back([&, i] { rows[i] = batched.Classify(std::string(i + 2, 'y')); });
  }
  lead.join();
  for (auto& t : others) t.join();
  EXPECT_EQ(first, std::vector<float>{1});
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i], std::vector<float>{float(i + 2)});
  std::lock_guard lock(model->mu);
  EXPECT_LT(model->sizes.size(), 8u);  // fewer passes than requests
  EXPECT_EQ(model->sizes.front(), 1u);
  EXPECT_EQ(batched.batcher().items(), 8u);
}

}  // namespace
}  // namespace vsr::ml
