#include "plugins/rag_backends.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "common/json_text.h"
#include "common/strings.h"
#include "mcp/protocol.h"
#include "milvus/rest.h"

namespace vsr::plugins {
namespace {

namespace json = boost::json;
using config::YamlNode;

// ---- reading backend_config ----

std::string Text(const YamlNode* cfg, std::string_view key) {
  const YamlNode* n = cfg != nullptr ? cfg->Find(key) : nullptr;
  return n != nullptr && n->IsScalar() ? n->scalar : std::string();
}

int Int(const YamlNode* cfg, std::string_view key, int fallback) {
  const std::string t = Text(cfg, key);
  if (t.empty()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(t.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && v > 0 && v < 1000000 ? static_cast<int>(v) : fallback;
}

// A secret written as ${NAME} is read from the environment (keys stay out of config files).
std::string Secret(const YamlNode* cfg, std::string_view key) {
  return ValueOrEnv(Text(cfg, key));
}

// A YAML value as JSON (maps, lists, scalars: numbers and booleans when unquoted).
json::value ToJson(const YamlNode& n) {
  switch (n.kind) {
    case YamlNode::Kind::kMap: {
      json::object o;
      for (const auto& e : n.entries) o[e.key] = ToJson(e.value);
      return o;
    }
    case YamlNode::Kind::kSequence: {
      json::array a;
      for (const auto& i : n.items) a.push_back(ToJson(i));
      return a;
    }
    case YamlNode::Kind::kScalar: {
      if (!n.quoted) {
        if (n.scalar == "true" || n.scalar == "false") return n.scalar == "true";
        boost::system::error_code ec;
        json::value v = json::parse(n.scalar, ec);
        if (!ec && v.is_number()) return v;
      }
      return json::string(n.scalar);
    }
    default:
      return nullptr;
  }
}

bool SafeHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 32 || c > 126 || c == ':') return false;
  }
  return true;
}

std::string SafeHeaderValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\r' || c == '\n') {
      out += ' ';
    } else if (static_cast<unsigned char>(c) >= 32 && c != 0x7f) {
      out += c;
    }
  }
  return out;
}

bool WebUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// ---- reading replies ----

const json::value* At(const json::value& v, std::string_view key) {
  const json::object* o = v.if_object();
  return o != nullptr ? o->if_contains(key) : nullptr;
}

const json::array* ArrayAt(const json::value& v, std::string_view key) {
  const json::value* a = At(v, key);
  return a != nullptr ? a->if_array() : nullptr;
}

// The first of `keys` that holds a string in `v`.
std::string FirstString(const json::value* v, std::initializer_list<std::string_view> keys) {
  if (v == nullptr) return "";
  for (std::string_view k : keys) {
    const json::value* s = At(*v, k);
    if (s != nullptr && s->is_string()) return std::string(s->as_string());
  }
  return "";
}

