// image_gen's parts on single inputs: the call each image backend sends and how it reads the
// reply; the prompt and size helpers; what the plugin answers when calls fail (the happy paths
// run through the real data plane in tests/integration/image_gen_test.cpp).
#include "plugins/image_gen.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "common/json_text.h"
#include "support/config_loader.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.as_object() : json::object{};
}

// The config of one image_gen decision `d` (modelRefs `refs`) with plugin block `plugin`,
// keyword modality detection on.
std::shared_ptr<const config::Config> ImageConfig(const std::string& plugin,
                                                  const std::string& refs = "[{model: paint}]") {
  return testing::ConfigFromText(
      "version: v0.3\n"
      "providers:\n"
      "  defaults: {default_model: text}\n"
      "  models:\n"
      "    - {name: text, backend_refs: [{endpoint: '127.0.0.1:1'}]}\n"
      "    - {name: paint, backend_refs: [{endpoint: '127.0.0.1:1'}]}\n"
      "    - {name: omni, backend_refs: [{endpoint: '127.0.0.1:1'}]}\n"
      "routing:\n"
      "  modelCards:\n"
      "    - {name: text, modality: ar}\n"
      "    - {name: paint, modality: diffusion}\n"
      "    - {name: omni, modality: omni}\n"
      "  signals: {modality: [{name: DIFFUSION}, {name: BOTH}]}\n"
      "  decisions:\n"
      "    - name: d\n"
      "      rules: {operator: OR, conditions: [{type: modality, name: DIFFUSION},\n"
      "                                         {type: modality, name: BOTH}]}\n"
      "      modelRefs: " +
      refs +
      "\n"
      "      plugins:\n"
      "        - type: image_gen\n"
      "          configuration: " +
      plugin +
      "\n"
      "global:\n"
      "  model_catalog:\n"
      "    modules:\n"
      "      modality_detector:\n"
      "        enabled: true\n"
      "        method: keyword\n"
      "        keywords: [draw, picture]\n"
      "        both_keywords: [explain and illustrate]\n"
      "        prompt_prefixes: ['draw ']\n");
}

const config::ImageGenPluginConfig& PluginOf(const config::Config& c) {
  return std::get<config::ImageGenPluginConfig>(c.routing.decisions[0].plugins[0].config);
}

const std::string kOmniPlugin =
    "{enabled: true, backend: vllm_omni, default_width: 512, max_inference_steps: 20, "
    "backend_config: {base_url: 'http://img:8005/', model: Qwen/Qwen-Image, "
    "num_inference_steps: 28, seed: 42}}";

TEST(ImageBackends, VllmOmniSendsADiffusionChatRequestAndReadsTheImagePart) {
  auto cfg = ImageConfig(kOmniPlugin);
  auto backend = MakeImageBackend(PluginOf(*cfg));
  ASSERT_NE(backend, nullptr);
  ImageRequest req{"a red fox", 512, 0, "", ""};
  const OutboundCall call = backend->Build(req);
  EXPECT_EQ(call.url, "http://img:8005/v1/chat/completions");
  EXPECT_EQ(call.timeout, std::chrono::seconds(120));
  EXPECT_EQ(Parse(call.body),
            Parse(R"({"messages":[{"role":"user","content":"a red fox"}],)"
                  R"("model":"Qwen/Qwen-Image","extra_body":{"width":512,"height":1024,)"
                  R"("num_inference_steps":20,"true_cfg_scale":4,"seed":42}})"))
      << call.body;

  GeneratedImage image;
  std::string error;
  ASSERT_TRUE(backend->Parse(
      R"({"model":"qwen-image","choices":[{"message":{"content":[{"type":"text","text":"ok"},)"
      R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}}]})",
      req, image, error))
      << error;
  EXPECT_EQ(image.url, "data:image/png;base64,AAAA");
  EXPECT_EQ(image.model, "qwen-image");
  EXPECT_FALSE(
      backend->Parse(R"({"choices":[{"message":{"content":"just words"}}]})", req, image, error));
  EXPECT_EQ(error, "failed to extract image URL: response contains text only, no image");
  EXPECT_FALSE(backend->Parse(R"({"choices":[]})", req, image, error));
  EXPECT_EQ(error, "failed to extract image URL: no choices in response");
  EXPECT_FALSE(backend->Parse("<html>", req, image, error));
}

