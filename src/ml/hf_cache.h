// Model names as users write them: a local folder, or a Hugging Face Hub id ("org/name") that
// is already in the local Hugging Face cache — the layout the Hub's own tools write and share:
// $HF_HUB_CACHE (else $HF_HOME/hub, else ~/.cache/huggingface/hub) / models--org--name /
// snapshots/<commit>/, the commit named by refs/<revision> (default main).
#pragma once

#include <optional>
#include <string>

namespace vsr::ml {

// The Hub cache directory from the environment.
std::string HubCacheDir();

// models--org--name under `cache_dir`, for a valid Hub id `repo_id`.
std::string RepoCacheDir(const std::string& cache_dir, const std::string& repo_id);

// The snapshot folder of `repo_id` at `revision` in `cache_dir`; nullopt when it is not cached.
std::optional<std::string> CachedSnapshot(const std::string& cache_dir, const std::string& repo_id,
                                          const std::string& revision = "main");

// `name` when it is an existing folder; else the cached snapshot of `repo` (the Hub repo that
// provides the folder; "" = `name` itself, when it is a Hub id); else `name` unchanged
// (loading then reports the missing folder).
std::string ResolveModelFolder(const std::string& name, const std::string& repo = "");

}  // namespace vsr::ml
