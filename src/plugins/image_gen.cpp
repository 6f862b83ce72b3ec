#include "plugins/image_gen.h"

#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "common/unix_time.h"
#include "plugins/answer_text.h"
#include "plugins/immediate_answer.h"
#include "signals/family.h"

namespace vsr::plugins {

namespace json = boost::json;

namespace {

// The image_generation tool of a Responses API request (upstream's ImageGenerationToolParams).
struct ImageTool {
  bool present = false;
  std::string size, quality, model;
};

ImageTool ImageToolOf(const RequestContext& ctx) {
  ImageTool tool;
  const json::object* req = ctx.responses_request;
  const json::value* tools = req != nullptr ? req->if_contains("tools") : nullptr;
  if (tools == nullptr || !tools->is_array()) return tool;
  for (const json::value& t : tools->as_array()) {
    const json::object* o = t.if_object();
    if (o == nullptr || StringField(*o, "type") != "image_generation") continue;
    tool.present = true;
    tool.size = StringField(*o, "size");
    tool.quality = StringField(*o, "quality");
    tool.model = StringField(*o, "model");
    return tool;
  }
  return tool;
}

// The model card modality of each of the decision's modelRefs: the first omni, ar and
// diffusion model.
struct DecisionModels {
  std::string omni, ar, diffusion;
};

DecisionModels ModelsOf(const config::Config& cfg, const config::Decision& decision) {
  DecisionModels m;
  for (const config::ModelRef& ref : decision.model_refs) {
    for (const config::ModelCard& card : cfg.routing.model_cards) {
      if (card.name != ref.model) continue;
      for (auto [modality, slot] : {std::pair{"omni", &m.omni}, std::pair{"ar", &m.ar},
                                    std::pair{"diffusion", &m.diffusion}}) {
        if (card.modality == modality && slot->empty()) *slot = ref.model;
      }
      break;
    }
  }
  return m;
}

// The chat request a model call sends: the client's OpenAI body (Anthropic clients: their
// conversation as plain messages), answered whole. The data plane sets `model`.
std::string ChatCallBody(const RequestContext& ctx, bool keep_tools, const ImageTool& tool) {
  json::object body;
  if (!ctx.anthropic && ctx.readable_body != nullptr) {
    body = *ctx.readable_body;
  } else if (ctx.request != nullptr) {
    json::array messages;
    for (const request::Message& m : ctx.request->messages) {
      messages.push_back(json::object{{"role", m.role}, {"content", m.text}});
    }
    body["messages"] = std::move(messages);
  }
  body.erase("stream");
  body.erase("stream_options");
  if (!keep_tools) {
    body.erase("tools");
    body.erase("tool_choice");
  }
  if (const auto [w, h] = ParseImageSize(tool.size); w > 0) {
    body["extra_body"] = json::object{{"width", w}, {"height", h}};
  }
  return CompactJson(body);
}

std::string Head(const std::string& body) {
  return body.substr(0, 200);
}

// The reply of a model call as a chat.completion object, or why there is none.
bool ReadChat(const std::string& who, const OutboundReply& reply, json::object& out,
              std::string& error) {
  if (!reply.error.empty()) {
    error = who + " request failed: " + reply.error;
    return false;
  }
  if (reply.status != 200) {
    error =
        who + " endpoint returned status " + std::to_string(reply.status) + ": " + Head(reply.body);
    return false;
  }
  boost::system::error_code ec;
  json::value v = json::parse(reply.body, ec);
  if (ec || !v.is_object()) {
    error = "failed to parse " + who + " response";
    return false;
  }
  out = std::move(v.as_object());
  return true;
}

json::object ImagePart(const std::string& url) {
  return json::object{{"type", "image_url"}, {"image_url", json::object{{"url", url}}}};
}

// A chat.completion whose assistant message has these content parts.
std::string PartsCompletion(const RequestContext& ctx, const std::string& model,
                            json::array parts) {
  json::object c = TextCompletion("chatcmpl-" + ctx.request_id, UnixSeconds(), model, "");
  c.erase("usage");
  c["choices"].as_array()[0].as_object()["message"].as_object()["content"] = std::move(parts);
  return CompactJson(c);
}

}  // namespace

ImageGenPlugin::ImageGenPlugin(const config::ImageGenPluginConfig& cfg,
                               const PluginServices& services)
    : cfg_(cfg), backend_(MakeImageBackend(cfg)), log_(services.log), metrics_(services.metrics) {}

ImageGenPlugin::Plan ImageGenPlugin::PlanFor(const RequestContext& ctx) const {
  Plan plan;
  if (ctx.config == nullptr || ctx.decision == nullptr || ctx.request == nullptr) return plan;
  const config::ModalityDetectorModule& detector =
      ctx.config->global.model_catalog.modules.modality_detector;
  if (!detector.enabled) return plan;  // upstream: no detector, no modality routing
  // Looper calls come back through the listener: they are text calls by construction.
  if (!ctx.request->Header("x-vsr-looper-request").empty()) return plan;

  if (ctx.routing != nullptr) {
    const auto& matched = ctx.routing->signals.Of(signals::Family::kModality).output.matched;
    if (!matched.empty()) {
      plan.modality = ToUpper(matched.front());
      plan.method = "signal";
    }
  }
  const ImageTool tool = ImageToolOf(ctx);
  if (tool.present && (plan.modality.empty() || plan.modality == "AR")) {
    plan.modality = ctx.request->current_user_text.empty() ? "DIFFUSION" : "BOTH";
    plan.method = "image_generation_tool";
  }
  if (plan.modality != "DIFFUSION" && plan.modality != "BOTH") {
    plan.modality.clear();
    return plan;
  }

  plan.image.prompt = ExtractImagePrompt(ctx.request->current_user_text, detector.prompt_prefixes);
  plan.image.width = cfg_.default_width;
  plan.image.height = cfg_.default_height;
  if (const auto [w, h] = ParseImageSize(tool.size); w > 0) {
    plan.image.width = w;
    plan.image.height = h;
  }
  if (tool.quality != "auto") plan.image.quality = tool.quality;
  plan.image.model = tool.model;

  const DecisionModels models = ModelsOf(*ctx.config, *ctx.decision);
  const std::string& name = ctx.decision->name;
  if (!models.omni.empty()) {
    plan.omni = models.omni;
  } else if (plan.modality == "BOTH" && models.ar.empty()) {
    plan.error = "decision \"" + name + "\" has no AR or omni model in modelRefs";
  } else if (models.diffusion.empty()) {
    plan.error = "decision \"" + name + "\" has no diffusion or omni model in modelRefs";
  } else if (!backend_) {  // the validator only lets vllm_omni and openai through
    plan.error = "unknown image_gen backend: " + cfg_.backend;
  } else {
    plan.ar = plan.modality == "BOTH" ? models.ar : "";
  }
  return plan;
}

std::vector<OutboundCall> ImageGenPlugin::PrepareCalls(RequestContext& ctx) {
  std::vector<OutboundCall> calls;
  const Plan plan = PlanFor(ctx);
  if (plan.modality.empty()) return calls;
  if (!plan.error.empty()) {
    Fail(ctx, plan.error);
    return calls;
  }
  const ImageTool tool = ImageToolOf(ctx);
  auto model_call = [&](const std::string& model, bool keep_tools) {
    OutboundCall call;
    call.model = model;
    call.body = ChatCallBody(ctx, keep_tools, tool);
    call.timeout = std::chrono::seconds(120);  // upstream's AR and omni client timeout
    call.max_reply_bytes = 32 * 1024 * 1024;
    return call;
  };
  if (!plan.omni.empty()) {
    calls.push_back(model_call(plan.omni, true));
    return calls;
  }
  if (!plan.ar.empty()) calls.push_back(model_call(plan.ar, false));
  calls.push_back(backend_->Build(plan.image));
  return calls;
}

bool ImageGenPlugin::ReadImage(const Plan& plan, const OutboundReply& reply, GeneratedImage& image,
                               std::string& error) const {
  if (!reply.error.empty()) {
    error = "request failed: " + reply.error;
  } else if (reply.status != 200) {
    error = "request failed with status " + std::to_string(reply.status) + ": " +
            reply.body.substr(0, 1024);
  } else {
    backend_->Parse(reply.body, plan.image, image, error);
  }
  const bool ok = error.empty();
  if (metrics_) metrics_->RecordImageGen(std::string(backend_->name()), ok, reply.seconds);
  if (!ok) error = "image generation failed: " + error;
  return ok;
}

void ImageGenPlugin::OnCallsDone(RequestContext& ctx, std::vector<OutboundReply>& replies) {
  const Plan plan = PlanFor(ctx);
  if (plan.modality.empty() || !plan.error.empty() || replies.empty()) return;
  std::string error;
  if (!plan.omni.empty()) {
    json::object chat;
    if (!ReadChat("omni", replies.front(), chat, error)) {
      Fail(ctx, error);
      return;
    }
    Answer(ctx, plan, std::move(replies.front().body));  // the omni model's answer, as it is
    return;
  }
  GeneratedImage image;
  const bool drawn = ReadImage(plan, replies.back(), image, error);
  if (plan.ar.empty()) {  // DIFFUSION
    if (!drawn) {
      Fail(ctx, error);
      return;
    }
    Answer(ctx, plan, PartsCompletion(ctx, image.model, json::array{ImagePart(image.url)}));
    return;
  }
  // BOTH: text and image, or whichever of them came back.
  json::object chat;
  std::string text_error;
  const bool answered = ReadChat("AR", replies.front(), chat, text_error);
  if (!answered && !drawn) {
    Fail(ctx, "BOTH: AR failed (" + text_error + ") and diffusion failed (" + error + ")");
    return;
  }
  const std::string& decision = ctx.decision->name;
  if (log_ && !answered) log_("decision '" + decision + "': image_gen BOTH: " + text_error);
  if (log_ && !drawn) log_("decision '" + decision + "': image_gen BOTH: " + error);
  json::array parts;
  const std::string text = answered ? AssistantText(chat) : "";
  if (!text.empty()) parts.push_back(json::object{{"type", "text"}, {"text", text}});
  if (drawn) parts.push_back(ImagePart(image.url));
  if (parts.empty()) {
    parts.push_back(json::object{{"type", "text"},
                                 {"text", "Failed to generate both text and image responses."}});
  }
  const std::string model =
      answered && chat.contains("model") ? StringField(chat, "model") : image.model;
  Answer(ctx, plan, PartsCompletion(ctx, model, std::move(parts)));
}

void ImageGenPlugin::Answer(RequestContext& ctx, const Plan& plan, std::string body) const {
  ImmediateAnswer answer;
  answer.body = std::move(body);
  answer.headers.emplace_back("x-vsr-selected-modality", plan.modality + ";" + plan.method);
  ctx.answer = std::move(answer);
}

void ImageGenPlugin::Fail(RequestContext& ctx, const std::string& why) const {
  ctx.fail_status = 503;
  ctx.fail_message = "Modality routing failed: " + why;
}

}  // namespace vsr::plugins
