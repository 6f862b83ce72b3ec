// The process's loaded models, by folder: each model folder is read once and shared by every
// signal and plugin that names it, and by the next router built on a configuration reload (a
// reload that keeps the same models costs no load). Entries are weak: a model nobody uses any
// more (a reload switched to another folder) is freed. A folder whose model.safetensors
// changed on disk is loaded again. Failures are not remembered: the next build retries.
// A name that is no local folder but a Hub id ("org/name") loads from the Hugging Face cache.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "ml/models.h"

namespace vsr::ml {

class ModelStore {
 public:
  virtual ~ModelStore() = default;
  // Null with `error` naming the file and problem when `dir` holds no usable model of the kind.
  virtual std::shared_ptr<const Embedder> LoadEmbedder(const std::string& dir, std::string& error);
  virtual std::shared_ptr<const SequenceClassifier> LoadSequenceClassifier(const std::string& dir,
                                                                           std::string& error);
  virtual std::shared_ptr<const TokenClassifier> LoadTokenClassifier(const std::string& dir,
                                                                     std::string& error);

 private:
  struct Key {
    int kind;
    std::string dir;
    std::filesystem::file_time_type stamp;
    auto operator<=>(const Key&) const = default;
  };
  template <typename T, typename LoadFn>
  std::shared_ptr<const T> Cached(int kind, const std::string& dir, std::string& error,
                                  LoadFn load);

  std::mutex mu_;
  std::map<Key, std::weak_ptr<const void>> loaded_;
};

}  // namespace vsr::ml
