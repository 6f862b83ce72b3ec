// Model downloads against a local fake of the Hugging Face Hub (real sockets on loopback): the
// cache layout other tools share, resume after a cut connection or an interrupted run,
// checksums, tokens that never leave the Hub's host, and which models a config needs.
#include "hub/hub_download.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hub/model_downloads.h"
#include "ml/classifiers.h"
#include "ml/hf_cache.h"
#include "ml/model_store.h"
#include "signals/learned.h"
#include "support/config_loader.h"
#include "support/fake_hub.h"

namespace vsr::hub {
namespace {

namespace fs = std::filesystem;
using testing::FakeHub;

const std::string kFixture = std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert-seqcls";
const std::string kRepo = "acme/tiny-classifier";

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class HubDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = fs::path(::testing::TempDir()) /
             ("hub-" + std::to_string(getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(cache_);
    weights_ = ReadAll(kFixture + "/model.safetensors");
  }
  void TearDown() override { fs::remove_all(cache_); }

  HubOptions Options(const FakeHub& hub) const {
    HubOptions o;
    o.endpoint = hub.Url();
    o.cache_dir = cache_.string();
    o.retry_pause = std::chrono::milliseconds(10);
    o.read_timeout = std::chrono::milliseconds(5000);
    return o;
  }
  fs::path RepoDir() const { return cache_ / "models--acme--tiny-classifier"; }
  fs::path Partial() const {
    return RepoDir() / "blobs" / (FakeHub::Sha256(weights_) + ".incomplete");
  }

  fs::path cache_;
  std::string weights_;
};

TEST_F(HubDownloadTest, FetchesAModelIntoTheSharedCacheLayoutAndItLoads) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  std::vector<FileProgress> events;
  const SnapshotResult r = DownloadSnapshot(kRepo, "main", Options(hub),
                                            [&](const FileProgress& p) { events.push_back(p); });
  ASSERT_EQ(r.error, "");
  const fs::path snapshot = RepoDir() / "snapshots" / FakeHub::kCommit;
  EXPECT_EQ(r.folder, snapshot.string());
  EXPECT_EQ(r.commit, FakeHub::kCommit);
  // refs/main names the commit; the weights are a relative link to a blob named by sha256.
  EXPECT_EQ(ReadAll(RepoDir() / "refs" / "main"), FakeHub::kCommit);
  ASSERT_TRUE(fs::is_symlink(snapshot / "model.safetensors"));
  EXPECT_EQ(fs::read_symlink(snapshot / "model.safetensors"),
            fs::path("../../blobs") / FakeHub::Sha256(weights_));
  EXPECT_EQ(ReadAll(snapshot / "model.safetensors"), weights_);
  EXPECT_EQ(ReadAll(snapshot / "config.json"), ReadAll(kFixture + "/config.json"));
  EXPECT_FALSE(fs::exists(Partial()));
  // Weights in formats we do not read are listed by the Hub but never fetched.
  for (const std::string& p : hub.paths()) {
    EXPECT_EQ(p.find("pytorch_model.bin"), std::string::npos) << p;
    EXPECT_EQ(p.find(".onnx"), std::string::npos) << p;
  }
  EXPECT_FALSE(fs::exists(snapshot / "pytorch_model.bin"));
  // The cache lookup the model store uses finds it, and it is a working model.
  EXPECT_EQ(ml::CachedSnapshot(cache_.string(), kRepo), snapshot.string());
  std::string error;
  auto model = ml::SequenceClassifierModel::Load(r.folder, error);
  ASSERT_NE(model, nullptr) << error;
  // Progress: every file finishes, the weights with their full size known.
  int finished = 0;
  for (const FileProgress& p : events) {
    if (p.finished) ++finished;
    if (p.file == "model.safetensors") {
      EXPECT_EQ(p.total, weights_.size());
    }
  }
  EXPECT_EQ(finished, 3);
  EXPECT_EQ(r.downloaded, weights_.size() + ReadAll(kFixture + "/config.json").size() +
                              ReadAll(kFixture + "/tokenizer.json").size());
}

TEST_F(HubDownloadTest, ASecondRunFetchesNothing) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  ASSERT_EQ(DownloadSnapshot(kRepo, "main", Options(hub)).error, "");
  const int lfs = hub.lfs_requests;
  const SnapshotResult again = DownloadSnapshot(kRepo, "main", Options(hub));
  EXPECT_EQ(again.error, "");
  EXPECT_EQ(again.downloaded, 0u);
  EXPECT_EQ(hub.lfs_requests, lfs);
}

TEST_F(HubDownloadTest, ACutConnectionResumesWhereItStopped) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  hub.cut_after = weights_.size() / 2;
  hub.cut_transfers = 1;
  const SnapshotResult r = DownloadSnapshot(kRepo, "main", Options(hub));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(ReadAll(fs::path(r.folder) / "model.safetensors"), weights_);
  EXPECT_EQ(hub.lfs_requests, 2);
  EXPECT_EQ(hub.ranged_requests, 1);
  // The second transfer sent the rest, not everything again.
  EXPECT_EQ(hub.lfs_bytes_sent.load(), weights_.size());
}

