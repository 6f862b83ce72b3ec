// `vllm-sr chat "text"`: one chat completion through the data plane. The answer is printed as
// it streams in, then the x-vsr-* routing headers; --json prints the whole response instead.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/stack.h"
#include "common/json_text.h"
#include "common/sse.h"
#include "config/loader.h"
#include "server/http_client.h"

namespace vsr::cli {
namespace {

namespace json = boost::json;

struct ChatArgs {
  std::vector<std::string> message;
  std::string prompt;
  std::string model = "MoM";
  std::string system;
  std::string config = "config.yaml";
  std::string base_url;
  bool json_output = false;
  double timeout = 120;
  std::optional<double> temperature;
  std::string target;
};

// The data plane's base URL, or an error message.
std::string BaseUrl(const ChatArgs& args, std::string& error) {
  if (!args.base_url.empty()) {
    std::string b = args.base_url;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b;
  }
  if (args.target == "k8s") {
    error =
        "Non-Docker targets are not yet supported by `vllm-sr chat`. Use `curl` or another "
        "HTTP client to reach the routed endpoint.";
    return {};
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(args.config, ec)) {
    error = "Config file not found: " + args.config +
            ". Use --config or --base-url to target the router.";
    return {};
  }
  config::LoadResult loaded = config::LoadConfigFile(args.config);
  if (!loaded.diags.ok()) {
    error = args.config + " does not validate (run 'vllm-sr validate " + args.config +
            "'); use --base-url to target the router.";
    return {};
  }
  const int port =
      (loaded.config.listeners.empty() ? kDefaultDataPort : loaded.config.listeners.front().port) +
      PortOffset();
  return "http://localhost:" + std::to_string(port);
}

// An answer in content parts (image_gen: text and images): the text, and a line per image —
// its URL, or for inline data its type and size (--json prints the data itself).
std::string PartsText(const json::array& parts) {
  std::string out;
  for (const json::value& p : parts) {
    if (!p.is_object()) continue;
    const json::object& part = p.as_object();
    const json::value* text = part.if_contains("text");
    if (text != nullptr && text->is_string()) out += std::string(text->as_string()) + "\n";
    const json::value* image = part.if_contains("image_url");
    const json::value* url =
        image != nullptr && image->is_object() ? image->as_object().if_contains("url") : nullptr;
    if (url == nullptr || !url->is_string()) continue;
    const std::string u(url->as_string());
    const size_t comma = u.find(',');
    if (u.starts_with("data:") && comma != std::string::npos) {
      const size_t bytes = (u.size() - comma - 1) * 3 / 4;  // base64 -> bytes, about
      out += "[image: " + u.substr(5, u.find(';') - 5) + ", " + std::to_string(bytes) +
             " bytes inline; --json prints it]\n";
    } else {
      out += "[image: " + u + "]\n";
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string AssistantText(const json::value& v, std::string& error) {
  if (!v.is_object()) {
    error = "Response contained no choices; raw response was not a chat result.";
    return {};
  }
  const json::object& o = v.as_object();
  if (const auto* err = o.if_contains("error"); err && err->is_object()) {
    const auto* m = err->as_object().if_contains("message");
    error = "API error: " + (m && m->is_string() ? std::string(m->as_string()) : CompactJson(*err));
    return {};
  }
  const auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) {
    error = "Response contained no choices; raw response was not a chat result.";
    return {};
  }
  const json::value& c = choices->as_array()[0];
  const json::value* msg = c.is_object() ? c.as_object().if_contains("message") : nullptr;
  const json::value* content =
      msg && msg->is_object() ? msg->as_object().if_contains("content") : nullptr;
  if (content && content->is_array()) return PartsText(content->as_array());
  return content && content->is_string() ? std::string(content->as_string()) : std::string();
}

int RunChat(const ChatArgs& args) {
  std::string text = args.prompt;
  if (text.empty()) {
    for (const auto& w : args.message) text += (text.empty() ? "" : " ") + w;
  }
  if (text.find_first_not_of(" \t\n") == std::string::npos) {
    std::cerr << "ERROR - Provide a prompt as arguments or use --prompt.\n";
    return 2;
  }
  std::string error;
  const std::string base = BaseUrl(args, error);
  if (base.empty()) {
    std::cerr << "ERROR - " << error << "\n";
    return kExitError;
  }
  const std::string url = base + "/v1/chat/completions";
  if (args.base_url.empty() && !LivePid(CurrentStack().PidPath("supervisor")) &&
      !HttpHealthy(std::stoi(base.substr(base.rfind(':') + 1)), "/health", 1000)) {
    std::cerr << "ERROR - vLLM Semantic Router does not appear to be running locally (no managed "
                 "local processes). Start the stack with `vllm-sr serve`.\n";
    return kExitError;
  }

  json::array messages;
  if (!args.system.empty())
    messages.push_back(json::object{{"role", "system"}, {"content", args.system}});
  messages.push_back(json::object{{"role", "user"}, {"content", text}});
  json::object payload{{"model", args.model}, {"messages", messages}};
  if (args.temperature) payload["temperature"] = *args.temperature;
  const bool stream = !args.json_output;
  if (stream) payload["stream"] = true;

  // Streamed deltas go to stdout as they arrive.
  SseParser parser;
  bool printed = false;
  std::string stream_error;
  auto on_body = [&](std::string_view piece) {
    for (const SseEvent& e : parser.Feed(piece)) {
      if (e.data == "[DONE]") continue;
      boost::system::error_code ec;
      const json::value v = json::parse(e.data, ec);
      if (ec || !v.is_object()) continue;
      if (const auto* err = v.as_object().if_contains("error"); err && err->is_object()) {
        const auto* m = err->as_object().if_contains("message");
        stream_error = m && m->is_string() ? std::string(m->as_string()) : CompactJson(*err);
        continue;
      }
      const auto* choices = v.as_object().if_contains("choices");
      if (!choices || !choices->is_array() || choices->as_array().empty()) continue;
      const json::value& c = choices->as_array()[0];
      const json::value* delta = c.is_object() ? c.as_object().if_contains("delta") : nullptr;
      const json::value* content =
          delta && delta->is_object() ? delta->as_object().if_contains("content") : nullptr;
      if (content && content->is_string() && !content->as_string().empty()) {
        std::cout << std::string_view(content->as_string()) << std::flush;
        printed = true;
      }
    }
  };
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout * 1000));
  const server::HttpResult r =
      server::HttpCall("POST", url, CompactJson(payload), timeout, {},
                       stream ? std::function<void(std::string_view)>(on_body) : nullptr);
  if (r.failure == server::HttpResult::Failure::kTimeout) {
    if (printed) std::cout << "\n";
    std::cerr << "ERROR - Request to " << url << " timed out after " << args.timeout << "s.\n";
    return kExitError;
  }
  if (r.failure != server::HttpResult::Failure::kNone && r.status != 0) {
    if (printed) std::cout << "\n";
    std::cerr << "ERROR - The answer from " << url << " was cut short (HTTP " << r.status << ", "
              << r.error << "): the backend or the connection failed mid-answer.\n";
    return kExitError;
  }
  if (r.failure != server::HttpResult::Failure::kNone) {
    std::cerr << "ERROR - Could not reach " << url
              << ". Is Envoy listening and port-forwarded if needed? (" << r.error << ")\n";
    return kExitError;
  }
  if (r.status >= 400) {
    std::cerr << "ERROR - HTTP " << r.status << " from " << url << ": " << r.body.substr(0, 2000)
              << "\n";
    return kExitError;
  }
  if (args.json_output) {
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    std::cout << (ec ? r.body + "\n" : PrettyJson(v));
    return kExitOk;
  }
  if (r.content_type.rfind("text/event-stream", 0) != 0) {  // a backend that ignored stream
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    const std::string answer = ec ? std::string() : AssistantText(v, error);
    if (!error.empty() || ec) {
      std::cerr << "ERROR - " << (error.empty() ? "Response was not JSON: " + r.body : error)
                << "\n";
      return kExitError;
    }
    std::cout << answer;
  }
  if (!stream_error.empty()) {
    std::cout << "\n";
    std::cerr << "ERROR - API error: " << stream_error << "\n";
    return kExitError;
  }
  std::cout << "\n\n";
  for (const auto& [name, value] : r.headers) {
    if (name.rfind("x-vsr-", 0) == 0) std::cout << name << ": " << value << "\n";
  }
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace

void RegisterChat(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ChatArgs>();
  auto* chat = app.add_subcommand("chat", "Send a one-shot chat completion through the router");
  chat->add_option("message", a->message, "Message text");
  chat->add_option("--prompt", a->prompt, "Message text (alternative to the argument)");
  chat->add_option("--model", a->model, "Model name (default: MoM)");
  chat->add_option("--system", a->system, "System prompt");
  chat->add_option("--config", a->config,
                   "Config file used to find the listener (default: config.yaml)");
  chat->add_option("--base-url", a->base_url, "Router base URL (e.g. http://localhost:8888)");
  chat->add_flag("--json", a->json_output, "Print the full JSON response");
  chat->add_option("--timeout", a->timeout, "Request timeout in seconds (default 120)")
      ->check(CLI::Range(0.1, 86400.0));
  chat->add_option("--temperature", a->temperature, "Sampling temperature");
  chat->add_option("--target", a->target, "docker | k8s")->check(CLI::IsMember({"docker", "k8s"}));
  chat->callback([a, &exit_code] { exit_code = RunChat(*a); });
}

}  // namespace vsr::cli