TEST(ImageBackends, OpenAiSendsAnImagesRequestWithTheKeyAndReadsUrlOrData) {
  ::setenv("VSR_TEST_IMAGE_KEY", "sk-from-env", 1);
  auto cfg = ImageConfig(
      "{enabled: true, backend: openai, timeout_seconds: 9, backend_config: {api_key: "
      "'${VSR_TEST_IMAGE_KEY}', base_url: 'https://api.example.com/v1', quality: hd, style: "
      "vivid}}");
  auto backend = MakeImageBackend(PluginOf(*cfg));
  ImageRequest req{"a red fox", 0, 0, "", ""};
  OutboundCall call = backend->Build(req);
  // OpenAI's own base_url ends in /v1: it is not doubled.
  EXPECT_EQ(call.url, "https://api.example.com/v1/images/generations");
  EXPECT_EQ(call.timeout, std::chrono::seconds(9));
  ASSERT_EQ(call.headers.size(), 1u);
  EXPECT_EQ(call.headers[0].second, "Bearer sk-from-env");
  EXPECT_EQ(Parse(call.body),
            Parse(R"({"model":"gpt-image-1","prompt":"a red fox","n":1,"size":"1024x1024",)"
                  R"("quality":"hd","style":"vivid"})"));
  req.quality = "low";  // from a Responses API image_generation tool
  req.model = "dall-e-3";
  EXPECT_EQ(Parse(backend->Build(req).body).at("quality"), "low");

  GeneratedImage image;
  std::string error;
  ASSERT_TRUE(backend->Parse(R"({"data":[{"b64_json":"QUJD","revised_prompt":"a fox"}]})", req,
                             image, error));
  EXPECT_EQ(image.url, "data:image/png;base64,QUJD");
  EXPECT_EQ(image.base64, "QUJD");
  EXPECT_EQ(image.model, "dall-e-3");
  EXPECT_EQ(image.revised_prompt, "a fox");
  ASSERT_TRUE(backend->Parse(R"({"data":[{"url":"https://cdn/x.png"}]})", req, image, error));
  EXPECT_EQ(image.url, "https://cdn/x.png");
  EXPECT_FALSE(backend->Parse(R"({"data":[]})", req, image, error));
  EXPECT_EQ(error, "no images in response");
}

TEST(ImageBackends, PromptPrefixesAndSizes) {
  const std::vector<std::string> prefixes{"generate an image of ", "draw "};
  EXPECT_EQ(ExtractImagePrompt("Draw a cat ", prefixes), "a cat");
  EXPECT_EQ(ExtractImagePrompt("Generate an image of a draw bridge", prefixes), "a draw bridge");
  EXPECT_EQ(ExtractImagePrompt("  a cat", prefixes), "a cat");
  EXPECT_EQ(ExtractImagePrompt("dra", prefixes), "dra");
  EXPECT_EQ(ParseImageSize("1024x1536"), (std::pair{1024, 1536}));
  for (const char* bad : {"auto", "1024", "x5", "5x", "-5x5", "0x5", "9000x10", "5x5x5", "1e3x5"}) {
    EXPECT_EQ(ParseImageSize(bad), (std::pair{0, 0})) << bad;
  }
}

// A request as the data plane hands it to the plugin: `text` from the user, the modality rule
// the signal matched.
struct Req {
  explicit Req(std::shared_ptr<const config::Config> c, const std::string& text,
               const std::string& modality)
      : config(std::move(c)) {
    request = request::FromText(text);
    routing.signals.Of(signals::Family::kModality).output.matched = {modality};
    body =
        json::object{{"model", "MoM"},
                     {"stream", true},
                     {"tools", json::array{}},
                     {"messages", json::array{json::object{{"role", "user"}, {"content", text}}}}};
    ctx.request_id = "r1";
    ctx.config = config.get();
    ctx.decision = &config->routing.decisions[0];
    ctx.routing = &routing;
    ctx.request = &request;
    ctx.readable_body = &body;
  }
  std::shared_ptr<const config::Config> config;
  routing::RoutingResult routing;
  request::Request request;
  json::object body;
  RequestContext ctx;
};

OutboundReply Reply(int status, std::string body, std::string error = "") {
  OutboundReply r;
  r.status = status;
  r.body = std::move(body);
  r.error = std::move(error);
  return r;
}

const std::string kImageReply =
    R"({"model":"qwen-image","choices":[{"message":{"content":[)"
    R"({"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}}]})";
