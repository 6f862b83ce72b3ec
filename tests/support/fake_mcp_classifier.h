// Test helper: the MCP side of a classification server, as upstream's example servers behave
// (tools classify_text and list_categories answering JSON text). Categories come from
// FAKE_MCP_CATEGORIES (comma-separated) or are math, biology, computer science, other; a text
// with one of a category's words is that category at 0.9, anything else the last category at
// 0.3. Used by the stdio program fake_mcp_server.cpp and by HTTP fakes in tests.
#pragma once

#include <boost/json.hpp>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace vsr::testing {

struct FakeMcpClassifier {
  std::string tool = "classify_text";

  static std::vector<std::string> Categories() {
    const char* env = std::getenv("FAKE_MCP_CATEGORIES");
    if (env == nullptr || *env == '\0') return {"math", "biology", "computer science", "other"};
    std::vector<std::string> out;
    std::stringstream in(env);
    for (std::string c; std::getline(in, c, ',');) out.push_back(c);
    return out;
  }

  static boost::json::object Classify(const std::string& text) {
    static const std::vector<std::vector<std::string>> kWords = {
        {"integral", "derivative", "equation"}, {"dna", "cell", "protein"}, {"tcp", "compiler"}};
    std::string lower = text;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const size_t n = Categories().size();
    size_t cls = n - 1;
    for (size_t i = 0; i < kWords.size() && i + 1 < n; ++i) {
      for (const std::string& w : kWords[i]) {
        if (lower.find(w) != std::string::npos) cls = i;
      }
    }
    const double confidence = cls + 1 == n ? 0.3 : 0.9;
    boost::json::array p;
    for (size_t i = 0; i < n; ++i) {
      p.push_back(i == cls ? confidence : (1 - confidence) / static_cast<double>(n - 1));
    }
    return {{"class", cls},
            {"confidence", confidence},
            {"probabilities", p},
            {"model", "fake-model"},
            {"use_reasoning", cls == 0}};
  }

  static boost::json::object TextResult(const boost::json::value& v) {
    return {{"content", boost::json::array{boost::json::object{
                            {"type", "text"}, {"text", boost::json::serialize(v)}}}},
            {"isError", false}};
  }

  // The response to JSON-RPC request `msg`; null for a notification.
  boost::json::value Answer(const boost::json::object& msg) const {
    const std::string method(msg.at("method").as_string());
    if (!msg.contains("id")) return nullptr;
    boost::json::object result;
    if (method == "initialize") {
      result = {{"protocolVersion", "2024-11-05"},
                {"capabilities", boost::json::object{{"tools", boost::json::object{}}}},
                {"serverInfo", boost::json::object{{"name", "fake-classifier"}}}};
    } else if (method == "tools/list") {
      result = {{"tools", boost::json::array{
                              boost::json::object{{"name", "list_categories"},
                                                  {"description", "the categories"}},
                              boost::json::object{{"name", tool},
                                                  {"description", "Classify text into categories"}},
                          }}};
    } else if (method == "tools/call") {
      const boost::json::object& params = msg.at("params").as_object();
      const std::string name(params.at("name").as_string());
      if (name == "list_categories") {
        boost::json::array names;
        for (const std::string& c : Categories()) names.emplace_back(c);
        result = TextResult(boost::json::object{{"categories", names}});
      } else if (name == tool) {
        const boost::json::object& args = params.at("arguments").as_object();
        const boost::json::value* text = args.if_contains("text");
        result = text != nullptr && text->is_string() && !text->as_string().empty()
                     ? TextResult(Classify(std::string(text->as_string())))
                     : TextResult(boost::json::object{{"error", "No text provided"}});
      } else {
        return boost::json::object{
            {"jsonrpc", "2.0"},
            {"id", msg.at("id")},
            {"error", boost::json::object{{"code", -32602}, {"message", "Unknown tool: " + name}}}};
      }
    } else {
      return boost::json::object{
          {"jsonrpc", "2.0"},
          {"id", msg.at("id")},
          {"error", boost::json::object{{"code", -32601}, {"message", "Method not found"}}}};
    }
    return boost::json::object{{"jsonrpc", "2.0"}, {"id", msg.at("id")}, {"result", result}};
  }
};

}  // namespace vsr::testing
