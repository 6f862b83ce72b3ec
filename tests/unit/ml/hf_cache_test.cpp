// Hub ids resolve to snapshots in the Hugging Face cache layout (models--org--name/refs/main ->
// snapshots/<commit>/), found through HF_HUB_CACHE / HF_HOME; the model store loads them.
#include "ml/hf_cache.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ml/model_store.h"

namespace vsr::ml {
namespace {

namespace fs = std::filesystem;

class HfCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("hf-" + std::to_string(getpid()));
    const fs::path repo = root_ / "hub" / "models--acme--tiny-classifier";
    fs::create_directories(repo / "refs");
    std::ofstream(repo / "refs" / "main") << "0123abcd";
    fs::create_directories(repo / "snapshots" / "0123abcd");
    for (const char* f : {"config.json", "model.safetensors", "tokenizer.json"}) {
      fs::copy_file(fs::path(VSR_FIXTURES_DIR) / "ml" / "tiny-bert-seqcls" / f,
                    repo / "snapshots" / "0123abcd" / f);
    }
    snapshot_ = (repo / "snapshots" / "0123abcd").string();
  }
  void TearDown() override {
    unsetenv("HF_HOME");
    unsetenv("HF_HUB_CACHE");
    fs::remove_all(root_);
  }
  fs::path root_;
  std::string snapshot_;
};

TEST_F(HfCacheTest, HubIdsResolveToTheirCachedSnapshot) {
  const std::string cache = (root_ / "hub").string();
  EXPECT_EQ(CachedSnapshot(cache, "acme/tiny-classifier"), snapshot_);
  EXPECT_EQ(CachedSnapshot(cache, "acme/tiny-classifier", "0123abcd"), snapshot_);  // a commit
  EXPECT_EQ(CachedSnapshot(cache, "acme/other"), std::nullopt);
  EXPECT_EQ(CachedSnapshot(cache, "acme/tiny-classifier", "v2"), std::nullopt);
  for (const char* bad : {"no-slash", "a/b/c", "/abs", "acme/..", "../x"}) {
    EXPECT_EQ(CachedSnapshot(cache, bad), std::nullopt) << bad;
  }
  setenv("HF_HOME", root_.c_str(), 1);
  EXPECT_EQ(HubCacheDir(), cache);
  setenv("HF_HUB_CACHE", "/elsewhere", 1);
  EXPECT_EQ(HubCacheDir(), "/elsewhere");
  unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(ResolveModelFolder("acme/tiny-classifier"), snapshot_);
  // An existing folder wins; an unknown name stays as written (loading names it).
  EXPECT_EQ(ResolveModelFolder(VSR_FIXTURES_DIR), VSR_FIXTURES_DIR);
  EXPECT_EQ(ResolveModelFolder("acme/missing"), "acme/missing");
  ModelStore store;
  std::string error;
  auto model = store.LoadSequenceClassifier("acme/tiny-classifier", error);
  ASSERT_TRUE(model) << error;
  EXPECT_EQ(model->labels().size(), 3u);
}

}  // namespace
}  // namespace vsr::ml
