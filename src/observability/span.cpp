#include "observability/span.h"

#include <chrono>
#include <cstring>

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
    } else {  // a routed request: ~10 spans, ~35 attributes of ~40 bytes
      data_.spans.reserve(16);
      data_.attributes.reserve(64);
      data_.text.reserve(2048);
    }
    data_.trace_id = trace_id_;
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

namespace {
// Links attribute `index`, just appended, at the end of span `s`'s chain.
inline void Chain(PodBuffer<SpanAttribute>& attributes, Span& s, uint32_t index) {
  attributes[index].next = Span::kNoAttribute;
  if (s.last_attribute == Span::kNoAttribute) {
    s.first_attribute = index;
  } else {
    attributes[s.last_attribute].next = index;
  }
  s.last_attribute = index;
}
}  // namespace

// Span.attributes (9): KeyValue{key 1, value 2: AnyValue}.
char* RequestTrace::AppendField(Index span, std::string_view key, size_t value_body) {
  // Nearly every attribute: its span is open, the buffers have room and the KeyValue's, the
  // key's and the AnyValue's lengths are a byte each. Then this is a leaf with no calls (no
  // registers saved) that writes the head without computing varints.
  const size_t body = 4 + key.size() + value_body;
  PodBuffer<SpanAttribute>& attributes = data_.attributes;
  ByteBuffer& text = data_.text;
  if (span >= data_.spans.size() || body > 127 || attributes.room() == 0 || text.room() < 2 + body)
      [[unlikely]] {
    return AppendFieldGrowing(span, key, value_body);
  }
  const auto index = static_cast<uint32_t>(attributes.size());
  SpanAttribute* a = attributes.ExtendInPlace(1);
  Chain(attributes, data_.spans[span], index);
  a->offset = static_cast<uint32_t>(text.size());
  a->size = static_cast<uint32_t>(2 + body);
  char* p = text.ExtendInPlace(2 + body);
  p[0] = protobuf::TagByte(9, protobuf::kLengthDelimited);
  p[1] = static_cast<char>(body);
  p[2] = protobuf::TagByte(1, protobuf::kLengthDelimited);
  p[3] = static_cast<char>(key.size());
  p = protobuf::Copy(p + 4, key.data(), key.size());
  p[0] = protobuf::TagByte(2, protobuf::kLengthDelimited);
  p[1] = static_cast<char>(value_body);
  return p + 2;
}

// Any attribute: not recording (null), buffers that grow, lengths of any size.
char* RequestTrace::AppendFieldGrowing(Index span, std::string_view key, size_t value_body) {
  if (span >= data_.spans.size()) return nullptr;
  const auto index = static_cast<uint32_t>(data_.attributes.size());
  SpanAttribute* a = data_.attributes.Extend(1);
  Chain(data_.attributes, data_.spans[span], index);
  const size_t size = protobuf::FieldSize(protobuf::KeyValueBodySize(key, value_body));
  a->offset = static_cast<uint32_t>(data_.text.size());
  a->size = static_cast<uint32_t>(size);
  return protobuf::KeyValueHead(data_.text.Extend(size), 9, key, value_body);
}

// AnyValue: string_value 1, bool_value 2, int_value 3, double_value 4, array_value 5
// (ArrayValue: values 1). One of them is always written, even a zero value (it is a oneof).

void RequestTrace::Set(Index span, std::string_view key, std::string_view value) {
  char* p = AppendField(span, key, protobuf::FieldSize(value.size()));
  if (p != nullptr) protobuf::Copy(protobuf::Head(p, 1, value.size()), value.data(), value.size());
}

void RequestTrace::Set(Index span, std::string_view key, int64_t value) {
  const auto bits = static_cast<uint64_t>(value);  // as int64 is: negatives take 10 bytes
  char* p = AppendField(span, key, 1 + protobuf::VarintSize(bits));
  if (p != nullptr) protobuf::Varint(protobuf::Tag(p, 3, protobuf::kVarint), bits);
}

void RequestTrace::Set(Index span, std::string_view key, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  char* p = AppendField(span, key, 9);
  if (p != nullptr) protobuf::Fixed64(p, 4, bits);
}

void RequestTrace::Set(Index span, std::string_view key, bool value) {
  char* p = AppendField(span, key, 2);
  if (p != nullptr) *protobuf::Tag(p, 2, protobuf::kVarint) = value ? 1 : 0;
}

template <typename Strings>
void RequestTrace::SetStrings(Index span, std::string_view key, const Strings& value) {
  size_t array_body = 0;
  for (std::string_view s : value) array_body += protobuf::FieldSize(protobuf::FieldSize(s.size()));
  char* p = AppendField(span, key, protobuf::FieldSize(array_body));
  if (p == nullptr) return;
  p = protobuf::Head(p, 5, array_body);
  for (std::string_view s : value) {
    p = protobuf::Head(p, 1, protobuf::FieldSize(s.size()));  // an AnyValue holding
    p = protobuf::String(p, 1, s);                            // a string_value
  }
}

void RequestTrace::Set(Index span, std::string_view key, const std::vector<std::string>& value) {
  SetStrings(span, key, value);
}

void RequestTrace::Set(Index span, std::string_view key, std::span<const std::string_view> value) {
  SetStrings(span, key, value);
}

AttributeValue TraceData::Read(const SpanAttribute& a) const {
  AttributeValue out;
  uint64_t n;
  const char* p = protobuf::ReadVarint(text.data() + a.offset + 1, n);  // the KeyValue
  p = protobuf::ReadVarint(p + 1, n);                                   // its key
  out.key = std::string_view(p, n);
  p = protobuf::ReadVarint(p + n + 1, n);  // its AnyValue
  const auto field = static_cast<uint8_t>(*p++) >> 3;
  out.kind = static_cast<AttributeKind>(field - 1);
  switch (out.kind) {
    case AttributeKind::kString:
    case AttributeKind::kStrings:
      p = protobuf::ReadVarint(p, n);
      out.bytes = std::string_view(p, n);
      break;
    case AttributeKind::kBool:
      out.flag = *p != 0;
      break;
    case AttributeKind::kInt:
      protobuf::ReadVarint(p, n);
      out.integer = static_cast<int64_t>(n);
      break;
    case AttributeKind::kDouble:
      n = 0;
      for (int i = 0; i < 8; ++i) n |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
      std::memcpy(&out.number, &n, sizeof n);
      break;
  }
  return out;
}

void RequestTrace::Fail(Index span, std::string_view message) {
  if (span >= data_.spans.size()) return;
  Span& s = data_.spans[span];
  s.error = true;
  s.status_offset = static_cast<uint32_t>(data_.text.size());
  s.status_size = static_cast<uint32_t>(message.size());
  if (!message.empty())
    std::memcpy(data_.text.Extend(message.size()), message.data(), message.size());
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
