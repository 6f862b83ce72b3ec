#include "hub/model_downloads.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "ml/model_registry.h"
#include "ml/model_store.h"
#include "plugins/registry.h"
#include "selection/selectors.h"
#include "signals/model_refs.h"
#include "signals/registry.h"

namespace vsr::hub {
namespace {

// A ModelStore that loads nothing and remembers the folders it was asked for.
class RecordingStore final : public ml::ModelStore {
 public:
  std::set<std::string> asked;

  std::shared_ptr<const ml::Embedder> LoadEmbedder(const std::string& dir,
                                                   std::string& error) override {
    return Note<ml::Embedder>(dir, error);
  }
  std::shared_ptr<const ml::SequenceClassifier> LoadSequenceClassifier(
      const std::string& dir, std::string& error) override {
    return Note<ml::SequenceClassifier>(dir, error);
  }
  std::shared_ptr<const ml::TokenClassifier> LoadTokenClassifier(const std::string& dir,
                                                                 std::string& error) override {
    return Note<ml::TokenClassifier>(dir, error);
  }

 private:
  template <typename T>
  std::shared_ptr<const T> Note(const std::string& dir, std::string& error) {
    asked.insert(dir);
    error = "not loaded (listing models)";
    return nullptr;
  }
};

}  // namespace

std::vector<ModelDownload> ModelsToDownload(const config::Config& c) {
  RecordingStore store;
  std::vector<std::string> errors;
  (void)signals::SignalSet::Build(c, errors, &store);
  for (const signals::ModelRef& m : plugins::PluginModels(c)) {
    if (!m.path.empty()) store.asked.insert(m.Folder());
  }
  // Selection that embeds the query (router_dc, hybrid, knn, ...) uses the embedding model.
  if (selection::SelectorSet::NeedsEmbeddings(c)) {
    if (const signals::ModelRef m = signals::EmbeddingModel(c); !m.path.empty())
      store.asked.insert(m.Folder());
  }
  std::vector<ModelDownload> out;
  for (const std::string& asked : store.asked) {
    // Folders on disk and cached snapshots come back as themselves: nothing to fetch.
    std::error_code ec;
    if (std::filesystem::is_directory(asked, ec)) continue;
    const std::string repo = ml::HubRepoFor(asked, c.mom_registry);
    if (repo.empty()) continue;
    const bool seen =
        std::any_of(out.begin(), out.end(), [&](const ModelDownload& d) { return d.repo == repo; });
    if (!seen) out.push_back({asked, repo});
  }
  return out;
}

}  // namespace vsr::hub
