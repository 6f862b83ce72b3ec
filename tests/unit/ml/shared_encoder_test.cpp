// One backbone pass for many heads (ml/shared_encoder.h): identical inputs share a pass,
// concurrent or shortly after; kept results are bounded in age and bytes; a failed pass is not
// shared; and task folders share an encoder exactly when their backbones are identical.
#include "ml/shared_encoder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "ml/classifiers.h"
#include "support/ml_fixtures.h"

namespace vsr::ml {
namespace {

namespace json = boost::json;
using Batch = std::vector<std::vector<int32_t>>;

// Hidden states that say which input they came from; counts its passes, can be slow or fail.
class FakeEncoder final : public Encoder {
 public:
  std::vector<float> Forward(const Batch& batch, size_t& seq) const override {
    ++calls;
    std::this_thread::sleep_for(delay);
    if (fail.exchange(false)) throw std::runtime_error("pass failed");
    seq = batch.front().size();
    std::vector<float> out;
    for (const auto& ids : batch) {
      for (int32_t id : ids) out.insert(out.end(), {float(id), float(id) * 2});
    }
    return out;
  }
  size_t hidden_size() const override { return 2; }
  size_t max_positions() const override { return 512; }
  mutable std::atomic<int> calls{0};
  mutable std::atomic<bool> fail{false};
  std::chrono::milliseconds delay{0};
};

TEST(SharedEncoder, ConcurrentCallersWithTheSameInputShareOnePass) {
  auto fake = std::make_unique<FakeEncoder>();
  fake->delay = std::chrono::milliseconds(200);
  const FakeEncoder& inner = *fake;
  const SharedEncoder shared(std::move(fake));
  std::vector<std::vector<float>> got(3);
  std::vector<std::thread> callers;
  for (size_t i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] {
      size_t seq = 0;
      got[i] = shared.Forward({{7, 8, 9}}, seq);
      EXPECT_EQ(seq, 3u);
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(inner.calls.load(), 1);
  EXPECT_EQ(shared.passes(), 1u);
  for (const auto& g : got) EXPECT_EQ(g, (std::vector<float>{7, 14, 8, 16, 9, 18}));
  size_t seq = 0;
  shared.Forward({{7, 8, 9}}, seq);  // shortly after: the kept result
  EXPECT_EQ(inner.calls.load(), 1);
  EXPECT_EQ(shared.Forward({{7, 8}}, seq), (std::vector<float>{7, 14, 8, 16}));  // another input
  EXPECT_EQ(inner.calls.load(), 2);
}

TEST(SharedEncoder, KeptResultsAreBoundedInAgeAndBytes) {
  auto fake = std::make_unique<FakeEncoder>();
  const FakeEncoder& inner = *fake;
  SharedEncoder::Limits limits;
  limits.kept_bytes = 64;  // one 3-token result (24 bytes of states + 12 of ids) fits, not two
  limits.keep_for = std::chrono::milliseconds(100);
  const SharedEncoder shared(std::move(fake), limits);
  size_t seq = 0;
  shared.Forward({{1, 2, 3}}, seq);
  shared.Forward({{4, 5, 6}}, seq);  // evicts the first
  shared.Forward({{4, 5, 6}}, seq);
  EXPECT_EQ(inner.calls.load(), 2);
  shared.Forward({{1, 2, 3}}, seq);
  EXPECT_EQ(inner.calls.load(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  shared.Forward({{1, 2, 3}}, seq);  // too old to share
  EXPECT_EQ(inner.calls.load(), 4);
}

TEST(SharedEncoder, AFailedPassIsNotSharedAndTheNextCallerRetries) {
  auto fake = std::make_unique<FakeEncoder>();
  FakeEncoder& inner = *fake;
  const SharedEncoder shared(std::move(fake));
  inner.fail = true;
  size_t seq = 0;
  EXPECT_THROW(shared.Forward({{1}}, seq), std::runtime_error);
  EXPECT_EQ(shared.Forward({{1}}, seq), (std::vector<float>{1, 2}));
  EXPECT_EQ(inner.calls.load(), 2);
}

// A copy of a fixture task folder whose classifier (or, with `backbone`, one encoder weight)
// has one byte changed and whose labels are renamed.
std::string EditedCopy(const std::string& folder, const std::string& name, bool backbone) {
  const std::string dir =
      testing::ScratchCopy(folder, name, {"config.json", "tokenizer.json", "model.safetensors"});
  json::object cfg = testing::FixtureConfig(folder);
  json::object labels;
  for (const auto& [id, label] : cfg.at("id2label").as_object()) {
    labels[id] = "renamed-" + std::string(label.as_string());
  }
  cfg["id2label"] = labels;
  std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(cfg);
  std::fstream file(dir + "/model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
  uint64_t header_size = 0;
  file.read(reinterpret_cast<char*>(&header_size), 8);
  std::string header(header_size, '\0');
  file.read(header.data(), static_cast<std::streamsize>(header_size));
  const json::object tensors = json::parse(header).as_object();
  std::string target = "classifier.weight";
  for (const auto& [tensor, _] : tensors) {
    if (backbone && !IsHeadTensor(std::string(tensor)) && tensor != "__metadata__") {
      target = std::string(tensor);
    }
  }
  const auto begin = tensors.at(target).at("data_offsets").as_array()[0].to_number<uint64_t>();
  file.seekp(static_cast<std::streamoff>(8 + header_size + begin + 1));
  file.put('\x5a');
  return dir;
}

TEST(SharedBackbone, TaskFoldersWithTheSameEncoderShareItAndItsPasses) {
  std::string error;
  const std::string folder = "tiny-bert-seqcls";
  auto a = SequenceClassifierModel::Load(testing::kMlFixtures + "/" + folder, error);
  auto b = SequenceClassifierModel::Load(EditedCopy(folder, "other-head", false), error);
  auto c = SequenceClassifierModel::Load(EditedCopy(folder, "other-backbone", true), error);
  ASSERT_TRUE(a && b && c) << error;
  EXPECT_EQ(&a->encoder(), &b->encoder());  // one copy of the weights
  EXPECT_NE(&a->encoder(), &c->encoder());
  EXPECT_EQ(b->labels().front(), "renamed-math");
  const auto* shared = dynamic_cast<const SharedEncoder*>(&a->encoder());
  ASSERT_NE(shared, nullptr);
  const uint64_t before = shared->passes();
  const std::vector<float> pa = a->Classify("Hello, World!");
  const std::vector<float> pb = b->Classify("Hello, World!");
  EXPECT_EQ(shared->passes(), before + 1);
  EXPECT_NE(pa, pb);  // each head ran on the shared states
  // The head on the shared pass answers as the numpy reference does.
  const json::object expected = testing::ExpectedOutputs(folder);
  const json::array& want = expected.at("probabilities").as_array()[0].as_array();
  ASSERT_EQ(pa.size(), want.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_NEAR(pa[i], want[i].to_number<double>(), 1e-5);
}

}  // namespace
}  // namespace vsr::ml