double Number(const json::value* v) {
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

// Passages in a reply of no fixed shape (external_api's custom format, an MCP tool's result),
// as upstream looks for them: a `content`, `text` or `result` string, `data` (a string or
// {content}), or a `results` list of strings or {content|text, score}. False when none of
// these keys is there.
bool ReadLooseResult(const json::value& v, std::vector<RagPassage>& out) {
  if (std::string c = FirstString(&v, {"content", "text", "result"}); !c.empty()) {
    out.push_back({std::move(c), 0});
    return true;
  }
  if (const json::value* data = At(v, "data")) {
    std::string c =
        data->is_string() ? std::string(data->as_string()) : FirstString(data, {"content"});
    if (!c.empty()) {
      out.push_back({std::move(c), 0});
      return true;
    }
  }
  const json::array* results = ArrayAt(v, "results");
  if (results == nullptr) return false;
  for (const json::value& r : *results) {
    std::string t =
        r.is_string() ? std::string(r.as_string()) : FirstString(&r, {"content", "text"});
    if (!t.empty()) out.push_back({std::move(t), Number(At(r, "score"))});
  }
  return true;
}

// ---- external_api ----

class ExternalApiBackend final : public RagBackend {
 public:
  explicit ExternalApiBackend(const YamlNode* c)
      : endpoint_(Text(c, "endpoint")),
        api_key_(Secret(c, "api_key")),
        auth_header_(Text(c, "auth_header").empty() ? "Authorization" : Text(c, "auth_header")),
        format_(Text(c, "request_format")),
        template_(Text(c, "request_template")),
        timeout_s_(Int(c, "timeout_seconds", 30)) {
    if (const YamlNode* h = c != nullptr ? c->Find("headers") : nullptr; h && h->IsMap()) {
      for (const auto& e : h->entries) {
        if (e.value.IsScalar()) headers_.emplace_back(e.key, e.value.scalar);
      }
    }
  }

  bool Check(std::string& error) const {
    if (endpoint_.empty())
      error = "external API endpoint is required";
    else if (!WebUrl(endpoint_))
      error = "endpoint '" + endpoint_ + "' is not an http(s) URL";
    else if (format_.empty())
      error = "request format is required for external API";
    else if (format_ != "pinecone" && format_ != "weaviate" && format_ != "elasticsearch" &&
             format_ != "custom")
      error = "unsupported request format: " + format_;
    else if (format_ == "custom" && template_.empty())
      error = "request template is required for custom format";
    else if (!SafeHeaderName(auth_header_))
      error = "invalid auth header name '" + auth_header_ + "'";
    return error.empty();
  }

  bool needs_embedding() const override { return format_ == "pinecone" || format_ == "weaviate"; }

  std::optional<OutboundCall> Build(const RagQuery& q, std::string& error) const override {
    OutboundCall call;
    call.url = endpoint_;
    call.timeout = std::chrono::seconds(timeout_s_);
    if (!api_key_.empty())
      call.headers.emplace_back(auth_header_, "Bearer " + SafeHeaderValue(api_key_));
    for (const auto& [name, value] : headers_) {
      if (SafeHeaderName(name)) call.headers.emplace_back(name, SafeHeaderValue(value));
    }
    if (needs_embedding() && (q.embedding == nullptr || q.embedding->empty())) {
      error = "no embedding of the question (the embedding model is not loaded)";
      return std::nullopt;
    }
    if (format_ == "pinecone") {
      call.body = CompactJson(json::object{{"vector", FloatArray(*q.embedding)},
                                           {"topK", q.top_k},
                                           {"includeMetadata", true},
                                           {"filter", json::object{}}});
    } else if (format_ == "weaviate") {
      const std::string query =
          "{ Get { Document( nearVector: { vector: " + CompactJson(FloatArray(*q.embedding)) +
          " } limit: " + std::to_string(q.top_k) + " ) { content _additional { distance } } } }";
      call.body = CompactJson(json::object{{"query", query}});
    } else if (format_ == "elasticsearch") {
      call.body = CompactJson(
          json::object{{"query", json::object{{"match", json::object{{"content", q.text}}}}},
                       {"size", q.top_k}});
    } else {
      // The question goes in JSON-escaped (the template puts it inside a JSON string); template
      // markers in it are defused so it cannot inject placeholders.
      std::string query = CompactJson(json::string(q.text));
      query = query.substr(1, query.size() - 2);
      for (const char* marker : {"{{", "}}", "${"}) ReplaceAll(query, marker, " ");
      std::string body = template_;
      const std::string top_k = std::to_string(q.top_k);
      const std::string threshold = FormatFixed(q.threshold, 3);
      for (const auto& [from, to] :
           std::initializer_list<std::pair<const char*, const std::string&>>{
               {"{{.Query}}", query},
               {"{{.TopK}}", top_k},
               {"{{.Threshold}}", threshold},
               {"${user_content}", query},
               {"${top_k}", top_k},
               {"${threshold}", threshold}}) {
        ReplaceAll(body, from, to);
      }
      call.body = std::move(body);
    }
    return call;
  }

  bool Read(const json::value& v, const RagQuery& /*q*/, std::vector<RagPassage>& out,
            std::string& error) const override {
    if (format_ == "pinecone") {
      if (const json::array* matches = ArrayAt(v, "matches")) {
        for (const json::value& m : *matches) {
          std::string c = FirstString(At(m, "metadata"), {"content", "text"});
          if (!c.empty()) out.push_back({std::move(c), Number(At(m, "score"))});
        }
      } else {
        error = "no matches in Pinecone response";
        return false;
      }
    } else if (format_ == "weaviate") {
      const json::value* data = At(v, "data");
      const json::value* get = data != nullptr ? At(*data, "Get") : nullptr;
      const json::array* docs = get != nullptr ? ArrayAt(*get, "Document") : nullptr;
      if (docs == nullptr) {
        error = "no data.Get.Document in Weaviate response";
        return false;
      }
      for (const json::value& d : *docs) {
        std::string c = FirstString(&d, {"content"});
        if (!c.empty()) out.push_back({std::move(c), 0});
      }
    } else if (format_ == "elasticsearch") {
      const json::value* hits = At(v, "hits");
      const json::array* list = hits != nullptr ? ArrayAt(*hits, "hits") : nullptr;
      if (list == nullptr) {
        error = "no hits.hits in Elasticsearch response";
        return false;
      }
      for (const json::value& h : *list) {
        std::string c = FirstString(At(h, "_source"), {"content", "text"});
        if (!c.empty()) out.push_back({std::move(c), 0});
      }
    } else if (!ReadLooseResult(v, out)) {
      error = "unable to extract context from custom response format";
      return false;
    }
    if (out.empty()) error = "no content found in the " + format_ + " response";
    return !out.empty();
  }

 private:
  std::string endpoint_, api_key_, auth_header_, format_, template_;
  int timeout_s_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

// ---- openai (vector store search) ----

class OpenAiVectorStoreBackend final : public RagBackend {
 public:
  explicit OpenAiVectorStoreBackend(const YamlNode* c)
      : store_(Text(c, "vector_store_id")),
        base_(Text(c, "base_url").empty() ? "https://api.openai.com" : Text(c, "base_url")),
        api_key_(Secret(c, "api_key")),
        limit_(Int(c, "max_num_results", 20)),
        timeout_s_(Int(c, "timeout_seconds", 30)),
        mode_(Text(c, "workflow_mode")) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    if (const YamlNode* f = c != nullptr ? c->Find("filter") : nullptr; f && f->IsMap()) {
      filter_ = ToJson(*f);
    }
    // tool_based (upstream's Responses API workflow): the request gets a file_search tool
    // over the vector store, and the model searches it; nothing is retrieved or injected here.
    if (mode_ == "tool_based") {
      json::object& settings = file_search_.emplace();
      settings["vector_store_ids"] = json::array{json::string(store_)};
      if (!Text(c, "max_num_results").empty()) settings["max_num_results"] = limit_;
      if (const YamlNode* ids = c->Find("file_ids");
          ids && ids->IsSequence() && !ids->items.empty())
        settings["file_ids"] = ToJson(*ids);
      if (!filter_.is_null()) settings["filter"] = filter_;
    }
  }

  const json::object* FileSearchTool() const override {
    return file_search_ ? &*file_search_ : nullptr;
  }

  bool Check(std::string& error) const {
    if (store_.empty())
      error = "vector store ID is required for OpenAI backend";
    else if (api_key_.empty())
      error = "API key is required for OpenAI backend";
    else if (!WebUrl(base_))
      error = "base_url '" + base_ + "' is not an http(s) URL";
    else if (!mode_.empty() && mode_ != "direct_search" && mode_ != "tool_based")
      error = "unknown workflow_mode '" + mode_ + "' (use direct_search or tool_based)";
    return error.empty();
  }

  std::optional<OutboundCall> Build(const RagQuery& q, std::string& /*error*/) const override {
    OutboundCall call;
    call.url = base_ + "/v1/vector_stores/" + store_ + "/search";
    call.timeout = std::chrono::seconds(timeout_s_);
    call.headers.emplace_back("Authorization", "Bearer " + SafeHeaderValue(api_key_));
    json::object body{{"query", q.text}, {"limit", limit_}};
    if (!filter_.is_null()) body["filter"] = filter_;
    call.body = CompactJson(body);
    return call;
  }

  bool Read(const json::value& v, const RagQuery& /*q*/, std::vector<RagPassage>& out,
            std::string& error) const override {
    const json::array* data = ArrayAt(v, "data");
    if (data == nullptr || data->empty()) {
      error = "no results found in vector store";
      return false;
    }
    for (const json::value& r : *data) {
      // `content` is text, or (OpenAI's own API) a list of {type: text, text} parts.
      std::string text = FirstString(&r, {"content"});
      if (const json::array* parts = ArrayAt(r, "content")) {
        std::vector<std::string> texts;
        for (const json::value& p : *parts) {
          if (std::string t = FirstString(&p, {"text"}); !t.empty()) texts.push_back(t);
        }
        text = Join(texts, "\n");
      }
      if (!text.empty()) out.push_back({std::move(text), Number(At(r, "score"))});
    }
    if (out.empty()) error = "no content found in search results";
    return !out.empty();
  }

 private:
  std::string store_, base_, api_key_;
  int limit_, timeout_s_;
  std::string mode_;
  json::value filter_;
  std::optional<json::object> file_search_;  // tool_based: the file_search tool's settings
};

// ---- milvus (REST API v2) ----

class MilvusBackendRest final : public RagBackend {
 public:
  MilvusBackendRest(const YamlNode* c, const config::MilvusBackend& milvus)
      : collection_(Text(c, "collection")),
        content_field_(Text(c, "content_field").empty() ? "content" : Text(c, "content_field")),
        filter_(Text(c, "filter_expression")),
        milvus_(milvus) {
    const config::MilvusConnection& conn = milvus.connection;
    url_ = milvus::BaseUrl(conn.host, conn.port, conn.tls.enabled) + "/v2/vectordb/entities/search";
    if (filter_.empty()) filter_ = content_field_ + " != \"\"";
  }

  bool Check(std::string& error) const {
    if (collection_.empty()) {
      error = "milvus collection name is required";
      return false;
    }
    // The expression goes to Milvus verbatim: refuse what no search filter needs.
    const std::string upper = ToUpper(filter_);
    for (const char* bad :
         {";", "--", "/*", "*/", "DROP", "DELETE", "UPDATE", "INSERT", "EXEC", "CREATE", "ALTER",
          "TRUNCATE", "GRANT", "REVOKE", "UNION", "SELECT", "\\X", "\\U"}) {
      if (upper.find(bad) != std::string::npos) {
        error = "filter expression contains potentially dangerous pattern: " + std::string(bad);
        return false;
      }
    }
    return true;
  }

  bool needs_embedding() const override { return true; }

  std::optional<OutboundCall> Build(const RagQuery& q, std::string& error) const override {
    if (q.embedding == nullptr || q.embedding->empty()) {
      error = "no embedding of the question (the embedding model is not loaded)";
      return std::nullopt;
    }
    OutboundCall call;
    call.url = url_;
    const config::MilvusConnection& conn = milvus_.connection;
    if (conn.timeout > 0) call.timeout = std::chrono::seconds(conn.timeout);
    if (conn.auth.enabled) {
      call.headers.emplace_back(
          "Authorization",
          "Bearer " + SafeHeaderValue(conn.auth.username + ":" + conn.auth.password));
    }
    const config::VectorField& field = milvus_.collection.vector_field;
    json::object body{
        {"collectionName", collection_},
        {"data", json::array{FloatArray(*q.embedding)}},
        {"annsField", field.name.empty() ? "embedding" : field.name},
        {"limit", q.top_k},
        {"filter", filter_},
        {"outputFields", json::array{json::string(content_field_)}},
        {"searchParams",
         json::object{
             {"metricType", field.metric_type.empty() ? "IP" : field.metric_type},
             {"params", json::object{{"ef", milvus_.search.params.ef > 0 ? milvus_.search.params.ef
                                                                         : 64}}}}}};
    if (!conn.database.empty()) body["dbName"] = conn.database;
    call.body = CompactJson(body);
    return call;
  }

  bool Read(const json::value& v, const RagQuery& q, std::vector<RagPassage>& out,
            std::string& error) const override {
    if (const json::value* code = At(v, "code"); code && code->is_number() && Number(code) != 0) {
      error = "milvus answered code " + FormatFixed(Number(code), 0) + ": " +
              FirstString(&v, {"message"});
      return false;
    }
    const json::array* data = ArrayAt(v, "data");
    if (data == nullptr) {
      error = "no data in the Milvus reply";
      return false;
    }
    for (const json::value& hit : *data) {
      const double score = Number(At(hit, "distance"));
      std::string c = FirstString(&hit, {content_field_});
      if (score >= q.threshold && !c.empty()) out.push_back({std::move(c), score});
    }
    if (out.empty()) error = "no results above similarity threshold " + FormatFixed(q.threshold, 3);
    return !out.empty();
  }

 private:
  std::string collection_, content_field_, filter_, url_;
  config::MilvusBackend milvus_;
};

// ---- mcp (a tool of an MCP server, Streamable HTTP) ----

// The tool's passages: its structured content, or each text part (a JSON text read the loose
// way, other text as it is) and embedded text resources.
bool ReadToolResult(const json::value& result, std::vector<RagPassage>& out, std::string& error) {
  const json::array* parts = ArrayAt(result, "content");
  const json::value* failed = At(result, "isError");
  if (failed != nullptr && failed->is_bool() && failed->as_bool()) {
    std::vector<std::string> texts;
    if (parts != nullptr) {
      for (const json::value& p : *parts) {
        if (std::string t = FirstString(&p, {"text"}); !t.empty()) texts.push_back(std::move(t));
      }
    }
    error = "the tool reported an error: " + (texts.empty() ? "no details" : Join(texts, " "));
    return false;
  }
  if (const json::value* structured = At(result, "structuredContent")) {
    if (ReadLooseResult(*structured, out)) return true;
  }
  if (parts == nullptr) {
    if (ReadLooseResult(result, out)) return true;
    error = "unable to extract context from MCP result: unsupported format";
    return false;
  }
  for (const json::value& p : *parts) {
    std::string text = FirstString(&p, {"text"});
    if (text.empty()) text = FirstString(At(p, "resource"), {"text"});
    if (text.empty()) continue;  // images, audio, binary resources
    boost::system::error_code ec;
    const json::value inner = json::parse(text, ec);
    if (!ec && inner.is_object() && ReadLooseResult(inner, out)) continue;
    out.push_back({std::move(text), 0});
  }
  return true;
}

class McpBackend final : public RagBackend {
 public:
  explicit McpBackend(const YamlNode* c)
      : server_(Text(c, "server_name")),
        tool_(Text(c, "tool_name")),
        timeout_s_(Int(c, "timeout_seconds", 10)) {
    const YamlNode* args = c != nullptr ? c->Find("tool_arguments") : nullptr;
    args_are_map_ = args == nullptr || args->IsMap();
    if (args != nullptr && args->IsMap()) args_ = ToJson(*args).as_object();
  }

  bool Check(std::string& error) const {
    if (server_.empty()) {
      error = "MCP server name is required";
    } else if (tool_.empty()) {
      error = "MCP tool name is required";
    } else if (!args_are_map_) {
      error = "invalid MCP tool arguments: tool_arguments must be a map";
    } else if (!WebUrl(server_)) {
      error = "MCP server '" + server_ +
              "' cannot be reached by name: set backend_config.server_name to the server's "
              "Streamable HTTP URL (for example http://127.0.0.1:8000/mcp)";
    }
    return error.empty();
  }

  std::optional<OutboundCall> Build(const RagQuery& q, std::string& error) const override {
    RagExchange x;
    return Start(q, x, error);
  }

  // A session set up by an earlier request is used straight away; otherwise the handshake.
  std::optional<OutboundCall> Start(const RagQuery& q, RagExchange& x,
                                    std::string& /*error*/) const override {
    {
      std::lock_guard lock(mu_);
      if (ready_) {
        x.headers = session_;
        x.step = kCallOnSharedSession;
        return ToolCall(q, x);
      }
    }
    x.headers.clear();
    x.step = kInitialize;
    return Post(mcp::InitializeRequest(1), x);
  }

  std::optional<OutboundCall> Continue(const RagQuery& q, const OutboundReply& reply,
                                       RagExchange& x, std::string& error) const override {
    switch (x.step) {
      case kInitialize: {
        json::value result;
        if (!Answered(reply, "initialize", error) ||
            mcp::ReadResponse(reply.body, result, error) != mcp::Reply::kResult) {
          error = "MCP initialize failed: " + error;
          return std::nullopt;
        }
        x.headers.clear();
        for (const auto& [name, value] : reply.headers) {
          if (IEquals(name, mcp::kSessionHeader)) {
            x.headers.emplace_back(std::string(mcp::kSessionHeader), SafeHeaderValue(value));
          }
        }
        std::string version = FirstString(&result, {"protocolVersion"});
        if (version.empty()) version = std::string(mcp::kProtocolVersion);
        x.headers.emplace_back(std::string(mcp::kVersionHeader), SafeHeaderValue(version));
        x.step = kInitialized;
        return Post(mcp::InitializedNotification(), x);
      }
      case kInitialized: {
        if (!Answered(reply, "notifications/initialized", error)) {
          error = "MCP initialize failed: " + error;
          return std::nullopt;
        }
        {
          std::lock_guard lock(mu_);
          session_ = x.headers;
          ready_ = true;
        }
        x.step = kCall;
        return ToolCall(q, x);
      }
      case kCallOnSharedSession:
        if (reply.status == 404) {  // the server ended the session: start a new one
          {
            std::lock_guard lock(mu_);
            if (session_ == x.headers) ready_ = false;
          }
          x.headers.clear();
          x.step = kInitialize;
          return Post(mcp::InitializeRequest(1), x);
        }
        return std::nullopt;
      default:
        return std::nullopt;  // the tool call's reply: Parse reads it
    }
  }

  bool Parse(const std::string& body, const RagQuery& /*q*/, std::vector<RagPassage>& out,
             std::string& error) const override {
    out.clear();
    json::value result;
    if (mcp::ReadResponse(body, result, error) != mcp::Reply::kResult ||
        !ReadToolResult(result, out, error)) {
      error = "MCP tool invocation failed: " + error;
      return false;
    }
    return true;
  }

 protected:
  bool Read(const json::value& /*reply*/, const RagQuery& /*q*/, std::vector<RagPassage>& /*out*/,
            std::string& error) const override {
    error = "MCP replies are read by Parse";
    return false;
  }

 private:
  enum Step { kInitialize = 1, kInitialized, kCall, kCallOnSharedSession };

  // A 2xx reply to `what`; otherwise `error` says what came instead.
  static bool Answered(const OutboundReply& reply, const char* what, std::string& error) {
    if (!reply.error.empty()) {
      error = reply.error;
    } else if (reply.status < 200 || reply.status > 299) {
      error = "the server answered " + std::string(what) + " with status " +
              std::to_string(reply.status) + ": " + reply.body.substr(0, 512);
    }
    return error.empty();
  }

  OutboundCall Post(std::string body, const RagExchange& x) const {
    OutboundCall call;
    call.url = server_;
    call.timeout = std::chrono::seconds(timeout_s_);
    call.headers.emplace_back("Accept", std::string(mcp::kAccept));
    for (const auto& h : x.headers) call.headers.push_back(h);
    call.body = std::move(body);
    return call;
  }

  OutboundCall ToolCall(const RagQuery& q, const RagExchange& x) const {
    json::object args = args_;
    for (auto& [key, value] : args) Substitute(value, q);
    return Post(mcp::ToolCallRequest(2, tool_, args), x);
  }

  // upstream's variables in every string of the arguments; a value that is exactly ${top_k} or
  // ${threshold} becomes that number.
  static void Substitute(json::value& v, const RagQuery& q) {
    if (json::object* o = v.if_object()) {
      for (auto& [key, inner] : *o) Substitute(inner, q);
    } else if (json::array* a = v.if_array()) {
      for (json::value& inner : *a) Substitute(inner, q);
    } else if (json::string* s = v.if_string()) {
      if (*s == "${top_k}") {
        v = q.top_k;
        return;
      }
      if (*s == "${threshold}") {
        v = q.threshold;
        return;
      }
      std::string text(*s);
      if (text.find("${") == std::string::npos) return;
      // Values go in whole: a question that itself says ${decision_name} stays as written.
      std::string out;
      const std::pair<std::string_view, std::string> vars[] = {
          {"${user_content}", q.text},
          {"${matched_domains}", Join(q.domains, ",")},
          {"${matched_keywords}", Join(q.keywords, ",")},
          {"${decision_name}", q.decision},
          {"${top_k}", std::to_string(q.top_k)},
          {"${threshold}", FormatFixed(q.threshold, 3)}};
      for (size_t i = 0; i < text.size();) {
        bool replaced = false;
        for (const auto& [name, value] : vars) {
          if (std::string_view(text).substr(i).starts_with(name)) {
            out += value;
            i += name.size();
            replaced = true;
            break;
          }
        }
        if (!replaced) out += text[i++];
      }
      v = json::string(out);
    }
  }

  std::string server_, tool_;
  int timeout_s_;
  bool args_are_map_ = true;
  json::object args_;
  mutable std::mutex mu_;
  mutable bool ready_ = false;  // a session is set up (or the server needs none)
  mutable HeaderList session_;  // what its calls carry
};

// ---- vectorstore (this router's own) ----

class LocalVectorStoreBackend final : public RagBackend {
 public:
  LocalVectorStoreBackend(const YamlNode* c,
                          std::shared_ptr<vectorstore::VectorStoreService> service)
      : store_(Text(c, "vector_store_id")), service_(std::move(service)) {
    if (const YamlNode* ids = c != nullptr ? c->Find("file_ids") : nullptr;
        ids && ids->IsSequence()) {
      for (const YamlNode& id : ids->items) {
        if (id.IsScalar() && !id.scalar.empty()) file_ids_.push_back(id.scalar);
      }
    }
  }

  bool Check(std::string& error) const {
    if (store_.empty()) error = "vector_store_id is required for vectorstore backend";
    return error.empty();
  }
  // A store in Llama Stack is searched there, by the question's text (a call the request
  // makes); otherwise here, in memory, by the question's embedding.
  bool needs_embedding() const override { return !remote(); }
  bool local() const override { return !remote(); }

  std::optional<OutboundCall> Build(const RagQuery& q, std::string& error) const override {
    if (!remote()) {
      error = "the vectorstore backend searches in process";
      return std::nullopt;
    }
    const std::optional<std::string> id = service_->Resolve(store_);
    if (!id) {
      error = "vectorstore search failed: vector store not found: " + store_;
      return std::nullopt;
    }
    auto search = service_->RemoteSearchCall(*id, q.text, static_cast<size_t>(std::max(0, q.top_k)),
                                             file_ids_);
    if (!search) {
      error = "vectorstore search failed: " + search.error.message;
      return std::nullopt;
    }
    OutboundCall call;
    call.url = search.value->url;
    call.body = std::move(search.value->body);
    call.headers = std::move(search.value->headers);
    call.timeout = search.value->timeout;
    return call;
  }

  // The store is named by its id or, as configs written before the store existed may say, its
  // name; every listed file_id is searched (upstream filters on the first one only).
  bool Retrieve(const RagQuery& q, std::vector<RagPassage>& out,
                std::string& error) const override {
    if (!service_) {
      error =
          "vector store manager not initialized (enable global.stores.vector_store and restart "
          "the router)";
      return false;
    }
    if (q.embedding == nullptr || q.embedding->empty()) {
      error = "embedder not initialized for vectorstore RAG (no embedding model is loaded)";
      return false;
    }
    const std::optional<std::string> id = service_->Resolve(store_);
    if (!id) {
      error = "vectorstore search failed: vector store not found: " + store_;
      return false;
    }
    auto hits = service_->Search(*id, *q.embedding, static_cast<size_t>(std::max(0, q.top_k)),
                                 q.threshold, file_ids_);
    if (!hits) {
      error = "vectorstore search failed: " + hits.error.message;
      return false;
    }
    for (const vectorstore::SearchResult& h : *hits.value) out.push_back({h.content, h.score});
    return true;
  }

 protected:
  bool Read(const json::value& reply, const RagQuery& q, std::vector<RagPassage>& out,
            std::string& error) const override {
    if (!remote()) {
      error = "the vectorstore backend searches in process";
      return false;
    }
    auto hits = service_->ReadRemoteSearch(reply, q.threshold);
    if (!hits) {
      error = "vectorstore search failed: " + hits.error.message;
      return false;
    }
    for (const vectorstore::SearchResult& h : *hits.value) out.push_back({h.content, h.score});
    return true;
  }

 private:
  bool remote() const { return service_ && service_->searches_remotely(); }

  std::string store_;
  std::vector<std::string> file_ids_;
  std::shared_ptr<vectorstore::VectorStoreService> service_;
};

}  // namespace

