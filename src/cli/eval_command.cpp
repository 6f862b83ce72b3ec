// `vllm-sr eval`: POST the prompt to the router API's /api/v1/eval and summarize what fired.
// Messages and layout follow upstream's cli/commands/eval.py (the seed page shows them).
#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/json_text.h"
#include "server/http_client.h"

namespace vsr::cli {
namespace {

namespace json = boost::json;

struct EvalArgs {
  std::optional<std::string> prompt;
  std::optional<std::string> messages;
  std::string endpoint;
  bool json_output = false;
  int timeout = 15;
};

// A failure already worded for the user.
struct EvalError {
  std::string message;
};

std::string DefaultEndpoint() {
  return "http://localhost:" + std::to_string(kDefaultApiPort + PortOffset()) + "/api/v1/eval";
}

std::string NormalizeEndpoint(std::string e) {
  while (!e.empty() && (e.back() == ' ' || e.back() == '\n')) e.pop_back();
  e.erase(0, e.find_first_not_of(' '));
  if (e.empty()) return DefaultEndpoint();
  if (e.back() == '/') e.pop_back();
  if (e.ends_with("/api/v1/eval")) return e;
  if (e.ends_with("/api/v1")) return e + "/eval";
  return e + "/api/v1/eval";
}

json::array BuildMessages(const EvalArgs& a) {
  if (a.prompt.has_value() == a.messages.has_value())
    throw EvalError{"Provide exactly one of --prompt or --messages"};
  if (a.prompt) {
    std::string p = *a.prompt;
    p.erase(0, p.find_first_not_of(" \t\n"));
    p.erase(p.find_last_not_of(" \t\n") + 1);
    if (p.empty()) throw EvalError{"--prompt must be non-empty"};
    json::object m;
    m["role"] = "user";
    m["content"] = p;
    return json::array{m};
  }
  std::error_code ec;
  json::value v = json::parse(*a.messages, ec);
  if (ec) throw EvalError{"Invalid --messages JSON: " + ec.message()};
  if (!v.is_array()) throw EvalError{"--messages must be a JSON array of message objects"};
  const json::array& arr = v.as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) {
      const char* type = arr[i].is_string()   ? "str"
                         : arr[i].is_array()  ? "list"
                         : arr[i].is_bool()   ? "bool"
                         : arr[i].is_null()   ? "NoneType"
                         : arr[i].is_double() ? "float"
                                              : "int";
      throw EvalError{"--messages[" + std::to_string(i) + "] must be an object, got " + type};
    }
  }
  return arr;
}

std::string FormatErrorResponse(const server::HttpResult& r, const std::string& url) {
  std::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    if (const json::value* err = v.as_object().if_contains("error"); err && err->is_object()) {
      const json::object& e = err->as_object();
      const std::string code = e.contains("code") && e.at("code").is_string()
                                   ? std::string(e.at("code").as_string())
                                   : "";
      const std::string message = e.contains("message") && e.at("message").is_string()
                                      ? std::string(e.at("message").as_string())
                                      : "";
      if (!code.empty() && !message.empty()) {
        return "Router returned " + std::to_string(r.status) + " " + code + ": " + message;
      }
      if (!message.empty()) return "Router returned " + std::to_string(r.status) + ": " + message;
    }
  }
  if (r.status == 403 && r.content_type.find("text/html") != std::string::npos) {
    return "Router returned 403 from " + url +
           ". This looks like a proxy or gateway — check that --endpoint points directly to the "
           "router "
           "API port (default: 8080), not to Envoy or another proxy.";
  }
  return "Router eval request failed: HTTP " + std::to_string(r.status) + " - " + r.body;
}

size_t CountGrouped(const json::value* v) {
  size_t n = 0;
  if (v == nullptr || !v->is_object()) return 0;
  for (const auto& kv : v->as_object()) {
    if (kv.value().is_array()) n += kv.value().as_array().size();
    if (kv.value().is_object()) n += kv.value().as_object().size();
  }
  return n;
}

std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

