#include "observability/trace_exporter.h"

#include "common/json_text.h"

namespace vsr::observability {

namespace {

template <size_t N>
void AppendQuotedHex(std::string& out, const std::array<uint8_t, N>& id) {
  out += '"';
  AppendHex(out, id.data(), N);
  out += '"';
}

void AppendAnyValue(std::string& out, const AttributeValue& v) {
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          out += "{\"stringValue\":";
          AppendJsonString(out, x);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out += "{\"intValue\":\"" + std::to_string(x) + '"';  // int64 as a string (OTLP JSON)
        } else if constexpr (std::is_same_v<T, double>) {
          out += "{\"doubleValue\":";
          AppendJsonNumber(out, x);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "{\"boolValue\":true" : "{\"boolValue\":false";
        } else {
          out += "{\"arrayValue\":{\"values\":[";
          for (size_t i = 0; i < x.size(); ++i) {
            out += i == 0 ? "{\"stringValue\":" : ",{\"stringValue\":";
            AppendJsonString(out, x[i]);
            out += '}';
          }
          out += "]}";
        }
        out += '}';
      },
      v);
}

void AppendKeyValue(std::string& out, std::string_view key, const AttributeValue& v) {
  out += "{\"key\":";
  AppendJsonString(out, key);
  out += ",\"value\":";
  AppendAnyValue(out, v);
  out += '}';
}

bool IsZero(const SpanId& id) {
  for (uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

void AppendSpan(std::string& out, const TraceData& trace, size_t index) {
  const Span& s = trace.spans[index];
  out += "{\"traceId\":";
  AppendQuotedHex(out, s.trace_id);
  out += ",\"spanId\":";
  AppendQuotedHex(out, s.span_id);
  if (!IsZero(s.parent_span_id)) {
    out += ",\"parentSpanId\":";
    AppendQuotedHex(out, s.parent_span_id);
  }
  out += ",\"name\":";
  AppendJsonString(out, s.name);
  out += ",\"kind\":" + std::to_string(static_cast<int>(s.kind));
  out += ",\"startTimeUnixNano\":\"" + std::to_string(s.start_unix_ns);
  out += "\",\"endTimeUnixNano\":\"" + std::to_string(s.end_unix_ns);
  out += "\",\"attributes\":[";
  bool first = true;
  for (const SpanAttribute& a : trace.attributes) {
    if (a.span != index) continue;
    if (!first) out += ',';
    first = false;
    AppendKeyValue(out, a.key, a.value);
  }
  out += "],\"status\":{";
  if (s.error) {
    out += "\"code\":2";  // STATUS_CODE_ERROR
    if (!s.status_message.empty()) {
      out += ",\"message\":";
      AppendJsonString(out, s.status_message);
    }
  }
  out += "}}";
}

}  // namespace

std::string OtlpJson(const std::vector<TraceData>& traces, const TraceResource& resource) {
  std::string out;
  size_t spans = 0;
  for (const TraceData& t : traces) spans += t.spans.size();
  out.reserve(512 + spans * 600);
  out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  AppendKeyValue(out, "service.name", resource.service_name);
  if (!resource.service_version.empty()) {
    out += ',';
    AppendKeyValue(out, "service.version", resource.service_version);
  }
  if (!resource.deployment_environment.empty()) {
    out += ',';
    AppendKeyValue(out, "deployment.environment", resource.deployment_environment);
  }
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"semantic-router\"},\"spans\":[";
  bool first = true;
  for (const TraceData& t : traces) {
    for (size_t i = 0; i < t.spans.size(); ++i) {
      if (!first) out += ',';
      first = false;
      AppendSpan(out, t, i);
    }
  }
  out += "]}]}]}";
  return out;
}

TraceExporter::TraceExporter(TraceResource resource, Post post, Log log,
                             TraceExporterOptions options)
    : resource_(std::move(resource)),
      post_(std::move(post)),
      log_(std::move(log)),
      options_(options) {
  thread_ = std::thread([this] { Run(); });
}

TraceExporter::~TraceExporter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TraceExporter::Submit(TraceData trace) {
  const size_t n = trace.spans.size();
  if (n == 0) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queued_spans_ + n > options_.max_queue) {
      dropped_ += n;
      return;
    }
    queue_.push_back(std::move(trace));
    queued_spans_ += n;
    wake = queued_spans_ >= options_.max_batch;
  }
  if (wake) cv_.notify_all();
}

void TraceExporter::Flush() {
  std::unique_lock lock(mu_);
  flush_requested_ = true;
  cv_.notify_all();
  idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

void TraceExporter::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait_for(lock, options_.flush_interval, [this] {
      return stopping_ || flush_requested_ || queued_spans_ >= options_.max_batch;
    });
    while (!queue_.empty()) {
      // Whole traces, up to max_batch spans (at least one trace).
      std::vector<TraceData> batch;
      size_t n = 0;
      while (!queue_.empty() &&
             (batch.empty() || n + queue_.front().spans.size() <= options_.max_batch)) {
        n += queue_.front().spans.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_spans_ -= n;
      busy_ = true;
      lock.unlock();
      std::string error;
      const bool ok = post_(OtlpJson(batch, resource_), error);
      lock.lock();
      busy_ = false;
      if (ok) {
        exported_ += n;
        if (collector_down_ && log_) log_("tracing: the collector accepts spans again");
        collector_down_ = false;
      } else {
        dropped_ += n;
        if (!collector_down_ && log_) {
          log_("tracing: cannot export spans: " + error +
               " (spans are dropped until the collector answers; requests are not affected)");
        }
        collector_down_ = true;
        if (!stopping_) break;  // wait for the next interval before trying again
      }
    }
    flush_requested_ = false;
    idle_cv_.notify_all();
    if (stopping_ && queue_.empty()) return;
    if (stopping_) {  // the collector refused the last attempt: give up on the rest
      dropped_ += queued_spans_;
      queued_spans_ = 0;
      queue_.clear();
      idle_cv_.notify_all();
      return;
    }
  }
}

}  // namespace vsr::observability
