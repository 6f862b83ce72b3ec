#include "plugins/image_backends.h"

#include <boost/json.hpp>
#include <charconv>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "plugins/answer_text.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

constexpr int kDefaultSide = 1024;
constexpr int kMaxSide = 8192;                       // larger sizes from a client are ignored
constexpr size_t kMaxImageReply = 32 * 1024 * 1024;  // a 2048x2048 PNG in base64 fits

// base_url without trailing slashes, and the API path after it: a base that already ends in
// /v1 (as OpenAI's own "https://api.openai.com/v1" does) does not get a second one.
std::string Endpoint(std::string base, std::string_view api_path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.ends_with("/v1")) base.resize(base.size() - 3);
  return base + std::string(api_path);
}

std::chrono::milliseconds Timeout(const config::ImageGenPluginConfig& cfg, int default_seconds) {
  return std::chrono::seconds(cfg.timeout_seconds > 0 ? cfg.timeout_seconds : default_seconds);
}

bool ParseObject(const std::string& body, json::object& out, std::string& error) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    error = "failed to parse response: not a JSON object";
    return false;
  }
  out = std::move(v.as_object());
  return true;
}

class VllmOmniBackend final : public ImageBackend {
 public:
  explicit VllmOmniBackend(const config::ImageGenPluginConfig& cfg)
      : cfg_(cfg), backend_(cfg.backend_config.value_or(config::ImageGenBackendConfig{})) {}
  std::string_view name() const override { return "vllm_omni"; }

  OutboundCall Build(const ImageRequest& r) const override {
    int steps = backend_.num_inference_steps > 0 ? backend_.num_inference_steps : 50;
    if (cfg_.max_inference_steps > 0) steps = std::min(steps, cfg_.max_inference_steps);
    json::object extra{{"width", r.width > 0 ? r.width : kDefaultSide},
                       {"height", r.height > 0 ? r.height : kDefaultSide},
                       {"num_inference_steps", steps},
                       {"true_cfg_scale", backend_.cfg_scale != 0 ? backend_.cfg_scale : 4.0}};
    if (backend_.seed) extra["seed"] = *backend_.seed;
    json::object body{
        {"messages", json::array{json::object{{"role", "user"}, {"content", r.prompt}}}}};
    const std::string& model = !r.model.empty() ? r.model : backend_.model;
    if (!model.empty()) body["model"] = model;
    body["extra_body"] = std::move(extra);
    OutboundCall call;
    call.url = Endpoint(backend_.base_url, "/v1/chat/completions");
    call.body = CompactJson(body);
    call.timeout = Timeout(cfg_, 120);
    call.max_reply_bytes = kMaxImageReply;
    return call;
  }

  bool Parse(const std::string& body, const ImageRequest& /*request*/, GeneratedImage& image,
             std::string& error) const override {
    json::object reply;
    if (!ParseObject(body, reply, error)) return false;
    image.model = StringField(reply, "model");
    const json::object* message = FirstChoiceMessage(reply);
    if (message == nullptr) {
      error = "failed to extract image URL: no choices in response";
      return false;
    }
    const json::value* content = message->if_contains("content");
    if (content != nullptr && content->is_array()) {
      for (const json::value& part : content->as_array()) {
        const json::object* p = part.if_object();
        if (p == nullptr || StringField(*p, "type") != "image_url") continue;
        const json::value* iu = p->if_contains("image_url");
        if (iu != nullptr && iu->is_object()) image.url = StringField(iu->as_object(), "url");
        if (iu != nullptr && iu->is_string()) image.url = std::string(iu->as_string());
        if (!image.url.empty()) return true;
      }
    }
    error = content != nullptr && content->is_string()
                ? "failed to extract image URL: response contains text only, no image"
                : "failed to extract image URL: no image URL found in response";
    return false;
  }

 private:
  config::ImageGenPluginConfig cfg_;
  config::ImageGenBackendConfig backend_;
};

