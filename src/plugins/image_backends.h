// The image backends of the image_gen plugin (upstream's pkg/imagegen): one class per backend,
// each turning a prompt into one HTTP call and reading the image out of the reply.
//   vllm_omni  POST <base_url>/v1/chat/completions, the prompt as the user message and the
//              diffusion settings in extra_body (width, height, num_inference_steps — default
//              50 —, true_cfg_scale — default 4.0 —, seed); the image is the reply's first
//              image_url content part.
//   openai     POST <base_url>/v1/images/generations (default https://api.openai.com) with
//              `Authorization: Bearer <api_key>`, {model (default gpt-image-1), prompt, n: 1,
//              size: "WxH", quality, style}; the image is data[0].url or data[0].b64_json.
// Images default to 1024x1024; calls time out after timeout_seconds (default 120 s for
// vllm_omni, 60 s for openai).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "plugins/plugin.h"

namespace vsr::plugins {

struct ImageRequest {
  std::string prompt;
  int width = 0;  // 0: the plugin's default_width, else 1024
  int height = 0;
  std::string quality;  // from a Responses API image_generation tool (openai)
  std::string model;    // overrides the backend's model when set
};

struct GeneratedImage {
  std::string url;     // http(s) URL or data: URI
  std::string base64;  // the image bytes, base64, when the backend sent them
  std::string revised_prompt;
  std::string model;
};

class ImageBackend {
 public:
  virtual ~ImageBackend() = default;
  virtual std::string_view name() const = 0;  // vllm_omni | openai (the metrics label)
  virtual OutboundCall Build(const ImageRequest& request) const = 0;
  // The image in a 200 reply's body; false with `error` set when there is none.
  virtual bool Parse(const std::string& body, const ImageRequest& request, GeneratedImage& image,
                     std::string& error) const = 0;
};

// The backend `cfg` names (null for an unknown one: the validator rejects those).
std::unique_ptr<ImageBackend> MakeImageBackend(const config::ImageGenPluginConfig& cfg);

// The prompt without the first of `prefixes` it starts with (case-insensitive), trimmed
// (upstream's ExtractImagePrompt: "draw a cat" -> "a cat" with prefix "draw ").
std::string ExtractImagePrompt(std::string_view text, const std::vector<std::string>& prefixes);

// "1024x1536" -> {1024, 1536}; {0, 0} unless it is WIDTHxHEIGHT with numbers in [1, 8192].
std::pair<int, int> ParseImageSize(std::string_view size);

}  // namespace vsr::plugins
