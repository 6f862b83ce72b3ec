#include "common/json_text.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace vsr {
namespace {

void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf; null is what other tools write
    out += "null";
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, res.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  out += text;
}

void Emit(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  const std::string close_pad(static_cast<size_t>(indent), ' ');
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& obj = v.get_object();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : obj) {
        if (!first) out += ",\n";
        first = false;
        out += pad + boost::json::serialize(boost::json::string_view(kv.key())) + ": ";
        Emit(kv.value(), indent + 2, out);
      }
      out += "\n" + close_pad + "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& arr = v.get_array();
      if (arr.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < arr.size(); ++i) {
        if (i > 0) out += ",\n";
        out += pad;
        Emit(arr[i], indent + 2, out);
      }
      out += "\n" + close_pad + "]";
      return;
    }
    case boost::json::kind::double_:
      AppendDouble(v.get_double(), out);
      return;
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(const boost::json::value& value) {
  std::string out;
  Emit(value, 0, out);
  out += '\n';
  return out;
}

}  // namespace vsr
