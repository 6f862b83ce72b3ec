// The data plane's access log: one JSON line per request (what `vllm-sr logs envoy` shows).
// Never carries request headers or bodies, so API keys cannot leak into it.
//
// Lines are written by a thread of the log's own, at most kFlushInterval after the request
// (or as soon as kFlushBytes wait), instead of a write syscall per request on the I/O
// threads; the destructor (clean shutdown) writes what is left. A crash can lose the lines of
// the last kFlushInterval.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

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
  // Writes the waiting lines now (tests; the flusher does it on its own).
  void Flush();

  static constexpr std::chrono::milliseconds kFlushInterval{100};
  static constexpr size_t kFlushBytes = 64 * 1024;

 private:
  void Run();

  std::mutex mu_;  // pending_, stopping_
  std::condition_variable cv_;
  std::string pending_;
  bool stopping_ = false;
  std::mutex write_mu_;  // the file and writing_
  std::string writing_;  // the batch being written
  FILE* file_ = nullptr;
  bool owned_ = false;
  std::thread flusher_;
};

// One access-log line (with its newline): {"time":...,"request_id":...,...}.
std::string AccessLine(const AccessRecord& record);

}  // namespace vsr::server