const std::string kTextReply =
    R"({"model":"sim-text","choices":[{"message":{"role":"assistant","content":"Leaves."}}]})";

TEST(ImageGenPlugin, TextQuestionsAndADisabledDetectorLeaveTheRequestAlone) {
  auto cfg = ImageConfig(kOmniPlugin);
  ImageGenPlugin plugin(PluginOf(*cfg), {});
  Req ar(cfg, "what is a fox?", "AR");
  EXPECT_TRUE(plugin.PrepareCalls(ar.ctx).empty());
  EXPECT_EQ(ar.ctx.fail_status, 0);
  Req none(cfg, "what is a fox?", "");
  none.routing.signals.Of(signals::Family::kModality).output.matched.clear();
  EXPECT_TRUE(plugin.PrepareCalls(none.ctx).empty());
}

TEST(ImageGenPlugin, DiffusionDrawsThePromptAndAnswersWithTheImage) {
  auto cfg = ImageConfig(kOmniPlugin);
  ImageGenPlugin plugin(PluginOf(*cfg), {});
  Req r(cfg, "draw a red fox", "DIFFUSION");
  std::vector<OutboundCall> calls = plugin.PrepareCalls(r.ctx);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(Parse(calls[0].body).at("messages").at(0).at("content"), "a red fox");
  std::vector<OutboundReply> replies{Reply(200, kImageReply)};
  plugin.OnCallsDone(r.ctx, replies);
  ASSERT_TRUE(r.ctx.answer);
  EXPECT_FALSE(r.ctx.answer->sse);  // whole JSON even for a streaming client, as upstream
  EXPECT_EQ(r.ctx.answer->headers, (HeaderList{{"x-vsr-selected-modality", "DIFFUSION;signal"}}));
  const json::object answer = Parse(r.ctx.answer->body);
  EXPECT_EQ(answer.at("model"), "qwen-image");
  EXPECT_EQ(
      answer.at("choices").at(0).at("message").at("content"),
      Parse(R"({"c":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]})")
          .at("c"));

  Req failed(cfg, "draw a red fox", "DIFFUSION");
  replies = {Reply(500, R"({"error":"gpu on fire"})")};
  plugin.OnCallsDone(failed.ctx, replies);
  EXPECT_FALSE(failed.ctx.answer);
  EXPECT_EQ(failed.ctx.fail_status, 503);
  EXPECT_EQ(failed.ctx.fail_message,
            "Modality routing failed: image generation failed: request failed with status 500: "
            "{\"error\":\"gpu on fire\"}");
}

