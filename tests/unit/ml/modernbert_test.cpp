// The ModernBERT encoder against an independent numpy forward pass of the same random-weight
// model (tests/fixtures/ml/make_tiny_modernbert.py): hidden states with rotary positions and
// local/global attention agree alone and batched with padding; the embedder and the model
// store load a ModernBERT folder like a BERT one; unusable configs are named.
#include "ml/modernbert.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "ml/model_store.h"
#include "ml/safetensors.h"
#include "ml/text_embedder.h"
#include "support/ml_fixtures.h"

namespace vsr::ml {
namespace {

namespace json = boost::json;
using testing::Floats;
const std::string kDir = std::string(VSR_FIXTURES_DIR) + "/ml/tiny-modernbert";

void ExpectNear(const float* got, const std::vector<float>& want, float tol) {
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "at " << i;
}

std::unique_ptr<Encoder> Load(const std::string& dir, std::string& error) {
  ModelConfig cfg;
  if (!ModelConfig::Load(dir + "/config.json", cfg, error)) return nullptr;
  auto weights = SafetensorsFile::Open(dir + "/model.safetensors", error);
  return weights ? LoadEncoder(cfg, *weights, error) : nullptr;
}

TEST(ModernBertEncoder, MatchesTheReferenceForwardPass) {
  std::string error;
  auto encoder = Load(kDir, error);
  ASSERT_TRUE(encoder) << error;
  const json::object want = testing::ExpectedOutputs("tiny-modernbert");
  std::vector<std::vector<int32_t>> inputs;
  for (const auto& in : want.at("inputs").as_array()) inputs.push_back(testing::Ids(in));
  const size_t h = encoder->hidden_size();
  // Alone: the 14-token input is where the 5-key local window differs from global attention.
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t seq = 0;
    const std::vector<float> alone = encoder->Forward({inputs[i]}, seq);
    ASSERT_EQ(seq, inputs[i].size());
    ExpectNear(alone.data(), Floats(want.at("last_hidden_state_" + std::to_string(i))), 1e-4f);
  }
  // Batched with padding: the real rows do not change.
  size_t seq = 0;
  const std::vector<float> batched = encoder->Forward(inputs, seq);
  ASSERT_EQ(seq, 14u);
  for (size_t i = 0; i < inputs.size(); ++i) {
    ExpectNear(&batched[i * seq * h], Floats(want.at("last_hidden_state_" + std::to_string(i))),
               1e-4f);
  }
  const auto pooled = encoder->Embed(inputs, Pooling::kMean, true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    ExpectNear(pooled[i].data(), Floats(want.at("mean_pooled_normalized").as_array()[i]), 1e-4f);
  }
}

TEST(ModernBertEncoder, EmbedderAndStoreLoadModernBertFolders) {
  std::string error;
  auto embedder = TextEmbedder::Load(kDir, error);
  ASSERT_TRUE(embedder) << error;
  const std::vector<float> v = embedder->Embed("Hello, World!");
  ExpectNear(
      v.data(),
      Floats(
          testing::ExpectedOutputs("tiny-modernbert").at("mean_pooled_normalized").as_array()[0]),
      1e-4f);
  ModelStore store;
  EXPECT_TRUE(store.LoadEmbedder(kDir, error)) << error;
}

TEST(ModernBertEncoder, UnusableConfigsAreNamed) {
  const std::string dir =
      testing::ScratchCopy("tiny-modernbert", "modernbert-bad", {"model.safetensors"});
  const json::object cfg = testing::FixtureConfig("tiny-modernbert");
  const auto expect_error = [&](json::object c, const std::string& text) {
    std::ofstream(dir + "/config.json", std::ios::trunc) << json::serialize(c);
    std::string error;
    EXPECT_FALSE(Load(dir, error));
    EXPECT_NE(error.find(text), std::string::npos) << error;
  };
  json::object c = cfg;
  c["norm_bias"] = true;  // the checkpoint has no norm biases
  expect_error(c, "tensor 'embeddings.norm.bias' is missing");
  c = cfg;
  c["hidden_activation"] = "silu";
  expect_error(c, "hidden_activation \"silu\" is not supported");
  c = cfg;
  c["model_type"] = "t5";
  expect_error(c,
               "model_type \"t5\" is not supported (bert, roberta, xlm-roberta, modernbert and "
               "use_lite are)");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vsr::ml
