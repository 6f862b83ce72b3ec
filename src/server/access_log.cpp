#include "server/access_log.h"

#include <boost/json.hpp>
#include <chrono>
#include <ctime>

#include "common/json_text.h"

namespace vsr::server {

namespace {

std::string UtcNow() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

double Round3(double v) {
  return static_cast<double>(static_cast<int64_t>(v * 1000 + 0.5)) / 1000;
}

}  // namespace

AccessLog::AccessLog(const std::string& path) {
  if (path.empty()) {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "a");
    owned_ = file_ != nullptr;
  }
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

void AccessLog::Write(const AccessRecord& r) {
  if (file_ == nullptr) return;
  boost::json::object o{{"time", UtcNow()},   {"request_id", r.request_id},
                        {"method", r.method}, {"path", r.path},
                        {"status", r.status}, {"duration_ms", Round3(r.duration_ms)}};
  if (!r.requested_model.empty()) o["model"] = r.requested_model;
  if (!r.selected_model.empty()) o["selected_model"] = r.selected_model;
  if (!r.decision.empty()) o["decision"] = r.decision;
  if (!r.backend.empty()) o["backend"] = r.backend;
  if (r.routing_ms > 0) o["routing_ms"] = Round3(r.routing_ms);
  if (r.streamed) o["streamed"] = true;
  if (!r.error.empty()) o["error"] = r.error;
  const std::string line = CompactJson(o) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace vsr::server
