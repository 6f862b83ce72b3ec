#include "ml/hf_cache.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ml/model_registry.h"

namespace vsr::ml {

namespace fs = std::filesystem;

std::string HubCacheDir() {
  if (const char* v = std::getenv("HF_HUB_CACHE"); v != nullptr && *v != '\0') return v;
  if (const char* v = std::getenv("HF_HOME"); v != nullptr && *v != '\0') {
    return (fs::path(v) / "hub").string();
  }
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : "/") / ".cache" / "huggingface" / "hub").string();
}

std::string RepoCacheDir(const std::string& cache_dir, const std::string& repo_id) {
  const size_t slash = repo_id.find('/');
  return (fs::path(cache_dir) /
          ("models--" + repo_id.substr(0, slash) + "--" + repo_id.substr(slash + 1)))
      .string();
}

std::optional<std::string> CachedSnapshot(const std::string& cache_dir, const std::string& repo_id,
                                          const std::string& revision) {
  if (!IsHubRepoId(repo_id)) return std::nullopt;
  const fs::path repo = RepoCacheDir(cache_dir, repo_id);
  std::error_code ec;
  std::string commit = revision;  // a commit hash names its snapshot directly
  if (std::ifstream ref(repo / "refs" / revision); ref) std::getline(ref, commit);
  const fs::path snapshot = repo / "snapshots" / commit;
  if (commit.empty() || commit.find('/') != std::string::npos || !fs::is_directory(snapshot, ec)) {
    return std::nullopt;
  }
  return snapshot.string();
}

std::string ResolveModelFolder(const std::string& name, const std::string& repo) {
  std::error_code ec;
  if (fs::is_directory(name, ec) || fs::path(name).is_absolute()) return name;
  if (auto snapshot = CachedSnapshot(HubCacheDir(), repo.empty() ? name : repo)) return *snapshot;
  return name;
}

}  // namespace vsr::ml