class OpenAiImageBackend final : public ImageBackend {
 public:
  explicit OpenAiImageBackend(const config::ImageGenPluginConfig& cfg)
      : cfg_(cfg), backend_(cfg.backend_config.value_or(config::ImageGenBackendConfig{})) {}
  std::string_view name() const override { return "openai"; }

  OutboundCall Build(const ImageRequest& r) const override {
    json::object body{{"model", Model(r)},
                      {"prompt", r.prompt},
                      {"n", 1},
                      {"size", std::to_string(r.width > 0 ? r.width : kDefaultSide) + "x" +
                                   std::to_string(r.height > 0 ? r.height : kDefaultSide)}};
    const std::string& quality = !r.quality.empty() ? r.quality : backend_.quality;
    if (!quality.empty()) body["quality"] = quality;
    if (!backend_.style.empty()) body["style"] = backend_.style;
    OutboundCall call;
    call.url = Endpoint(backend_.base_url.empty() ? "https://api.openai.com" : backend_.base_url,
                        "/v1/images/generations");
    call.headers.emplace_back("Authorization", "Bearer " + ValueOrEnv(backend_.api_key));
    call.body = CompactJson(body);
    call.timeout = Timeout(cfg_, 60);
    call.max_reply_bytes = kMaxImageReply;
    return call;
  }

  bool Parse(const std::string& body, const ImageRequest& request, GeneratedImage& image,
             std::string& error) const override {
    json::object reply;
    if (!ParseObject(body, reply, error)) return false;
    const json::value* data = reply.if_contains("data");
    const json::object* first = data != nullptr && data->is_array() && !data->as_array().empty()
                                    ? data->as_array()[0].if_object()
                                    : nullptr;
    if (first == nullptr) {
      error = "no images in response";
      return false;
    }
    image.model = Model(request);
    image.revised_prompt = StringField(*first, "revised_prompt");
    image.url = StringField(*first, "url");
    if (image.url.empty()) {
      image.base64 = StringField(*first, "b64_json");
      if (image.base64.empty()) {
        error = "no image URL or data in response";
        return false;
      }
      image.url = "data:image/png;base64," + image.base64;
    }
    return true;
  }

 private:
  std::string Model(const ImageRequest& r) const {
    if (!r.model.empty()) return r.model;
    return backend_.model.empty() ? "gpt-image-1" : backend_.model;
  }

  config::ImageGenPluginConfig cfg_;
  config::ImageGenBackendConfig backend_;
};

}  // namespace

std::unique_ptr<ImageBackend> MakeImageBackend(const config::ImageGenPluginConfig& cfg) {
  if (cfg.backend == "vllm_omni") return std::make_unique<VllmOmniBackend>(cfg);
  if (cfg.backend == "openai") return std::make_unique<OpenAiImageBackend>(cfg);
  return nullptr;
}

std::string ExtractImagePrompt(std::string_view text, const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    if (!prefix.empty() && text.size() >= prefix.size() &&
        IEquals(text.substr(0, prefix.size()), prefix)) {
      text.remove_prefix(prefix.size());
      break;
    }
  }
  return std::string(Trim(text));
}

std::pair<int, int> ParseImageSize(std::string_view size) {
  const size_t x = size.find('x');
  if (x == std::string_view::npos) return {0, 0};
  int w = 0, h = 0;
  const std::string_view ws = size.substr(0, x), hs = size.substr(x + 1);
  const auto rw = std::from_chars(ws.data(), ws.data() + ws.size(), w);
  const auto rh = std::from_chars(hs.data(), hs.data() + hs.size(), h);
  if (rw.ec != std::errc() || rw.ptr != ws.data() + ws.size() || rh.ec != std::errc() ||
      rh.ptr != hs.data() + hs.size() || w <= 0 || h <= 0 || w > kMaxSide || h > kMaxSide) {
    return {0, 0};
  }
  return {w, h};
}

}  // namespace vsr::plugins
