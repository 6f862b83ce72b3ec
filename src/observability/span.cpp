#include "observability/span.h"

#include <chrono>

#include "common/unix_time.h"

namespace vsr::observability {

RequestTrace::RequestTrace(const TraceParent& parent, bool sampled, bool record)
    : recording_(record),
      sampled_(sampled),
      trace_id_(parent.trace_id),
      remote_parent_(parent.span_id),
      unsampled_span_(NewSpanId()) {
  if (recording_) {
    std::vector<TraceData>& spares = SpareTraceData();
    if (!spares.empty()) {
      data_ = std::move(spares.back());
      spares.pop_back();
    } else {  // a routed request: ~7 spans, ~30 attributes
      data_.spans.reserve(16);
      data_.attributes.reserve(64);
      data_.text.reserve(512);
    }
  }
}

std::vector<TraceData>& RequestTrace::SpareTraceData() {
  thread_local std::vector<TraceData> spares;
  return spares;
}

void RequestTrace::Recycle(TraceData&& data) {
  // An unusually large trace is freed rather than kept for the thread's life.
  if (data.spans.capacity() > 256 || data.attributes.capacity() > 2048 ||
      data.text.capacity() > 64 * 1024) {
    return;
  }
  // One per request a thread has in flight (a thread serves dozens at once), up to a bound.
  std::vector<TraceData>& spares = SpareTraceData();
  if (spares.size() >= kMaxSpareTraces) return;
  data.spans.clear();
  data.attributes.clear();
  data.text.clear();
  spares.push_back(std::move(data));
}

RequestTrace::Index RequestTrace::Begin(std::string_view name, Index parent, SpanKind kind) {
  if (!recording_) return kNone;
  return Add(name, parent, UnixNanos(), 0, kind);
}

RequestTrace::Index RequestTrace::Add(std::string_view name, Index parent, int64_t start_unix_ns,
                                      int64_t end_unix_ns, SpanKind kind) {
  if (!recording_) return kNone;
  std::vector<Span>& spans = data_.spans;
  Span& s = spans.emplace_back();
  s.name = name;
  s.kind = kind;
  s.trace_id = trace_id_;
  s.span_id = NewSpanId();
  if (parent != kNone && parent < spans.size() - 1) {
    s.parent_span_id = spans[parent].span_id;
  } else if (spans.size() > 1) {
    s.parent_span_id = spans[0].span_id;  // under the request's root span
  } else {
    s.parent_span_id = remote_parent_;  // the root: the client's span, if any
  }
  s.start_unix_ns = start_unix_ns;
  s.end_unix_ns = end_unix_ns;
  return spans.size() - 1;
}

void RequestTrace::End(Index span) {
  if (span < data_.spans.size() && data_.spans[span].end_unix_ns == 0) {
    data_.spans[span].end_unix_ns = UnixNanos();
  }
}

SpanAttribute* RequestTrace::NewAttribute(Index span, std::string_view key, AttributeKind kind) {
  if (span >= data_.spans.size()) return nullptr;
  const auto index = static_cast<uint32_t>(data_.attributes.size());
  Span& s = data_.spans[span];
  if (s.last_attribute == Span::kNoAttribute) {
    s.first_attribute = index;
  } else {
    data_.attributes[s.last_attribute].next = index;
  }
  s.last_attribute = index;
  SpanAttribute& a = data_.attributes.emplace_back();
  a.kind = kind;
  a.key = key;
  return &a;
}

SpanAttribute::Text RequestTrace::AppendText(std::string_view s) {
  const SpanAttribute::Text t{static_cast<uint32_t>(data_.text.size()),
                              static_cast<uint32_t>(s.size())};
  data_.text.append(s);
  return t;
}

void RequestTrace::Set(Index span, std::string_view key, std::string_view value) {
  if (SpanAttribute* a = NewAttribute(span, key, AttributeKind::kString)) {
    a->value.text = AppendText(value);
  }
}

void RequestTrace::Set(Index span, std::string_view key, int64_t value) {
  if (SpanAttribute* a = NewAttribute(span, key, AttributeKind::kInt)) a->value.integer = value;
}

void RequestTrace::Set(Index span, std::string_view key, double value) {
  if (SpanAttribute* a = NewAttribute(span, key, AttributeKind::kDouble)) a->value.number = value;
}

void RequestTrace::Set(Index span, std::string_view key, bool value) {
  if (SpanAttribute* a = NewAttribute(span, key, AttributeKind::kBool)) a->value.flag = value;
}

void RequestTrace::Set(Index span, std::string_view key, const std::vector<std::string>& value) {
  SpanAttribute* a = NewAttribute(span, key, AttributeKind::kStrings);
  if (a == nullptr) return;
  a->value.text = {static_cast<uint32_t>(data_.text.size()), static_cast<uint32_t>(value.size())};
  for (const std::string& s : value) {
    const auto n = static_cast<uint32_t>(s.size());
    data_.text.append(reinterpret_cast<const char*>(&n), sizeof n);
    data_.text.append(s);
  }
}

void RequestTrace::Fail(Index span, std::string message) {
  if (span >= data_.spans.size()) return;
  data_.spans[span].error = true;
  data_.spans[span].status_message = std::move(message);
}

std::string RequestTrace::TraceParentFor(Index span) const {
  const std::vector<Span>& spans = data_.spans;
  if (span < spans.size()) return FormatTraceParent(trace_id_, spans[span].span_id, sampled_);
  if (!spans.empty()) return FormatTraceParent(trace_id_, spans[0].span_id, sampled_);
  return FormatTraceParent(trace_id_, unsampled_span_, sampled_);
}

TraceData RequestTrace::Take() {
  const int64_t now = UnixNanos();
  for (Span& s : data_.spans) {
    if (s.end_unix_ns == 0) s.end_unix_ns = now;
  }
  return std::move(data_);
}

}  // namespace vsr::observability