TEST_F(HubDownloadTest, AnInterruptedRunLeavesNoSnapshotAndTheNextRunResumes) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  hub.cut_after = 1000;
  hub.cut_transfers = 1;
  HubOptions once = Options(hub);
  once.attempts = 1;
  const SnapshotResult failed = DownloadSnapshot(kRepo, "main", once);
  EXPECT_NE(failed.error.find("model.safetensors"), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("interrupted"), std::string::npos) << failed.error;
  EXPECT_EQ(failed.folder, "");
  // Readers see nothing (no ref yet); the bytes so far wait beside the blob.
  EXPECT_EQ(ml::CachedSnapshot(cache_.string(), kRepo), std::nullopt);
  EXPECT_EQ(fs::file_size(Partial()), 1000u);

  const SnapshotResult r = DownloadSnapshot(kRepo, "main", once);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(hub.ranged_requests, 1);
  // The rest of the weights, and the file after them; config.json came in the first run.
  EXPECT_EQ(r.downloaded, weights_.size() - 1000 + ReadAll(kFixture + "/tokenizer.json").size());
  EXPECT_EQ(ReadAll(fs::path(r.folder) / "model.safetensors"), weights_);
}

TEST_F(HubDownloadTest, ACorruptTransferIsNeverPlacedAndIsFetchedAgain) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  hub.corrupt_transfers = 1;
  HubOptions once = Options(hub);
  once.attempts = 1;
  const SnapshotResult failed = DownloadSnapshot(kRepo, "main", once);
  EXPECT_NE(failed.error.find("checksum mismatch"), std::string::npos) << failed.error;
  EXPECT_FALSE(fs::exists(RepoDir() / "blobs" / FakeHub::Sha256(weights_)));
  EXPECT_FALSE(fs::exists(Partial()));

  hub.corrupt_transfers = 1;
  const SnapshotResult r = DownloadSnapshot(kRepo, "main", Options(hub));  // retries
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(FakeHub::Sha256(ReadAll(fs::path(r.folder) / "model.safetensors")),
            FakeHub::Sha256(weights_));
}

TEST_F(HubDownloadTest, APrivateRepoNeedsTheTokenAndTheTokenStaysWithTheHub) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture), "secret");
  hub.lfs_host = "localhost";  // the weights come from "another host", as from a CDN
  const SnapshotResult denied = DownloadSnapshot(kRepo, "main", Options(hub));
  EXPECT_NE(denied.error.find("HTTP 401"), std::string::npos) << denied.error;
  EXPECT_NE(denied.error.find("set HF_TOKEN"), std::string::npos) << denied.error;

  HubOptions with_token = Options(hub);
  with_token.token = "secret";
  const SnapshotResult r = DownloadSnapshot(kRepo, "main", with_token);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(hub.lfs_requests, 1);
  EXPECT_EQ(hub.authorized_lfs_requests, 0);
}

TEST_F(HubDownloadTest, ABusyHubIsRetriedAndAMissingRepoIsNamed) {
  FakeHub hub(kRepo, FakeHub::ModelFolder(kFixture));
  hub.unavailable = 2;
  EXPECT_EQ(DownloadSnapshot(kRepo, "main", Options(hub)).error, "");

  const SnapshotResult missing = DownloadSnapshot("acme/nothing-here", "main", Options(hub));
  EXPECT_FALSE(missing.hub_unreachable);
  EXPECT_NE(missing.error.find("acme/nothing-here (revision main) not found on " + hub.Url()),
            std::string::npos)
      << missing.error;
  EXPECT_NE(DownloadSnapshot("../etc", "main", Options(hub)).error.find("not a Hugging Face repo"),
            std::string::npos);
}

TEST_F(HubDownloadTest, AnUnreachableHubSaysHowToWorkOffline) {
  HubOptions o;
  o.endpoint = "http://127.0.0.1:1";
  o.cache_dir = cache_.string();
  o.attempts = 2;
  o.retry_pause = std::chrono::milliseconds(10);
  const SnapshotResult r = DownloadSnapshot(kRepo, "main", o);
  EXPECT_NE(r.error.find("cannot reach the Hugging Face Hub at http://127.0.0.1:1"),
            std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("HF_HUB_OFFLINE=1"), std::string::npos);
  EXPECT_TRUE(r.hub_unreachable);  // serve stops trying the other models
}

