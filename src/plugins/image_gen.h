// image_gen: modality routing (upstream's req_filter_modality.go). When
// global.model_catalog.modules.modality_detector is enabled and the modality signal says the
// question wants an image — DIFFUSION (an image) or BOTH (text and an image) — or a Responses API
// request carries an `image_generation` tool, the decision's modelRefs are read by their model
// cards' `modality`:
//   - an `omni` model gets the whole chat request (one call: text and images); its answer is
//     returned as it is;
//   - DIFFUSION: the plugin's image backend (image_backends.h) draws the prompt — the question
//     without the first matching modality_detector.prompt_prefixes — and the answer is a
//     chat.completion whose content is that image_url part;
//   - BOTH: the `ar` model answers in text while the image is drawn, concurrently; the answer
//     holds the text part and the image part (one of them when the other failed).
// Answers are whole JSON (streaming clients too, as upstream), with
// `x-vsr-selected-modality: <MODALITY>;<method>` (method: signal | image_generation_tool);
// Responses API clients get image_generation_call output items. A failure answers 503
// "Modality routing failed: ...". AR questions go on to the selected model as usual.
#pragma once

#include <memory>
#include <string>

#include "plugins/image_backends.h"
#include "plugins/plugin.h"
#include "plugins/services.h"

namespace vsr::plugins {

class ImageGenPlugin final : public Plugin {
 public:
  ImageGenPlugin(const config::ImageGenPluginConfig& cfg, const PluginServices& services);
  std::string_view type() const override { return "image_gen"; }
  bool calls_out() const override { return true; }
  std::vector<OutboundCall> PrepareCalls(RequestContext& ctx) override;
  void OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) override;

  // What a request asks of this plugin (a pure function of the request: PrepareCalls and
  // OnCallsDone both read it, as the plugin is shared by concurrent requests).
  struct Plan {
    std::string modality;  // DIFFUSION | BOTH; empty: not an image request
    std::string method;    // signal | image_generation_tool
    std::string omni;      // the decision's omni model, when it has one
    std::string ar;        // its ar model (BOTH without omni)
    ImageRequest image;
    std::string error;  // why the request cannot be served
  };
  Plan PlanFor(const RequestContext& ctx) const;

 private:
  void Answer(RequestContext& ctx, const Plan& plan, std::string body) const;
  void Fail(RequestContext& ctx, const std::string& why) const;
  // The image out of the image backend's reply; records the image_gen metrics.
  bool ReadImage(const Plan& plan, const OutboundReply& reply, GeneratedImage& image,
                 std::string& error) const;

  config::ImageGenPluginConfig cfg_;
  std::unique_ptr<ImageBackend> backend_;
  std::function<void(const std::string&)> log_;
  std::shared_ptr<observability::RouterMetrics> metrics_;
};

}  // namespace vsr::plugins
