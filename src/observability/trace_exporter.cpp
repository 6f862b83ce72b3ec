#include "observability/trace_exporter.h"

#include <boost/json.hpp>

namespace vsr::observability {

namespace json = boost::json;

namespace {

json::object AnyValue(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> json::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return {{"stringValue", x}};
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return {{"intValue", std::to_string(x)}};
        } else if constexpr (std::is_same_v<T, double>) {
          return {{"doubleValue", x}};
        } else if constexpr (std::is_same_v<T, bool>) {
          return {{"boolValue", x}};
        } else {
          json::array values;
          for (const auto& s : x) values.push_back(json::object{{"stringValue", s}});
          return {{"arrayValue", json::object{{"values", std::move(values)}}}};
        }
      },
      v);
}

json::object KeyValue(const std::string& key, const AttributeValue& v) {
  return {{"key", key}, {"value", AnyValue(v)}};
}

bool IsZero(const SpanId& id) {
  for (uint8_t b : id) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

std::string OtlpJson(const std::vector<Span>& spans, const TraceResource& resource) {
  json::array resource_attrs{KeyValue("service.name", resource.service_name)};
  if (!resource.service_version.empty()) {
    resource_attrs.push_back(KeyValue("service.version", resource.service_version));
  }
  if (!resource.deployment_environment.empty()) {
    resource_attrs.push_back(KeyValue("deployment.environment", resource.deployment_environment));
  }
  json::array out;
  out.reserve(spans.size());
  for (const Span& s : spans) {
    json::object o;
    o["traceId"] = Hex(s.trace_id);
    o["spanId"] = Hex(s.span_id);
    if (!IsZero(s.parent_span_id)) o["parentSpanId"] = Hex(s.parent_span_id);
    o["name"] = s.name;
    o["kind"] = static_cast<int>(s.kind);
    o["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
    o["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
    json::array attrs;
    for (const Attribute& a : s.attributes) attrs.push_back(KeyValue(a.key, a.value));
    o["attributes"] = std::move(attrs);
    json::object status;
    if (s.error) {
      status["code"] = 2;  // STATUS_CODE_ERROR
      if (!s.status_message.empty()) status["message"] = s.status_message;
    }
    o["status"] = std::move(status);
    out.push_back(std::move(o));
  }
  json::object body{
      {"resourceSpans",
       json::array{json::object{
           {"resource", json::object{{"attributes", std::move(resource_attrs)}}},
           {"scopeSpans", json::array{json::object{
                              {"scope", json::object{{"name", "semantic-router"}}},
                              {"spans", std::move(out)}}}}}}}};
  return json::serialize(body);
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

void TraceExporter::Submit(std::vector<Span> spans) {
  if (spans.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() + spans.size() > options_.max_queue) {
      dropped_ += spans.size();
      return;
    }
    for (Span& s : spans) queue_.push_back(std::move(s));
    wake = queue_.size() >= options_.max_batch;
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
      return stopping_ || flush_requested_ || queue_.size() >= options_.max_batch;
    });
    while (!queue_.empty()) {
      std::vector<Span> batch;
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(n));
      busy_ = true;
      lock.unlock();
      std::string error;
      const bool ok = post_(OtlpJson(batch, resource_), error);
      lock.lock();
      busy_ = false;
      if (ok) {
        exported_ += batch.size();
        if (collector_down_ && log_) log_("tracing: the collector accepts spans again");
        collector_down_ = false;
      } else {
        dropped_ += batch.size();
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
      dropped_ += queue_.size();
      queue_.clear();
      idle_cv_.notify_all();
      return;
    }
  }
}

}  // namespace vsr::observability
