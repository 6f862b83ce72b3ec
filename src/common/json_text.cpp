#include "common/json_text.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/swar.h"

namespace vsr {
namespace {

struct Style {
  bool pretty;          // newlines and two-space indent
  bool force_fraction;  // 1.0 rather than 1 (Python's json.dumps), off for Go's encoding/json
};

void AppendDouble(double d, const Style& style, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf; null is what other tools write
    out += "null";
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, res.ptr);
  if (style.force_fraction &&
      std::string_view(buf, res.ptr).find_first_of(".e") == std::string_view::npos) {
    out += ".0";
  }
}

template <class Int>
void AppendInteger(Int i, std::string& out) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
}

void NewLine(int indent, const Style& style, std::string& out) {
  if (!style.pretty) return;
  out += '\n';
  out.append(static_cast<size_t>(indent), ' ');
}

void Emit(const boost::json::value& v, int indent, const Style& style, std::string& out);

void EmitObject(const boost::json::object& obj, int indent, const Style& style, std::string& out) {
  if (obj.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& kv : obj) {
    if (!first) out += ',';
    first = false;
    NewLine(indent + 2, style, out);
    AppendJsonString(out, kv.key());
    out += style.pretty ? ": " : ":";
    Emit(kv.value(), indent + 2, style, out);
  }
  NewLine(indent, style, out);
  out += '}';
}

void EmitArray(const boost::json::array& arr, int indent, const Style& style, std::string& out) {
  if (arr.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  for (size_t i = 0; i < arr.size(); ++i) {
    if (i > 0) out += ',';
    NewLine(indent + 2, style, out);
    Emit(arr[i], indent + 2, style, out);
  }
  NewLine(indent, style, out);
  out += ']';
}

// Appends straight to `out`, with no string per key or value: the data plane writes every
// forwarded body with this.
void Emit(const boost::json::value& v, int indent, const Style& style, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object:
      EmitObject(v.get_object(), indent, style, out);
      return;
    case boost::json::kind::array:
      EmitArray(v.get_array(), indent, style, out);
      return;
    case boost::json::kind::string:
      AppendJsonString(out, v.get_string());
      return;
    case boost::json::kind::int64:
      AppendInteger(v.get_int64(), out);
      return;
    case boost::json::kind::uint64:
      AppendInteger(v.get_uint64(), out);
      return;
    case boost::json::kind::double_:
      AppendDouble(v.get_double(), style, out);
      return;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::null:
      out += "null";
      return;
  }
}

}  // namespace

std::string PrettyJson(const boost::json::value& value) {
  std::string out;
  Emit(value, 0, Style{true, true}, out);
  out += '\n';
  return out;
}

// Room for a typical request or answer body up front: grown from empty, writing one took six
// reallocations.
constexpr size_t kCompactReserve = 512;

std::string CompactJson(const boost::json::value& value) {
  std::string out;
  out.reserve(kCompactReserve);
  Emit(value, 0, Style{false, false}, out);
  return out;
}

std::string CompactJson(const boost::json::object& object) {
  std::string out;
  out.reserve(kCompactReserve);
  EmitObject(object, 0, Style{false, false}, out);
  return out;
}

std::string CompactJson(const boost::json::array& array) {
  std::string out;
  out.reserve(kCompactReserve);
  EmitArray(array, 0, Style{false, false}, out);
  return out;
}

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the current run of characters that need no escaping
  size_t i = 0;
  while (i < text.size()) {
    // Clean text (nearly all of it) is skipped eight bytes at a time, its last partial word
    // too; a word holding a control character, quote or backslash is looked at byte by byte.
    const auto clean = [](uint64_t w) {
      return !swar::HasByteBelow(w, 0x20) && !swar::HasByte(w, '"') && !swar::HasByte(w, '\\');
    };
    while (i + 8 <= text.size() && clean(swar::Load8(text.data() + i))) i += 8;
    // The last bytes, padded with a clean one: most strings are short.
    if (i + 8 > text.size() && clean(swar::LoadTail(text.data() + i, text.size() - i, 'a'))) {
      break;
    }
    for (const size_t stop = std::min(text.size(), i + 8); i < stop; ++i) {
      const auto u = static_cast<unsigned char>(text[i]);
      if (u >= 0x20 && u != '"' && u != '\\') continue;
      out.append(text.data() + run, i - run);
      run = i + 1;
      switch (u) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void AppendJsonNumber(std::string& out, double value) {
  AppendDouble(value, Style{false, false}, out);
}

namespace json = boost::json;

json::array FloatArray(const std::vector<float>& v) {
  json::array a;
  a.reserve(v.size());
  char buf[32];
  for (float x : v) {
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf - 1, x);
    *end = '\0';
    a.push_back(ec == std::errc() ? std::strtod(buf, nullptr) : static_cast<double>(x));
  }
  return a;
}

std::vector<float> FloatsOf(const json::value& v) {
  std::vector<float> out;
  const json::array* a = v.if_array();
  if (a == nullptr) return out;
  out.reserve(a->size());
  for (const json::value& x : *a) {
    out.push_back(x.is_number() ? static_cast<float>(x.to_number<double>()) : 0.f);
  }
  return out;
}

std::string TextField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

double NumberField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : 0.0;
}

}  // namespace vsr
