#include "observability/span.h"

namespace vsr::observability {

int64_t UnixNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RequestTrace::RequestTrace(const std::optional<TraceParent>& parent, bool sampled)
    : recording_(sampled), sampled_(sampled) {
  if (parent) {
    trace_id_ = parent->trace_id;
    remote_parent_ = parent->span_id;
  } else {
    trace_id_ = NewTraceId();
  }
  unsampled_span_ = NewSpanId();
  if (recording_) spans_.reserve(16);
}

RequestTrace::Index RequestTrace::Begin(std::string name, Index parent, SpanKind kind) {
  if (!recording_) return kNone;
  const int64_t now = UnixNowNs();
  Index i = Add(std::move(name), parent, now, 0);
  spans_[i].kind = kind;
  return i;
}

RequestTrace::Index RequestTrace::Add(std::string name, Index parent, int64_t start_unix_ns,
                                      int64_t end_unix_ns) {
  if (!recording_) return kNone;
  Span s;
  s.name = std::move(name);
  s.trace_id = trace_id_;
  s.span_id = NewSpanId();
  if (parent != kNone && parent < spans_.size()) {
    s.parent_span_id = spans_[parent].span_id;
  } else if (!spans_.empty()) {
    s.parent_span_id = spans_[0].span_id;  // under the request's root span
  } else {
    s.parent_span_id = remote_parent_;  // the root: the client's span, if any
  }
  s.start_unix_ns = start_unix_ns;
  s.end_unix_ns = end_unix_ns;
  spans_.push_back(std::move(s));
  return spans_.size() - 1;
}

void RequestTrace::End(Index span) {
  if (span < spans_.size() && spans_[span].end_unix_ns == 0) spans_[span].end_unix_ns = UnixNowNs();
}

void RequestTrace::Set(Index span, std::string key, AttributeValue value) {
  if (span < spans_.size()) spans_[span].attributes.push_back({std::move(key), std::move(value)});
}

void RequestTrace::Fail(Index span, std::string message) {
  if (span >= spans_.size()) return;
  spans_[span].error = true;
  spans_[span].status_message = std::move(message);
}

std::string RequestTrace::TraceParentFor(Index span) const {
  if (span < spans_.size()) return FormatTraceParent(trace_id_, spans_[span].span_id, sampled_);
  if (!spans_.empty()) return FormatTraceParent(trace_id_, spans_[0].span_id, sampled_);
  return FormatTraceParent(trace_id_, unsampled_span_, sampled_);
}

std::vector<Span> RequestTrace::Take() {
  const int64_t now = UnixNowNs();
  for (Span& s : spans_) {
    if (s.end_unix_ns == 0) s.end_unix_ns = now;
  }
  return std::move(spans_);
}

}  // namespace vsr::observability
