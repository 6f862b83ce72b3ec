#include "ml/model_store.h"

#include <algorithm>
#include <thread>

#include "ml/batched_classifier.h"
#include "ml/classifiers.h"
#include "ml/hf_cache.h"
#include "ml/text_embedder.h"

namespace vsr::ml {

template <typename T, typename LoadFn>
std::shared_ptr<const T> ModelStore::Cached(int kind, const std::string& name, std::string& error,
                                            LoadFn load) {
  const std::string dir = ResolveModelFolder(name);  // a folder, or a Hub id in the HF cache
  std::error_code ec;
  const auto stamp = std::filesystem::last_write_time(dir + "/model.safetensors", ec);
  const Key key{kind, std::filesystem::weakly_canonical(dir, ec).string(), stamp};
  // Loading takes seconds for real models: holding the lock meanwhile keeps two signals that
  // name the same folder from loading it twice.
  std::lock_guard lock(mu_);
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    it = it->second.expired() ? loaded_.erase(it) : std::next(it);
  }
  if (auto it = loaded_.find(key); it != loaded_.end()) {
    if (auto alive = it->second.lock()) return std::static_pointer_cast<const T>(alive);
  }
  std::shared_ptr<const T> model = load(dir, error);
  if (model) loaded_[key] = std::static_pointer_cast<const void>(model);
  return model;
}

std::shared_ptr<const Embedder> ModelStore::LoadEmbedder(const std::string& dir,
                                                         std::string& error) {
  return Cached<Embedder>(0, dir, error, [](const std::string& d, std::string& e) {
    return std::shared_ptr<const Embedder>(TextEmbedder::Load(d, e));
  });
}

std::shared_ptr<const SequenceClassifier> ModelStore::LoadSequenceClassifier(const std::string& dir,
                                                                             std::string& error) {
  return Cached<SequenceClassifier>(1, dir, error, [](const std::string& d, std::string& e) {
    std::shared_ptr<const SequenceClassifier> model = SequenceClassifierModel::Load(d, e);
    if (!model) return model;
    // A model thread per core: concurrent requests share passes, and a busy machine still
    // runs as many passes at once as it has cores.
    const size_t cores = std::max(1U, std::thread::hardware_concurrency());
    return std::shared_ptr<const SequenceClassifier>(
        std::make_shared<BatchedClassifier>(std::move(model), cores));
  });
}

std::shared_ptr<const TokenClassifier> ModelStore::LoadTokenClassifier(const std::string& dir,
                                                                       std::string& error) {
  return Cached<TokenClassifier>(2, dir, error, [](const std::string& d, std::string& e) {
    return std::shared_ptr<const TokenClassifier>(TokenClassifierModel::Load(d, e));
  });
}

}  // namespace vsr::ml
