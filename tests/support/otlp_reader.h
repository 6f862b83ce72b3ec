// Reads an OTLP/HTTP trace export as a collector would: JSON is parsed, protobuf is decoded
// into the same shape (the OTLP/JSON mapping: hex ids, 64-bit integers as strings, "attributes"
// and "status" always present), so tests check spans once for either encoding. The protobuf
// reader is strict: a truncated field, a wrong wire type for a known field or trailing bytes
// throw.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "observability/trace_context.h"

namespace vsr::test {

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view bytes) : p_(bytes.data()), end_(p_ + bytes.size()) {}
  bool done() const { return p_ == end_; }
  // The next field: its number and wire type.
  void Next(uint32_t& field, uint32_t& wire) {
    const uint64_t tag = Varint();
    field = static_cast<uint32_t>(tag >> 3);
    wire = static_cast<uint32_t>(tag & 7);
    if (field == 0) throw std::runtime_error("protobuf: field number 0");
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) throw std::runtime_error("protobuf: truncated varint");
      const auto b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw std::runtime_error("protobuf: varint longer than 10 bytes");
  }
  uint64_t Fixed64() {
    if (end_ - p_ < 8) throw std::runtime_error("protobuf: truncated fixed64");
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(p_[i]);
    p_ += 8;
    return v;
  }
  std::string_view Bytes() {
    const uint64_t n = Varint();
    if (static_cast<uint64_t>(end_ - p_) < n) throw std::runtime_error("protobuf: truncated bytes");
    std::string_view out(p_, n);
    p_ += n;
    return out;
  }
  void Skip(uint32_t wire) {
    switch (wire) {
      case 0:
        Varint();
        break;
      case 1:
        Fixed64();
        break;
      case 2:
        Bytes();
        break;
      case 5:
        if (end_ - p_ < 4) throw std::runtime_error("protobuf: truncated fixed32");
        p_ += 4;
        break;
      default:
        throw std::runtime_error("protobuf: unknown wire type");
    }
  }
  static void Expect(uint32_t wire, uint32_t want, const char* what) {
    if (wire != want)
      throw std::runtime_error(std::string("protobuf: wrong wire type for ") + what);
  }

 private:
  const char* p_;
  const char* end_;
};

