// Downloads a model repository from a Hugging Face Hub (the public one, or any server that speaks
// its protocol: HF_ENDPOINT) into the local Hugging Face cache, in the layout the Hub's own tools
// write and read — blobs/<etag>, snapshots/<commit>/<file> -> ../../blobs/<etag>,
// refs/<revision> — so models are shared with other tools and found again by ml::HubCacheDir.
//
// Safety of the cache: a file arrives as blobs/<etag>.incomplete and is resumed from there
// (HTTP Range) after a dropped connection or an interrupted run; LFS files are checked against
// their sha256 and size before they are renamed into place; refs/<revision> is written last, so
// readers see a snapshot only when every file is in it. Two processes fetching the same blob
// take turns (a lock file beside it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace vsr::hub {

struct HubOptions {
  std::string endpoint = "https://huggingface.co";
  std::string token;      // sent (Bearer) to the endpoint's host only, never to CDN redirects
  std::string cache_dir;  // the Hub cache (models--org--name/...)
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds read_timeout{60000};  // longest silence while reading
  int attempts = 5;                               // per file; later attempts resume
  std::chrono::milliseconds retry_pause{1000};    // grows with each attempt
};

// HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (else HUGGING_FACE_HUB_TOKEN), and the
// cache directory of HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub.
HubOptions HubOptionsFromEnv();
// HF_HUB_OFFLINE is set to 1/true/yes/on: never reach out to the Hub.
bool HubOffline();

struct FileProgress {
  std::string repo;
  std::string file;
  uint64_t done = 0;   // bytes of the file present so far (resumed bytes included)
  uint64_t total = 0;  // 0 when the server did not say
  bool finished = false;
};
using ProgressFn = std::function<void(const FileProgress&)>;

struct SnapshotResult {
  std::string folder;  // the snapshot folder; "" on error
  std::string commit;
  std::string error;             // what failed and how to fix it
  bool hub_unreachable = false;  // no answer at all from the endpoint (other repos would fail too)
  uint64_t downloaded = 0;       // bytes fetched by this call
};

// Fetches the files a model folder needs (WantedFile) of `repo_id` at `revision` (branch, tag
// or commit). Files already in the cache are not fetched again.
SnapshotResult DownloadSnapshot(const std::string& repo_id, const std::string& revision,
                                const HubOptions& options, const ProgressFn& progress = {});

// Root-level files only, and no weights in formats this runtime does not read (PyTorch .bin,
// ONNX, TensorFlow, Flax, GGUF): a repo often carries several copies of the same weights.
bool WantedFile(const std::string& name);

}  // namespace vsr::hub