TEST(ImageGenPlugin, BothAsksTheTextModelWithoutToolsBesideTheImageAndKeepsWhatCameBack) {
  auto cfg = ImageConfig(kOmniPlugin, "[{model: text}, {model: paint}]");
  ImageGenPlugin plugin(PluginOf(*cfg), {});
  Req r(cfg, "explain and illustrate a leaf with a picture", "BOTH");
  std::vector<OutboundCall> calls = plugin.PrepareCalls(r.ctx);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].model, "text");
  const json::object text_call = Parse(calls[0].body);
  EXPECT_FALSE(text_call.contains("stream"));  // answered whole
  EXPECT_FALSE(text_call.contains("tools"));
  EXPECT_TRUE(calls[1].model.empty());
  EXPECT_EQ(calls[1].url, "http://img:8005/v1/chat/completions");

  std::vector<OutboundReply> replies{Reply(200, kTextReply), Reply(200, kImageReply)};
  plugin.OnCallsDone(r.ctx, replies);
  ASSERT_TRUE(r.ctx.answer);
  json::object answer = Parse(r.ctx.answer->body);
  EXPECT_EQ(answer.at("model"), "sim-text");
  const json::array& parts = answer.at("choices").at(0).at("message").at("content").as_array();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], (json::object{{"type", "text"}, {"text", "Leaves."}}));
  EXPECT_EQ(parts[1].at("type"), "image_url");

  // The image failed: the text alone (and the reverse: the image alone).
  Req text_only(cfg, "explain and illustrate a leaf with a picture", "BOTH");
  replies = {Reply(200, kTextReply), Reply(0, "", "connection refused")};
  plugin.OnCallsDone(text_only.ctx, replies);
  ASSERT_TRUE(text_only.ctx.answer);
  answer = Parse(text_only.ctx.answer->body);
  EXPECT_EQ(answer.at("choices").at(0).at("message").at("content").as_array().size(), 1u);
  Req image_only(cfg, "explain and illustrate a leaf with a picture", "BOTH");
  replies = {Reply(502, "bad gateway"), Reply(200, kImageReply)};
  plugin.OnCallsDone(image_only.ctx, replies);
  ASSERT_TRUE(image_only.ctx.answer);
  EXPECT_EQ(Parse(image_only.ctx.answer->body).at("model"), "qwen-image");

  Req neither(cfg, "explain and illustrate a leaf with a picture", "BOTH");
  replies = {Reply(502, "bad gateway"), Reply(0, "", "timed out")};
  plugin.OnCallsDone(neither.ctx, replies);
  EXPECT_EQ(neither.ctx.fail_status, 503);
  EXPECT_EQ(neither.ctx.fail_message,
            "Modality routing failed: BOTH: AR failed (AR endpoint returned status 502: bad "
            "gateway) and diffusion failed (image generation failed: request failed: timed out)");
}

TEST(ImageGenPlugin, AnOmniModelGetsTheWholeRequestAndMissingModelsAreNamed) {
  auto cfg = ImageConfig(kOmniPlugin, "[{model: paint}, {model: omni}]");
  ImageGenPlugin plugin(PluginOf(*cfg), {});
  Req r(cfg, "explain and illustrate a leaf with a picture", "BOTH");
  std::vector<OutboundCall> calls = plugin.PrepareCalls(r.ctx);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].model, "omni");
  EXPECT_TRUE(Parse(calls[0].body).contains("tools"));  // the omni model gets it all
  std::vector<OutboundReply> replies{Reply(200, kTextReply)};
  plugin.OnCallsDone(r.ctx, replies);
  ASSERT_TRUE(r.ctx.answer);
  EXPECT_EQ(r.ctx.answer->body, kTextReply);  // as the omni model sent it
  Req failed(cfg, "draw a leaf", "DIFFUSION");
  replies = {Reply(404, "no such model")};
  plugin.OnCallsDone(failed.ctx, replies);
  EXPECT_EQ(failed.ctx.fail_message,
            "Modality routing failed: omni endpoint returned status 404: no such model");

  auto text_only = ImageConfig(kOmniPlugin, "[{model: text}]");
  ImageGenPlugin lacking(PluginOf(*text_only), {});
  Req both(text_only, "explain and illustrate a leaf with a picture", "BOTH");
  EXPECT_TRUE(lacking.PrepareCalls(both.ctx).empty());
  EXPECT_EQ(both.ctx.fail_message,
            "Modality routing failed: decision \"d\" has no diffusion or omni model in modelRefs");
  auto paint_only = ImageConfig(kOmniPlugin, "[{model: paint}]");
  ImageGenPlugin no_text(PluginOf(*paint_only), {});
  Req both2(paint_only, "explain and illustrate a leaf with a picture", "BOTH");
  EXPECT_TRUE(no_text.PrepareCalls(both2.ctx).empty());
  EXPECT_EQ(both2.ctx.fail_message,
            "Modality routing failed: decision \"d\" has no AR or omni model in modelRefs");
}

}  // namespace
}  // namespace vsr::plugins
