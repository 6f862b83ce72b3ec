#include "server/access_log.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "common/json_text.h"
#include "common/rfc3339.h"

namespace vsr::server {

namespace {

// "2026-12-04T01:02:03.456Z" in quotes, appended. Every request writes one, so the date and time of
// day are formatted once per second per thread (formatting them per call was 1.5% of a proxied
// request) and only the milliseconds per call.
void AppendUtcNow(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;  // "2026-12-04T01:02:03."
  if (t != cached_second) {
    cached = Rfc3339Utc(t);
    cached.back() = '.';  // the 'Z' goes after the milliseconds
    cached_second = t;
  }
  out += '"';
  out += cached;
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += "Z\"";
}

// Milliseconds rounded to the microsecond, as the shortest plain decimal ("1.235", "0.042",
// "3"): written from integers (every line has one or two; printing a double took 700
// instructions).
void AppendMillis(std::string& out, double ms) {
  if (!(ms >= 0 && ms < 1e12)) {  // negative or absurd: the general path; not a number: null
    AppendJsonNumber(out, std::isfinite(ms) ? std::round(ms * 1000) / 1000 : ms);
    return;
  }
  const auto micros = static_cast<uint64_t>(ms * 1000 + 0.5);
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf, micros / 1000).ptr;
  if (const uint64_t frac = micros % 1000; frac != 0) {
    *end++ = '.';
    *end++ = static_cast<char>('0' + frac / 100);
    *end++ = static_cast<char>('0' + frac / 10 % 10);
    *end++ = static_cast<char>('0' + frac % 10);
    while (end[-1] == '0') --end;
  }
  out.append(buf, end);
}

}  // namespace

std::string AccessLine(const AccessRecord& r) {
  std::string line;
  line.reserve(256 + r.request_id.size() + r.path.size() + r.error.size());
  const auto field = [&line](std::string_view key) {
    line += line.empty() ? "{\"" : ",\"";
    line.append(key).append("\":");
  };
  const auto text = [&](std::string_view key, std::string_view value) {
    field(key);
    AppendJsonString(line, value);
  };
  field("time");
  AppendUtcNow(line);
  text("request_id", r.request_id);
  text("method", r.method);
  text("path", r.path);
  field("status");
  line += std::to_string(r.status);
  field("duration_ms");
  AppendMillis(line, r.duration_ms);
  if (!r.requested_model.empty()) text("model", r.requested_model);
  if (!r.selected_model.empty()) text("selected_model", r.selected_model);
  if (!r.decision.empty()) text("decision", r.decision);
  if (!r.backend.empty()) text("backend", r.backend);
  if (r.routing_ms > 0) {
    field("routing_ms");
    AppendMillis(line, r.routing_ms);
  }
  if (r.streamed) {
    field("streamed");
    line += "true";
  }
  if (!r.error.empty()) text("error", r.error);
  line += "}\n";
  return line;
}

AccessLog::AccessLog(const std::string& path) {
  if (path.empty()) {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "a");
    owned_ = file_ != nullptr;
  }
  if (file_ != nullptr) flusher_ = std::thread([this] { Run(); });
}

AccessLog::~AccessLog() {
  if (flusher_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    flusher_.join();
  }
  Flush();
  if (owned_) std::fclose(file_);
}

void AccessLog::Write(const AccessRecord& r) {
  if (file_ == nullptr) return;
  const std::string line = AccessLine(r);
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    // The flusher sleeps untimed while there is nothing to write: the first line wakes it.
    wake = pending_.empty();
    pending_ += line;
    wake = wake || pending_.size() >= kFlushBytes;
  }
  if (wake) cv_.notify_all();
}

void AccessLog::Flush() {
  if (file_ == nullptr) return;
  // Held across taking the lines and writing them, so two flushes (the flusher's and a
  // caller's) cannot write their batches in the wrong order.
  std::lock_guard write_lock(write_mu_);
  {
    std::lock_guard lock(mu_);
    writing_.swap(pending_);  // pending_ keeps the capacity the last batch grew
  }
  if (writing_.empty()) return;
  std::fwrite(writing_.data(), 1, writing_.size(), file_);
  std::fflush(file_);
  writing_.clear();
}

void AccessLog::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    // Then the lines of the next interval join the first (one write for all of them).
    cv_.wait_for(lock, kFlushInterval,
                 [this] { return stopping_ || pending_.size() >= kFlushBytes; });
    lock.unlock();
    Flush();
    lock.lock();
  }
}

}  // namespace vsr::server