namespace otlp_detail {

namespace json = boost::json;

inline std::string HexOf(std::string_view bytes) {
  return observability::Hex(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Calls `read(field, wire, reader)` for each field of a message; it returns false for a field
// it does not read, which is then skipped.
template <typename Read>
void ForEachField(std::string_view bytes, Read read) {
  ProtoReader r(bytes);
  uint32_t field = 0, wire = 0;
  while (!r.done()) {
    r.Next(field, wire);
    if (!read(field, wire, r)) r.Skip(wire);
  }
}

// The message held by a length-delimited field.
inline std::string_view Message(uint32_t wire, ProtoReader& r, const char* what) {
  ProtoReader::Expect(wire, 2, what);
  return r.Bytes();
}

// The messages of one repeated field, each read by `read(std::string_view)`.
template <typename Read>
json::array Repeated(std::string_view bytes, uint32_t want, const char* what, Read read) {
  json::array out;
  ForEachField(bytes, [&](uint32_t field, uint32_t wire, ProtoReader& r) {
    if (field == want) out.push_back(read(Message(wire, r, what)));
    return field == want;
  });
  return out;
}

inline json::object AnyValue(std::string_view bytes) {
  json::object v;
  ForEachField(bytes, [&v](uint32_t field, uint32_t wire, ProtoReader& r) {
    switch (field) {
      case 1:
        v["stringValue"] = Message(wire, r, "string_value");
        return true;
      case 2:
        ProtoReader::Expect(wire, 0, "bool_value");
        v["boolValue"] = r.Varint() != 0;
        return true;
      case 3:
        ProtoReader::Expect(wire, 0, "int_value");
        v["intValue"] = std::to_string(static_cast<int64_t>(r.Varint()));
        return true;
      case 4: {
        ProtoReader::Expect(wire, 1, "double_value");
        const uint64_t bits = r.Fixed64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        v["doubleValue"] = d;
        return true;
      }
      case 5:
        v["arrayValue"] = json::object{
            {"values", Repeated(Message(wire, r, "array_value"), 1, "ArrayValue.values",
                                [](std::string_view b) { return AnyValue(b); })}};
        return true;
      default:
        return false;
    }
  });
  return v;
}

inline json::object KeyValue(std::string_view bytes) {
  json::object kv;
  ForEachField(bytes, [&kv](uint32_t field, uint32_t wire, ProtoReader& r) {
    if (field == 1) kv["key"] = Message(wire, r, "KeyValue.key");
    if (field == 2) kv["value"] = AnyValue(Message(wire, r, "KeyValue.value"));
    return field == 1 || field == 2;
  });
  return kv;
}

inline json::object Status(std::string_view bytes) {
  json::object status;
  ForEachField(bytes, [&status](uint32_t field, uint32_t wire, ProtoReader& r) {
    if (field == 2) status["message"] = Message(wire, r, "Status.message");
    if (field == 3) {
      ProtoReader::Expect(wire, 0, "Status.code");
      status["code"] = static_cast<int64_t>(r.Varint());
    }
    return field == 2 || field == 3;
  });
  return status;
}

inline json::object Span(std::string_view bytes) {
  json::object s;
  json::array attributes;
  json::object status;
  ForEachField(bytes, [&](uint32_t field, uint32_t wire, ProtoReader& r) {
    switch (field) {
      case 1:
        s["traceId"] = HexOf(Message(wire, r, "trace_id"));
        return true;
      case 2:
        s["spanId"] = HexOf(Message(wire, r, "span_id"));
        return true;
      case 4:
        s["parentSpanId"] = HexOf(Message(wire, r, "parent_span_id"));
        return true;
      case 5:
        s["name"] = Message(wire, r, "name");
        return true;
      case 6:
        ProtoReader::Expect(wire, 0, "kind");
        s["kind"] = static_cast<int64_t>(r.Varint());
        return true;
      case 7:
      case 8:
        ProtoReader::Expect(wire, 1, "a span time");
        s[field == 7 ? "startTimeUnixNano" : "endTimeUnixNano"] = std::to_string(r.Fixed64());
        return true;
      case 9:
        attributes.push_back(KeyValue(Message(wire, r, "attributes")));
        return true;
      case 15:
        status = Status(Message(wire, r, "status"));
        return true;
      default:
        return false;
    }
  });
  s["attributes"] = std::move(attributes);
  s["status"] = std::move(status);
  return s;
}

inline json::object ScopeSpans(std::string_view bytes) {
  json::object ss;
  json::array spans;
  ForEachField(bytes, [&](uint32_t field, uint32_t wire, ProtoReader& r) {
    if (field == 1) {
      json::object scope;
      ForEachField(Message(wire, r, "scope"), [&scope](uint32_t f, uint32_t w, ProtoReader& n) {
        if (f == 1) scope["name"] = Message(w, n, "scope name");
        return f == 1;
      });
      ss["scope"] = std::move(scope);
    }
    if (field == 2) spans.push_back(Span(Message(wire, r, "spans")));
    return field == 1 || field == 2;
  });
  ss["spans"] = std::move(spans);
  return ss;
}

inline json::object ResourceSpans(std::string_view bytes) {
  json::object rs;
  json::array scope_spans;
  ForEachField(bytes, [&](uint32_t field, uint32_t wire, ProtoReader& r) {
    if (field == 1) {
      rs["resource"] =
          json::object{{"attributes", Repeated(Message(wire, r, "resource"), 1, "attributes",
                                               [](std::string_view b) { return KeyValue(b); })}};
    }
    if (field == 2) scope_spans.push_back(ScopeSpans(Message(wire, r, "scope_spans")));
    return field == 1 || field == 2;
  });
  rs["scopeSpans"] = std::move(scope_spans);
  return rs;
}

}  // namespace otlp_detail

// An ExportTraceServiceRequest in protobuf, as the OTLP/JSON document it stands for.
inline boost::json::object OtlpProtobufAsJson(std::string_view bytes) {
  return boost::json::object{
      {"resourceSpans", otlp_detail::Repeated(bytes, 1, "resource_spans", [](std::string_view b) {
         return otlp_detail::ResourceSpans(b);
       })}};
}

// A collector's view of one POST /v1/traces body, by its Content-Type.
inline boost::json::object ReadOtlpExport(std::string_view body, std::string_view content_type) {
  if (content_type.starts_with("application/x-protobuf")) return OtlpProtobufAsJson(body);
  return boost::json::parse(body).as_object();
}

}  // namespace vsr::test