TEST_F(HubDownloadTest, ADownloadedRegistryFolderIsWhatTheSignalsLoadMappingFileIncluded) {
  // The config names upstream-style folders that do not exist here; mom_registry says which
  // repo provides them; after the download the classifier and its mapping file (renaming the
  // classes) come from the cache.
  std::map<std::string, FakeHub::File> files = FakeHub::ModelFolder(kFixture);
  files["category_mapping.json"] = {
      R"({"idx_to_category": {"0": "mathematics", "1": "life sciences", "2": "misc"}})", false};
  FakeHub hub(kRepo, files);
  const auto c = testing::ConfigFromText(R"(
version: v0.3
mom_registry:
  models/domains-here: acme/tiny-classifier
routing:
  signals:
    domains:
      - {name: mathematics}
global:
  model_catalog:
    modules:
      classifier:
        domain:
          model_id: models/domains-here
          category_mapping_path: models/domains-here/category_mapping.json
)");
  const std::vector<ModelDownload> todo = ModelsToDownload(*c);
  ASSERT_EQ(todo.size(), 1u);
  ASSERT_EQ(DownloadSnapshot(todo[0].repo, "main", Options(hub)).error, "");

  setenv("HF_HUB_CACHE", cache_.c_str(), 1);
  const signals::ModelRef ref = signals::ClassifierModel(*c, signals::Family::kDomain);
  EXPECT_EQ(ref.Folder(), (RepoDir() / "snapshots" / FakeHub::kCommit).string());
  ml::ModelStore store;
  std::vector<std::string> labels;
  std::string error;
  auto model = signals::LoadClassifier(ref, store, labels, error);
  const bool nothing_left = ModelsToDownload(*c).empty();
  unsetenv("HF_HUB_CACHE");
  ASSERT_NE(model, nullptr) << error;
  EXPECT_EQ(labels, (std::vector<std::string>{"mathematics", "life sciences", "misc"}));
  EXPECT_TRUE(nothing_left);
}

TEST(ModelsToDownload, ListsTheRegistryReposOfTheFamiliesInUse) {
  const auto c = testing::ConfigFromText(R"(
version: v0.3
routing:
  signals:
    domains:
      - {name: math, mmlu_categories: [math]}
    keywords:
      - {name: hi, operator: OR, keywords: [hello]}
global:
  model_catalog:
    modules:
      classifier:
        domain: {model_id: models/mmbert32k-intent-classifier-merged, threshold: 0.5}
        pii: {model_id: models/mmbert32k-pii-detector-merged}
)");
  const std::vector<ModelDownload> got = ModelsToDownload(*c);
  // The PII module is configured but no pii signal uses it: not fetched.
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].path, "models/mmbert32k-intent-classifier-merged");
  EXPECT_EQ(got[0].repo, "llm-semantic-router/mmbert32k-intent-classifier-merged");
}

TEST(ModelsToDownload, MomRegistryReplacesTheBuiltInOneAndLocalFoldersStay) {
  const auto c = testing::ConfigFromText(R"(
version: v0.3
mom_registry:
  models/my-domains: acme/domains
routing:
  signals:
    domains:
      - {name: math, mmlu_categories: [math]}
    jailbreak:
      - {name: jb, threshold: 0.5}
    embeddings:
      - {name: greet, threshold: 0.8, candidates: [hello]}
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: )" + kFixture +
                                         R"(}
    modules:
      classifier:
        domain: {model_id: models/my-domains}
      prompt_guard: {model_id: models/mmbert32k-jailbreak-detector-merged}
)");
  const std::vector<ModelDownload> got = ModelsToDownload(*c);
  // The jailbreak folder is in the built-in registry only, which mom_registry replaced; the
  // embedding model is a local folder.
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].repo, "acme/domains");
}

TEST(ModelsToDownload, SelectionThatEmbedsTheQueryBringsTheEmbeddingModel) {
  const auto config = [](const std::string& algorithm) {
    return testing::ConfigFromText(R"(
version: v0.3
providers:
  models:
    - {name: a, backend_refs: [{name: a, endpoint: "127.0.0.1:1"}]}
    - {name: b, backend_refs: [{name: b, endpoint: "127.0.0.1:2"}]}
routing:
  modelCards: [{name: a}, {name: b}]
  decisions:
    - name: d
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: a, use_reasoning: false}, {model: b, use_reasoning: false}]
      algorithm: {type: )" + algorithm +
                                   R"(}
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: acme/embedder}
)");
  };
  const std::vector<ModelDownload> got = ModelsToDownload(*config("router_dc"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].repo, "acme/embedder");
  EXPECT_TRUE(ModelsToDownload(*config("static")).empty());
}

TEST(ModelsToDownload, HubIdsAreTheirOwnReposAndLocalOnlyPathsAreLeftAlone) {
  const auto c = testing::ConfigFromText(R"(
version: v0.3
routing:
  signals:
    embeddings:
      - {name: greet, threshold: 0.8, candidates: [hello]}
    pii:
      - {name: pii, threshold: 0.5}
global:
  model_catalog:
    embeddings:
      semantic: {mmbert_model_path: sentence-transformers/all-MiniLM-L6-v2}
    modules:
      classifier:
        pii: {model_id: models/our-own-pii-model}
)");
  const std::vector<ModelDownload> got = ModelsToDownload(*c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].repo, "sentence-transformers/all-MiniLM-L6-v2");
}

}  // namespace
}  // namespace vsr::hub
