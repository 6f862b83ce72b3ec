#include "server/forward_body.h"

#include <boost/json/value.hpp>
#include <cstring>

#include "common/json_text.h"

namespace vsr::server {

namespace {

constexpr size_t kNone = std::string_view::npos;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// `i` just past a string's opening quote: the position just past its closing quote, or kNone.
// A prompt is nearly all string bytes: memchr finds the next quote (many bytes a step), and a
// quote ends the string unless an odd run of backslashes escapes it (\\ is one backslash).
size_t SkipStringBody(std::string_view s, size_t i) {
  const size_t open = i;
  while (i < s.size()) {
    const void* hit = std::memchr(s.data() + i, '"', s.size() - i);
    if (hit == nullptr) return kNone;
    const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    size_t backslashes = 0;
    while (quote - backslashes > open && s[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    i = quote + 1;
  }
  return kNone;
}

// The position just past the value starting at `i`, or kNone; `members` counts the object
// members inside it (a colon outside strings is one).
size_t SkipValue(std::string_view s, size_t i, size_t& members) {
  if (i >= s.size()) return kNone;
  if (s[i] == '"') return SkipStringBody(s, i + 1);
  if (s[i] == '{' || s[i] == '[') {
    size_t depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = SkipStringBody(s, i + 1);
        if (i == kNone) return kNone;
        continue;
      }
      if (c == ':') {
        ++members;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kNone;
  }
  // A number or a literal: up to the next delimiter.
  const size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !IsSpace(s[i])) ++i;
  return i == start ? kNone : i;
}

// Members of `o` and of every object inside it: a body's text holds more than its parse when a
// key appears twice in one object (the parse kept the last).
size_t Members(const boost::json::object& o);

size_t Members(const boost::json::value& v) {
  size_t n = 0;
  if (const boost::json::object* o = v.if_object()) {
    n = Members(*o);
  } else if (const boost::json::array* a = v.if_array()) {
    for (const boost::json::value& item : *a) n += Members(item);
  }
  return n;
}

size_t Members(const boost::json::object& o) {
  size_t n = o.size();
  for (const auto& member : o) n += Members(member.value());
  return n;
}

// Whether a stream_options value is {"include_usage": true} and nothing else: what the router
// would write in its place.
bool AsksForUsageOnly(const boost::json::value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return false;
  const boost::json::value* usage = v.as_object().if_contains("include_usage");
  return usage != nullptr && usage->is_bool() && usage->as_bool();
}

// Whether `o` has `key` with the value `true`.
bool IsTrue(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

}  // namespace

std::optional<std::string> SpliceForwardedBody(std::string_view body,
                                               const boost::json::object& parsed,
                                               std::string_view model, bool add_stream_usage) {
  size_t members = 0;
  size_t i = SkipSpace(body, 0);
  if (i >= body.size() || body[i] != '{') return std::nullopt;
  const size_t open = i;
  size_t model_begin = kNone, model_end = kNone;
  i = SkipSpace(body, i + 1);
  if (i < body.size() && body[i] == '}') return std::nullopt;  // no "model"
  for (;;) {
    if (i >= body.size() || body[i] != '"') return std::nullopt;
    const size_t key_begin = i + 1;
    const size_t key_end = SkipStringBody(body, key_begin);
    if (key_end == kNone) return std::nullopt;
    const std::string_view key = body.substr(key_begin, key_end - 1 - key_begin);
    // "mod\u0065l" is "model" too: a key with an escape could be any key.
    if (key.find('\\') != std::string_view::npos) return std::nullopt;
    i = SkipSpace(body, key_end);
    if (i >= body.size() || body[i] != ':') return std::nullopt;
    const size_t value_begin = SkipSpace(body, i + 1);
    const size_t value_end = SkipValue(body, value_begin, members);
    if (value_end == kNone) return std::nullopt;
    ++members;
    // A key given twice is caught below (the member count), whichever key it is.
    if (key == "model") {
      model_begin = value_begin;
      model_end = value_end;
    }
    i = SkipSpace(body, value_end);
    if (i >= body.size()) return std::nullopt;
    if (body[i] == '}') break;
    if (body[i] != ',') return std::nullopt;
    i = SkipSpace(body, i + 1);
  }
  if (SkipSpace(body, i + 1) != body.size()) return std::nullopt;  // bytes after the object
  if (model_begin == kNone) return std::nullopt;
  // A key twice in some object (a message's "content", say): the router read the last one, a
  // backend might read the first, so a guard could pass what the model then reads. Serialized,
  // the body carries only what the router read.
  if (members != Members(parsed)) return std::nullopt;
  // From here every key is once in the text, so the parse says what the text holds.
  bool insert_stream_usage = false;
  if (add_stream_usage) {
    if (!IsTrue(parsed, "stream")) return std::nullopt;
    // A client that asks for the usage itself (SDKs' stream_options) needs nothing added.
    const boost::json::value* options = parsed.if_contains("stream_options");
    if (options != nullptr && !AsksForUsageOnly(*options)) return std::nullopt;
    insert_stream_usage = options == nullptr;
  }

  static constexpr std::string_view kStreamUsage = R"("stream_options":{"include_usage":true},)";
  std::string out;
  out.reserve(body.size() + model.size() + 8 + (insert_stream_usage ? kStreamUsage.size() : 0));
  out.append(body, 0, open + 1);
  if (insert_stream_usage) out.append(kStreamUsage);
  out.append(body, open + 1, model_begin - (open + 1));
  AppendJsonString(out, model);
  out.append(body, model_end);
  return out;
}

}  // namespace vsr::server
