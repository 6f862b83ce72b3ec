// From a provider model to the endpoints that serve it: where to connect, which path, which
// auth header (upstream's provider-type defaults), and in which order to try them — a smooth
// weighted round robin picks the first, the others follow for failover.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/http_exchange.h"

namespace vsr::server {

enum class ApiFormat { kOpenAi, kAnthropic };

struct BackendTarget {
  std::string name;  // backend_refs[].name
  std::string host;
  std::string port;
  bool tls = false;
  std::string path;    // request path on the backend
  HeaderList headers;  // auth and extra headers (secrets: never log these)
  std::string error;   // why this ref cannot be used (bad base_url, missing key)
  // How the backend takes its key: the provider type (openai, anthropic, azure-openai...), its
  // auth header and prefix, and the configured key (api_key / api_key_env; in `headers` too).
  std::string provider;
  std::string auth_header;
  std::string auth_prefix;
  std::string configured_key;
  std::string Address() const { return host + ":" + port; }
  // `key` as this backend's auth header value ("Bearer <key>", or the key alone).
  std::string AuthValue(const std::string& key) const {
    return auth_prefix.empty() ? key : auth_prefix + " " + key;
  }
};

// The providers.models entry a request names: by name, else by its provider model id or an
// external model id alias; null when none.
const config::ProviderModel* FindProviderModel(const config::Config& c, const std::string& name);

// What every endpoint of a model shares: the API it speaks (`api_format`) and the model name
// it knows (`provider_model_id`, else the name).
ApiFormat FormatOf(const config::ProviderModel& model);
const std::string& UpstreamModelId(const config::ProviderModel& model);

// The target for one backend ref.
BackendTarget ResolveBackend(const config::ProviderModel& model, const config::BackendRef& ref);

class BackendBalancer {
 public:
  // Every usable endpoint of `model`, the weighted pick first. Refs that cannot be used
  // (error set) come last so the caller can report why.
  std::vector<BackendTarget> Candidates(const config::ProviderModel& model);

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<int64_t>> current_;  // per model: smooth WRR state
};

}  // namespace vsr::server