std::string Summarize(const json::object& payload) {
  std::string out;
  auto line = [&](const std::string& l) { out += l + "\n"; };
  const json::value* dr = payload.if_contains("decision_result");
  if (dr == nullptr || !dr->is_object()) return PrettyJson(payload);
  const json::object& d = dr->as_object();
  const std::string name = d.contains("decision_name") ? Str(d.at("decision_name")) : "";
  line("decision: " + (name.empty() ? std::string("(none)") : name));
  if (const json::value* used = d.if_contains("used_signals");
      used && used->is_object() && !used->as_object().empty()) {
    line("used signals: " + std::to_string(CountGrouped(used)));
    for (const auto& kv : used->as_object()) {
      if (!kv.value().is_array()) continue;
      for (const auto& n : kv.value().as_array())
        line("  - " + std::string(kv.key()) + ":" + Str(n));
    }
  }
  const size_t matched = CountGrouped(d.if_contains("matched_signals"));
  if (matched > 0) {
    line("matched signals: " + std::to_string(matched));
    size_t shown = 0;
    for (const auto& kv : d.at("matched_signals").as_object()) {
      if (!kv.value().is_array()) continue;
      for (const auto& n : kv.value().as_array()) {
        if (shown++ >= 5) break;
        line("  - " + std::string(kv.key()) + ":" + Str(n));
      }
    }
  }
  const size_t unmatched = CountGrouped(d.if_contains("unmatched_signals"));
  if (unmatched > 0) line("unmatched signals: " + std::to_string(unmatched));
  if (const json::value* c = payload.if_contains("signal_confidences");
      c && c->is_object() && !c->as_object().empty()) {
    std::vector<std::pair<std::string, double>> items;
    for (const auto& kv : c->as_object())
      items.emplace_back(kv.key(), kv.value().is_number() ? kv.value().to_number<double>() : 0);
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    line("signal confidences:");
    for (size_t i = 0; i < items.size() && i < 5; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2f", items[i].second);
      line("  - " + items[i].first + ": " + buf);
    }
    if (items.size() > 5) line("  ... and " + std::to_string(items.size() - 5) + " more");
  }
  // Ours: families that could not run say why (a model not loaded), never silently.
  if (const json::value* e = payload.if_contains("signal_errors");
      e && e->is_object() && !e->as_object().empty()) {
    line("signals not evaluated: " + std::to_string(e->as_object().size()));
    for (const auto& kv : e->as_object())
      line("  - " + std::string(kv.key()) + ": " + Str(kv.value()));
  }
  if (const json::value* r = payload.if_contains("routing_decision");
      r && r->is_string() && !r->as_string().empty()) {
    line("routing: " + Str(*r));
  }
  return out;
}

int RunEval(const EvalArgs& args) {
  try {
    json::object body;
    body["messages"] = BuildMessages(args);
    body["evaluate_all_signals"] = true;
    const std::string url = NormalizeEndpoint(args.endpoint);
    const auto r = server::HttpCall("POST", url, json::serialize(body),
                                    std::chrono::seconds(std::max(1, args.timeout)));
    using F = server::HttpResult::Failure;
    if (r.failure == F::kConnect) {
      throw EvalError{"Router is not running at " + url +
                      ". Start the router with 'vllm-sr serve' and retry."};
    }
    if (r.failure == F::kTimeout) {
      throw EvalError{"Request to " + url + " timed out after " + std::to_string(args.timeout) +
                      "s. Is the router healthy?"};
    }
    if (r.failure == F::kOther)
      throw EvalError{"Failed to call router eval endpoint " + url + ": " + r.error};
    if (r.status != 200) throw EvalError{FormatErrorResponse(r, url)};
    std::error_code ec;
    json::value payload = json::parse(r.body, ec);
    if (ec) throw EvalError{"Router returned non-JSON response: " + r.body};
    if (args.json_output || !payload.is_object()) {
      std::cout << PrettyJson(payload);
    } else {
      std::cout << Summarize(payload.as_object());
    }
    return kExitOk;
  } catch (const EvalError& e) {
    std::cerr << "ERROR - " << e.message << "\n";
    return kExitError;
  }
}

}  // namespace

int PortOffset() {
  const char* raw = std::getenv("VLLM_SR_PORT_OFFSET");
  if (raw == nullptr || *raw == '\0') return 0;
  char* end = nullptr;
  const long v = std::strtol(raw, &end, 10);
  return (*end == '\0' && v >= 0 && v < 60000) ? static_cast<int>(v) : 0;
}

void RegisterEval(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* eval = app.add_subcommand(
      "eval", "Evaluate a prompt/messages against the router /api/v1/eval endpoint");
  eval->add_option_function<std::string>(
      "--prompt", [args](const std::string& v) { args->prompt = v; },
      "Plain text prompt to evaluate.");
  eval->add_option_function<std::string>(
      "--messages", [args](const std::string& v) { args->messages = v; },
      "OpenAI-style messages JSON array string.");
  eval->add_option("--endpoint", args->endpoint,
                   "Router base URL or full eval endpoint. Defaults to " + DefaultEndpoint() + ".");
  eval->add_flag("--json", args->json_output, "Print the full JSON response payload.");
  eval->add_option("--timeout", args->timeout, "HTTP request timeout in seconds. [default: 15]");
  eval->callback([args, &exit_code] { exit_code = RunEval(*args); });
}

}  // namespace vsr::cli
