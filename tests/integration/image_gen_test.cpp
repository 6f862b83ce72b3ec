// image_gen through the real data plane, with simulators as every backend: one draws like a
// vLLM-Omni server (diffusion chat requests), one like OpenAI's images API, one answers text
// (the ar model), one plays an omni model. Checked on what each backend received and what each
// client API gets back: the image part (chat), an image block (Anthropic), an
// image_generation_call item (Responses, also when an image_generation tool asks for it), text
// and image together for BOTH, what `vllm-sr chat` prints, and the image_gen metrics.
#include <gtest/gtest.h>

#include "observability/router_metrics.h"
#include "support/cli_runner.h"
#include "support/data_plane_fixture.h"

namespace vsr::server {
namespace {

namespace json = boost::json;
using test::DataPlaneTest;
using test::ParseObject;
using test::Sim;

constexpr const char* kPngBase64 = "iVBORw0KGgo";  // how every base64 PNG starts

simulator::SimulatorOptions Named(const std::string& name, const std::string& key = "") {
  simulator::SimulatorOptions o;
  o.name = name;
  o.api_key = key;
  return o;
}

class ImageGenTest : public DataPlaneTest {
 protected:
  void SetUp() override {
    const auto ep = [](const Sim& s) { return "[{name: a, endpoint: '" + s.Endpoint() + "'}]"; };
    const std::string url = "http://" + omni_server_.Endpoint();
    Start(test::FastModelHead(ep(text_)) +
              "    - {name: painter, backend_refs: " + ep(omni_server_) +
              "}\n"
              "    - {name: omni, provider_model_id: omni-sim, backend_refs: " +
              ep(omni_) +
              "}\n"
              "routing:\n"
              "  modelCards:\n"
              "    - {name: fast, modality: ar}\n"
              "    - {name: painter, modality: diffusion}\n"
              "    - {name: omni, modality: omni}\n"
              "  signals:\n"
              "    keywords: [{name: studio, operator: OR, keywords: [studio]}]\n"
              "    modality: [{name: DIFFUSION}, {name: BOTH}]\n"
              "  decisions:\n"
              "    - name: studio\n"
              "      priority: 200\n"
              "      rules: {operator: AND, conditions: [{type: keyword, name: studio},\n"
              "                                          {type: modality, name: DIFFUSION}]}\n"
              "      modelRefs: [{model: omni}]\n"
              "      plugins:\n"
              "        - type: image_gen\n"
              "          configuration: {enabled: true, backend: vllm_omni,\n"
              "                          backend_config: {base_url: '" +
              url +
              "'}}\n"
              "    - name: draw\n"
              "      priority: 100\n"
              "      rules: {operator: AND, conditions: [{type: modality, name: DIFFUSION}]}\n"
              "      modelRefs: [{model: painter}]\n"
              "      plugins:\n"
              "        - {type: semantic-cache, configuration: {enabled: true}}\n"
              "        - type: image_gen\n"
              "          configuration:\n"
              "            enabled: true\n"
              "            backend: vllm_omni\n"
              "            default_width: 512\n"
              "            default_height: 256\n"
              "            backend_config: {base_url: '" +
              url +
              "/', model: Qwen/Qwen-Image, num_inference_steps: 4, seed: 7}\n"
              "    - name: assistant\n"
              "      rules: {operator: AND, conditions: []}\n"
              "      modelRefs: [{model: fast}, {model: painter}]\n"
              "      plugins:\n"
              "        - type: image_gen\n"
              "          configuration:\n"
              "            enabled: true\n"
              "            backend: openai\n"
              "            backend_config: {api_key: sk-img, base_url: 'http://" +
              images_.Endpoint() +
              "/v1', quality: hd}\n"
              "global:\n"
              "  services: {response_api: {enabled: true}}\n"
              "  model_catalog:\n"
              "    modules:\n"
              "      modality_detector:\n"
              "        enabled: true\n"
              "        method: keyword\n"
              "        keywords: [draw, picture]\n"
              "        both_keywords: [explain and illustrate]\n"
              "        prompt_prefixes: ['draw ']\n",
          Options());
  }
  DataPlaneOptions Options() {
    plugins::PluginServices services;
    services.metrics = metrics_;
    DataPlaneOptions options;
    options.metrics = metrics_;
    options.plugins = std::make_shared<plugins::PluginRuntime>(std::move(services));
    return options;
  }
  static json::object Received(const Sim& s) { return ParseObject(s.sim->last_request().body); }

