// The BERT encoder against an independent numpy forward pass of the same random-weight model
// (tests/fixtures/ml/make_tiny_bert.py wrote the weights and expected outputs): hidden states
// and mean-pooled embeddings agree, batching with padding changes nothing, and a checkpoint
// that disagrees with its config is refused with the tensor named.
#include "ml/bert.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "ml/tokenizer.h"
#include "support/ml_fixtures.h"

namespace vsr::ml {
namespace {

namespace json = boost::json;
using testing::Floats;
using testing::Ids;
const std::string kDir = std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert";

void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, float tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

TEST(BertEncoder, MatchesTheReferenceForwardPass) {
  std::string error;
  auto bert = BertEncoder::Load(kDir, error);
  ASSERT_TRUE(bert) << error;
  const json::object want = testing::ExpectedOutputs("tiny-bert");
  const std::vector<int32_t> a = Ids(want.at("inputs").as_array()[0]);
  const std::vector<int32_t> b = Ids(want.at("inputs").as_array()[1]);
  size_t seq = 0;
  const std::vector<float> alone = bert->Forward({a}, seq);
  EXPECT_EQ(seq, a.size());
  ExpectNear(alone, Floats(want.at("last_hidden_state_0")), 1e-4f);
  // In a batch with a longer input, `a` is padded: its real rows must not change.
  const std::vector<float> batched = bert->Forward({a, b}, seq);
  ASSERT_EQ(seq, b.size());
  const size_t h = static_cast<size_t>(bert->config().hidden_size);
  ExpectNear(std::vector<float>(batched.begin(), batched.begin() + static_cast<long>(a.size() * h)),
             Floats(want.at("last_hidden_state_0")), 1e-4f);
  ExpectNear(std::vector<float>(batched.begin() + static_cast<long>(seq * h), batched.end()),
             Floats(want.at("last_hidden_state_1")), 1e-4f);
  const auto pooled = bert->Embed({a, b}, Pooling::kMean, true);
  ExpectNear(pooled[0], Floats(want.at("mean_pooled_normalized").as_array()[0]), 1e-4f);
  ExpectNear(pooled[1], Floats(want.at("mean_pooled_normalized").as_array()[1]), 1e-4f);
}

TEST(BertEncoder, TokenizerAndEncoderTogetherEmbedText) {
  std::string error;
  auto tok = Tokenizer::Load(kDir + "/tokenizer.json", error);
  auto bert = BertEncoder::Load(kDir, error);
  ASSERT_TRUE(tok && bert) << error;
  // "Hello, World!" tokenizes to the reference's first input.
  const Encoding e = tok->Encode("Hello, World!");
  EXPECT_EQ(e.ids, Ids(testing::ExpectedOutputs("tiny-bert").at("inputs").as_array()[0]));
  const auto v = bert->Embed({e.ids}, Pooling::kMean, true);
  ExpectNear(
      v[0],
      Floats(testing::ExpectedOutputs("tiny-bert").at("mean_pooled_normalized").as_array()[0]),
      1e-4f);
}

TEST(BertEncoder, ACheckpointThatDisagreesWithItsConfigIsRefused) {
  const std::string dir = testing::ScratchCopy("tiny-bert", "bert-mismatch", {"model.safetensors"});
  json::object cfg = testing::FixtureConfig("tiny-bert");
  cfg["intermediate_size"] = 48;  // the checkpoint has 32
  std::ofstream(dir + "/config.json") << json::serialize(cfg);
  std::string error;
  EXPECT_FALSE(BertEncoder::Load(dir, error));
  EXPECT_NE(error.find("tensor 'encoder.layer.0.intermediate.dense.weight' is F32 [32, 16], the "
                       "model config expects F32 [48, 16]"),
            std::string::npos)
      << error;
  cfg["num_attention_heads"] = 3;
  std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(cfg);
  EXPECT_FALSE(BertEncoder::Load(dir, error));
  EXPECT_NE(error.find("not divisible by num_attention_heads 3"), std::string::npos) << error;
  cfg["num_attention_heads"] = 2;
  cfg["model_type"] = "modernbert";
  std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(cfg);
  EXPECT_FALSE(BertEncoder::Load(dir, error));
  EXPECT_NE(
      error.find("model_type \"modernbert\" is not supported (bert, roberta and xlm-roberta are)"),
      std::string::npos)
      << error;
  EXPECT_FALSE(BertEncoder::Load(dir + "/nowhere", error));
  EXPECT_NE(error.find("config.json: cannot open"), std::string::npos) << error;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vsr::ml