std::unique_ptr<RagBackend> MakeRagBackend(
    const config::RagPluginConfig& cfg, const config::Config& config, std::string& error,
    std::shared_ptr<vectorstore::VectorStoreService> vector_store) {
  const YamlNode* c = cfg.backend_config ? &*cfg.backend_config : nullptr;
  if (cfg.backend == "external_api") {
    auto b = std::make_unique<ExternalApiBackend>(c);
    return b->Check(error) ? std::move(b) : nullptr;
  }
  if (cfg.backend == "openai") {
    auto b = std::make_unique<OpenAiVectorStoreBackend>(c);
    return b->Check(error) ? std::move(b) : nullptr;
  }
  if (cfg.backend == "milvus") {
    const auto& milvus = config.global.stores.semantic_cache.milvus;
    if (!milvus) {
      error =
          "milvus connection not available: configure global.stores.semantic_cache.milvus "
          "(the connection rag reuses, as upstream)";
      return nullptr;
    }
    auto b = std::make_unique<MilvusBackendRest>(c, *milvus);
    return b->Check(error) ? std::move(b) : nullptr;
  }
  if (cfg.backend == "mcp") {
    auto b = std::make_unique<McpBackend>(c);
    return b->Check(error) ? std::move(b) : nullptr;
  }
  if (cfg.backend == "vectorstore") {
    auto b = std::make_unique<LocalVectorStoreBackend>(c, std::move(vector_store));
    return b->Check(error) ? std::move(b) : nullptr;
  }
  error = "backend '" + cfg.backend +
          "' is not available in this build (use external_api, openai, milvus, mcp or "
          "vectorstore)";
  return nullptr;
}