  std::shared_ptr<observability::RouterMetrics> metrics_ =
      std::make_shared<observability::RouterMetrics>();
  Sim text_{Named("text")};
  Sim omni_server_{Named("vllm-omni")};  // draws: the diffusion backend of `draw` and `studio`
  Sim images_{Named("images", "sk-img")};
  Sim omni_{Named("omni")};
};

TEST_F(ImageGenTest, DiffusionAnswersWithThePictureInEveryClientApi) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "Draw a red fox", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-modality"), "DIFFUSION;signal");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");  // whole, as upstream
  json::object answer = ParseObject(r.body);
  const json::value& part = answer.at("choices").at(0).at("message").at("content").at(0);
  EXPECT_EQ(part.at("type"), "image_url");
  const std::string url(part.at("image_url").at("url").as_string());
  EXPECT_EQ(url.rfind(std::string("data:image/png;base64,") + kPngBase64, 0), 0u) << url;
  // The diffusion server got the prompt without its prefix and the plugin's settings.
  EXPECT_EQ(omni_server_.sim->last_request().path, "/v1/chat/completions");
  EXPECT_EQ(Received(omni_server_),
            ParseObject(R"({"messages":[{"role":"user","content":"a red fox"}],)"
                        R"("model":"Qwen/Qwen-Image","extra_body":{"width":512,"height":256,)"
                        R"("num_inference_steps":4,"true_cfg_scale":4,"seed":7}})"));
  EXPECT_EQ(text_.sim->stats().requests.load(), 0u);  // no text model asked
  // Pictures are not a model's answers: the semantic cache keeps none, the next one is drawn.
  r = Post("/v1/chat/completions", Chat("MoM", "Draw a red fox"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.count("x-vsr-cache-hit"), 0u);
  EXPECT_EQ(omni_server_.sim->stats().requests.load(), 2u);

  r = Post(
      "/v1/messages",
      R"({"model":"MoM","max_tokens":64,"messages":[{"role":"user","content":"draw a fox"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  answer = ParseObject(r.body);
  const json::value& block = answer.at("content").at(0);
  EXPECT_EQ(block.at("type"), "image");
  EXPECT_EQ(block.at("source").at("media_type"), "image/png");
  EXPECT_EQ(std::string(block.at("source").at("data").as_string()).rfind(kPngBase64, 0), 0u);

  r = Post("/v1/responses", R"({"model":"MoM","input":"draw a fox"})");
  ASSERT_EQ(r.status, 200) << r.body;
  answer = ParseObject(r.body);
  const json::array& output = answer.at("output").as_array();
  ASSERT_EQ(output.size(), 2u) << r.body;
  EXPECT_EQ(output[0].at("type"), "image_generation_call");
  EXPECT_EQ(output[0].at("status"), "completed");
  EXPECT_EQ(std::string(output[0].at("result").as_string()).rfind(kPngBase64, 0), 0u);
  EXPECT_EQ(output[1].at("content").at(0).at("text"),
            "Here is the generated image based on your request.");

  // `vllm-sr chat` says there is an image (--json prints its data).
  const testing::CliRun cli =
      testing::RunCli("chat --base-url " + proxy_->Url("") + " 'draw a fox'");
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("[image: image/png, "), std::string::npos) << cli.output;
  EXPECT_NE(cli.output.find("x-vsr-selected-modality: DIFFUSION;signal"), std::string::npos);

  const std::string metrics = metrics_->Render();
  EXPECT_NE(metrics.find(R"(image_gen_requests_total{backend="vllm_omni",status="success"} 5)"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(image_gen_latency_seconds_count{backend="vllm_omni"} 5)"),
            std::string::npos);
}

TEST_F(ImageGenTest, BothAnswersWithTheTextModelsWordsAndTheImagesApiPicture) {
  const HttpResult r = Post(
      "/v1/chat/completions",
      R"({"model":"MoM","stream":true,"tools":[{"type":"function","function":{"name":"f"}}],)"
      R"("messages":[{"role":"user","content":"Explain and illustrate photosynthesis with a picture"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-modality"), "BOTH;signal");
  const json::object answer = ParseObject(r.body);
  const json::array& parts = answer.at("choices").at(0).at("message").at("content").as_array();
  ASSERT_EQ(parts.size(), 2u) << r.body;
  EXPECT_EQ(parts[0].at("type"), "text");
  EXPECT_FALSE(parts[0].at("text").as_string().empty());
  EXPECT_EQ(parts[1].at("type"), "image_url");
  // The text model got the question whole, without tools, under its provider id.
  const json::object text_call = Received(text_);
  EXPECT_EQ(text_call.at("model"), "sim-fast");
  EXPECT_FALSE(text_call.contains("stream"));
  EXPECT_FALSE(text_call.contains("tools"));
  // The images API got the key and the prompt.
  const simulator::ReceivedRequest image_call = images_.sim->last_request();
  EXPECT_EQ(image_call.path, "/v1/images/generations");
  EXPECT_EQ(image_call.headers.at("authorization"), "Bearer sk-img");
  EXPECT_EQ(
      ParseObject(image_call.body),
      ParseObject(R"({"model":"gpt-image-1","prompt":"Explain and illustrate )"
                  R"(photosynthesis with a picture","n":1,"size":"1024x1024","quality":"hd"})"));
  EXPECT_EQ(images_.sim->stats().unauthorized.load(), 0u);
}

