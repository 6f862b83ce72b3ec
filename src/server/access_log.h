// The data plane's access log: one JSON line per request (what `vllm-sr logs envoy` shows).
// Never carries request headers or bodies, so API keys cannot leak into it.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

namespace vsr::server {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string path;
  int status = 0;
  std::string requested_model;
  std::string selected_model;
  std::string decision;
  std::string backend;  // backend_refs name and host:port
  bool streamed = false;
  double duration_ms = 0;
  double routing_ms = 0;
  std::string error;
};

class AccessLog {
 public:
  // `path` empty: lines go to stdout.
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  bool ok() const { return file_ != nullptr; }
  void Write(const AccessRecord& record);

 private:
  std::mutex mu_;
  FILE* file_ = nullptr;
  bool owned_ = false;
};

}  // namespace vsr::server