bool RagBackends::needs_embedding() const {
  for (const auto& b : stages) {
    if (b->needs_embedding()) return true;
  }
  return false;
}

std::optional<RagBackends> MakeRagBackends(
    const config::RagPluginConfig& cfg, const config::Config& config, std::string& error,
    std::shared_ptr<vectorstore::VectorStoreService> vector_store) {
  RagBackends out;
  if (cfg.backend != "hybrid") {
    auto b = MakeRagBackend(cfg, config, error, std::move(vector_store));
    if (!b) return std::nullopt;
    out.stages.push_back(std::move(b));
    return out;
  }
  const YamlNode* c = cfg.backend_config ? &*cfg.backend_config : nullptr;
  const std::string strategy = Text(c, "strategy").empty() ? "sequential" : Text(c, "strategy");
  if (strategy != "sequential" && strategy != "parallel") {
    error = "unknown hybrid strategy: " + strategy;
    return std::nullopt;
  }
  out.hybrid = true;
  out.parallel = strategy == "parallel";
  for (const char* role : {"primary", "fallback"}) {
    const std::string backend = Text(c, role);
    if (backend.empty()) {
      if (std::string_view(role) == "fallback") break;
      error = "primary backend is required for hybrid RAG";
      return std::nullopt;
    }
    if (backend == "mcp") {
      error = std::string("hybrid's ") + role +
              " cannot be mcp here (an MCP exchange is several calls in turn): use backend "
              "mcp on its own";
      return std::nullopt;
    }
    if (backend != "milvus" && backend != "external_api" && backend != "openai") {
      error = "unknown backend: " + backend + " (hybrid's " + role +
              " is milvus, external_api or openai)";
      return std::nullopt;
    }
    config::RagPluginConfig part = cfg;
    part.backend = backend;
    part.backend_config.reset();
    if (const YamlNode* p = c != nullptr ? c->Find(std::string(role) + "_config") : nullptr) {
      part.backend_config = *p;
    }
    std::string why;
    auto b = MakeRagBackend(part, config, why);
    if (!b) {
      error = std::string(role) + " backend (" + backend + "): " + why;
      return std::nullopt;
    }
    out.stages.push_back(std::move(b));
  }
  return out;
}

bool RagBackend::Parse(const std::string& body, const RagQuery& q, std::vector<RagPassage>& out,
                       std::string& error) const {
  out.clear();
  boost::system::error_code ec;
  const json::value reply = json::parse(body, ec);
  if (ec) {
    error = "the reply is not JSON";
    return false;
  }
  return Read(reply, q, out, error);
}

std::string JoinPassages(const std::vector<RagPassage>& passages) {
  std::vector<std::string> texts;
  for (const RagPassage& p : passages) texts.push_back(p.content);
  return Join(texts, "\n\n---\n\n");
}

}  // namespace vsr::plugins