TEST_F(ImageGenTest, AResponsesImageGenerationToolAsksForAnImage) {
  const HttpResult r =
      Post("/v1/responses", R"({"model":"MoM","input":"Tell me about foxes",)"
                            R"("tools":[{"type":"image_generation","size":"640x480"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-modality"), "BOTH;image_generation_tool");
  const json::object answer = ParseObject(r.body);
  const json::array& output = answer.at("output").as_array();
  ASSERT_EQ(output.size(), 2u) << r.body;
  EXPECT_EQ(output[0].at("type"), "image_generation_call");
  EXPECT_EQ(output[1].at("type"), "message");
  EXPECT_EQ(ParseObject(images_.sim->last_request().body).at("size"), "640x480");
  EXPECT_EQ(ParseObject(images_.sim->last_request().body).at("prompt"), "Tell me about foxes");
}

TEST_F(ImageGenTest, AnOmniModelAnswersWholeAndTextQuestionsRouteAsUsual) {
  HttpResult r = Post("/v1/chat/completions", Chat("MoM", "draw a studio portrait"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("x-vsr-selected-modality"), "DIFFUSION;signal");
  EXPECT_EQ(ParseObject(r.body).at("model"), "omni-sim");  // the omni model's own answer
  EXPECT_EQ(Received(omni_).at("messages").at(0).at("content"), "draw a studio portrait");
  EXPECT_EQ(omni_server_.sim->stats().requests.load(), 0u);

  r = Post("/v1/chat/completions", Chat("MoM", "what do foxes eat?", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.count("x-vsr-selected-modality"), 0u);
  EXPECT_EQ(r.headers.at("x-vsr-selected-model"), "fast");
  EXPECT_EQ(r.headers.at("content-type"), "text/event-stream");
  EXPECT_EQ(images_.sim->stats().requests.load(), 0u);
}

}  // namespace
}  // namespace vsr::server
