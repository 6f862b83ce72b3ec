// Typed reading of YamlNode trees: one DecodeFields() per struct declares its keys, and the
// reader reports wrong types, failed checks and unknown keys (with "did you mean").
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/diagnostics.h"
#include "config/yaml_tree.h"

namespace vsr::config {

// Shared state of one decode pass: where problems go, and the mark of every field path seen,
// so later semantic checks can point at the exact line and column.
class DecodeContext {
 public:
  explicit DecodeContext(Diagnostics& diags) : diags_(diags) {}

  Diagnostics& diags() { return diags_; }
  void Remember(const std::string& path, const SourceMark& mark) { marks_[path] = mark; }
  // The mark of `path`, or of its closest recorded ancestor.
  SourceMark MarkFor(std::string path) const;

  void Error(const std::string& path, std::string message, std::string hint = {});
  void Warning(const std::string& path, std::string message, std::string hint = {});

 private:
  Diagnostics& diags_;
  std::unordered_map<std::string, SourceMark> marks_;
};

// A failed check: what is wrong and how to fix it.
struct Problem {
  std::string message;
  std::string hint;
};

class MapReader;

// Structs opt in to decoding by providing DecodeFields(MapReader&, T&) (found by ADL).
template <class T>
concept DecodableStruct = requires(MapReader& r, T& t) { DecodeFields(r, t); };

// ---- scalar decoding ------------------------------------------------------------------------
bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::string& out);
bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, bool& out);
bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, int& out);
bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, int64_t& out);
bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, double& out);

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, T& out);

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::vector<T>& out);

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx,
            std::map<std::string, T>& out);

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::optional<T>& out);

// A raw subtree kept as-is (e.g. rag backend_config, whose shape depends on the backend).
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, YamlNode& out);

std::string IndexPath(const std::string& path, size_t index);
std::string KeyPath(const std::string& path, std::string_view key);

// Reads the keys of one map node. On destruction, reports every key nobody asked for.
class MapReader {
 public:
  MapReader(const YamlNode& node, std::string path, DecodeContext& ctx);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return node_ != nullptr; }
  const std::string& path() const { return path_; }
  DecodeContext& ctx() { return ctx_; }
  const YamlNode* node() const { return node_; }

  // Reads `key` if present. Returns true when present and valid.
  template <class T>
  bool Optional(std::string_view key, T& out) {
    const YamlNode* n = Take(key);
    return n != nullptr && Decode(*n, KeyPath(path_, key), ctx_, out);
  }

  // Reads `key` if present and runs `check` on the value; a failed check is an error.
  template <class T, class Check>
    requires std::invocable<Check, const T&>
  bool Optional(std::string_view key, T& out, Check check) {
    const YamlNode* n = Take(key);
    if (n == nullptr) return false;
    const std::string field = KeyPath(path_, key);
    if (!Decode(*n, field, ctx_, out)) return false;
    if (std::optional<Problem> p = check(out)) {
      ctx_.Error(field, p->message, p->hint);
      return false;
    }
    return true;
  }

  // Like Optional, but a missing key is an error.
  template <class T, class... Check>
  bool Required(std::string_view key, T& out, Check... check) {
    if (Has(key)) return Optional(key, out, check...);
    ctx_.Error(path_, "missing required field '" + std::string(key) + "'",
               "add '" + std::string(key) + ":' here");
    return false;
  }

  // Accepts an older spelling of a key, with a warning naming the canonical one.
  template <class T>
  bool LegacyAlias(std::string_view legacy, std::string_view canonical, T& out) {
    const YamlNode* n = Take(legacy);
    if (n == nullptr) return false;
    const std::string field = KeyPath(path_, legacy);
    WarnLegacySpelling(field, legacy, canonical);
    return Decode(*n, field, ctx_, out);
  }

  // Marks `key` as known and returns its node (or nullptr) without decoding it.
  const YamlNode* Raw(std::string_view key) { return Take(key); }
  bool Has(std::string_view key) const;
  // Marks a key known without reading it (a sibling decides how it is read).
  void Known(std::string_view key) { known_.emplace_back(key); }

 private:
  const YamlNode* Take(std::string_view key);
  void WarnLegacySpelling(const std::string& field, std::string_view legacy,
                          std::string_view canonical);

  const YamlNode* node_;
  std::string path_;
  DecodeContext& ctx_;
  std::vector<std::string> known_;
};

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, T& out) {
  ctx.Remember(path, n.mark);
  if constexpr (DecodableStruct<T>) {
    if (n.IsNull()) return true;  // "key:" with nothing after it keeps the defaults
    MapReader reader(n, path, ctx);
    if (!reader.valid()) return false;
    const size_t before = ctx.diags().error_count();
    DecodeFields(reader, out);
    return ctx.diags().error_count() == before;
  } else if constexpr (std::is_same_v<T, float>) {
    double d = 0;
    if (!DecodeScalar(n, path, ctx, d)) return false;
    out = static_cast<float>(d);
    return true;
  } else {
    return DecodeScalar(n, path, ctx, out);
  }
}

bool ExpectKind(const YamlNode& n, YamlNode::Kind kind, const std::string& path, DecodeContext& ctx);

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::vector<T>& out) {
  ctx.Remember(path, n.mark);
  if (n.IsNull()) return true;
  if (!ExpectKind(n, YamlNode::Kind::kSequence, path, ctx)) return false;
  out.clear();
  out.reserve(n.items.size());
  bool ok = true;
  for (size_t i = 0; i < n.items.size(); ++i) {
    out.emplace_back();
    ok = Decode(n.items[i], IndexPath(path, i), ctx, out.back()) && ok;
  }
  return ok;
}

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx,
            std::map<std::string, T>& out) {
  ctx.Remember(path, n.mark);
  if (n.IsNull()) return true;
  if (!ExpectKind(n, YamlNode::Kind::kMap, path, ctx)) return false;
  bool ok = true;
  for (const YamlEntry& e : n.entries) {
    const std::string field = KeyPath(path, e.key);
    ctx.Remember(field, e.key_mark);
    T value{};
    ok = Decode(e.value, field, ctx, value) && ok;
    out[e.key] = std::move(value);
  }
  return ok;
}

template <class T>
bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::optional<T>& out) {
  if (n.IsNull() && !DecodableStruct<T>) {
    ctx.Remember(path, n.mark);
    out.reset();
    return true;
  }
  T value{};
  const bool ok = Decode(n, path, ctx, value);
  if (ok) out = std::move(value);
  return ok;
}

// ---- reusable checks ------------------------------------------------------------------------

// Value must be one of `allowed` (exact match); the hint lists them and suggests a near miss.
std::function<std::optional<Problem>(const std::string&)> OneOf(std::vector<std::string> allowed);
// Same, ignoring ASCII case (rule operators, modality names).
std::function<std::optional<Problem>(const std::string&)> OneOfIgnoreCase(
    std::vector<std::string> allowed);

std::function<std::optional<Problem>(const double&)> Between(double lo, double hi);
std::function<std::optional<Problem>(const double&)> AtLeast(double lo);
std::function<std::optional<Problem>(const int&)> IntBetween(int lo, int hi);
std::function<std::optional<Problem>(const int&)> IntAtLeast(int lo);
std::function<std::optional<Problem>(const int64_t&)> Int64AtLeast(int64_t lo);
// Threshold in [0, 1], the common case.
std::function<std::optional<Problem>(const double&)> UnitInterval();

}  // namespace vsr::config
