// Scalar decoding, unknown-key reporting and the reusable value checks.
#include "config/decoder.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "common/strings.h"

namespace vsr::config {
namespace {

std::string Describe(const YamlNode& n) {
  switch (n.kind) {
    case YamlNode::Kind::kNull: return "nothing";
    case YamlNode::Kind::kSequence: return "a list";
    case YamlNode::Kind::kMap: return "a mapping";
    case YamlNode::Kind::kScalar: break;
  }
  std::string shown = n.scalar.size() > 40 ? n.scalar.substr(0, 37) + "..." : n.scalar;
  return n.quoted ? "the string \"" + shown + "\"" : "'" + shown + "'";
}

const char* KindName(YamlNode::Kind k) {
  switch (k) {
    case YamlNode::Kind::kSequence: return "a list";
    case YamlNode::Kind::kMap: return "a mapping (key: value pairs)";
    case YamlNode::Kind::kScalar: return "a single value";
    case YamlNode::Kind::kNull: return "nothing";
  }
  return "?";
}

bool ParseBool(std::string_view s, bool& out) {
  const std::string l = ToLower(s);
  if (l == "true" || l == "yes" || l == "on") {
    out = true;
    return true;
  }
  if (l == "false" || l == "no" || l == "off") {
    out = false;
    return true;
  }
  return false;
}

template <class Int>
bool ParseInt(std::string_view s, Int& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

bool ParseDouble(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty() && std::isfinite(out);
}

bool RequireUnquotedScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx,
                           const char* what, const char* example) {
  if (n.IsScalar() && !n.quoted) return true;
  std::string hint = std::string("write ") + what + " such as " + example;
  if (n.IsScalar() && n.quoted) hint = "remove the quotes around the value";
  ctx.Error(path, std::string("expected ") + what + ", got " + Describe(n), hint);
  return false;
}

}  // namespace

SourceMark DecodeContext::MarkFor(std::string path) const {
  while (true) {
    if (auto it = marks_.find(path); it != marks_.end()) return it->second;
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) break;
    path.resize(cut);
  }
  if (auto it = marks_.find(path); it != marks_.end()) return it->second;
  if (auto it = marks_.find(""); it != marks_.end()) return it->second;
  return {};
}

void DecodeContext::Error(const std::string& path, std::string message, std::string hint) {
  diags_.Error(MarkFor(path), path, std::move(message), std::move(hint));
}

void DecodeContext::Warning(const std::string& path, std::string message, std::string hint) {
  diags_.Warning(MarkFor(path), path, std::move(message), std::move(hint));
}

std::string IndexPath(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string KeyPath(const std::string& path, std::string_view key) {
  const bool plain = key.find_first_of(".[] ") == std::string_view::npos && !key.empty();
  std::string k = plain ? std::string(key) : "[\"" + std::string(key) + "\"]";
  if (path.empty()) return k;
  return plain ? path + "." + k : path + k;
}

bool ExpectKind(const YamlNode& n, YamlNode::Kind kind, const std::string& path,
                DecodeContext& ctx) {
  if (n.kind == kind) return true;
  ctx.Error(path, std::string("expected ") + KindName(kind) + ", got " + Describe(n),
            kind == YamlNode::Kind::kSequence ? "write the items as '- item' lines or [a, b]"
                                              : "write nested 'key: value' lines");
  return false;
}

bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, std::string& out) {
  ctx.Remember(path, n.mark);
  if (n.IsNull()) {
    out.clear();
    return true;
  }
  if (!n.IsScalar()) {
    ctx.Error(path, "expected a string, got " + Describe(n), "write a single value");
    return false;
  }
  out = n.scalar;
  return true;
}

bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, bool& out) {
  ctx.Remember(path, n.mark);
  if (!RequireUnquotedScalar(n, path, ctx, "a boolean", "true or false")) return false;
  if (ParseBool(n.scalar, out)) return true;
  ctx.Error(path, "expected a boolean, got " + Describe(n), "write true or false");
  return false;
}

bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, int& out) {
  ctx.Remember(path, n.mark);
  if (!RequireUnquotedScalar(n, path, ctx, "an integer", "10")) return false;
  if (ParseInt(n.scalar, out)) return true;
  ctx.Error(path, "expected an integer, got " + Describe(n), "write a whole number such as 10");
  return false;
}

bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, int64_t& out) {
  ctx.Remember(path, n.mark);
  if (!RequireUnquotedScalar(n, path, ctx, "an integer", "10")) return false;
  if (ParseInt(n.scalar, out)) return true;
  ctx.Error(path, "expected an integer, got " + Describe(n), "write a whole number such as 10");
  return false;
}

bool DecodeScalar(const YamlNode& n, const std::string& path, DecodeContext& ctx, double& out) {
  ctx.Remember(path, n.mark);
  if (!RequireUnquotedScalar(n, path, ctx, "a number", "0.5")) return false;
  if (ParseDouble(n.scalar, out)) return true;
  ctx.Error(path, "expected a number, got " + Describe(n), "write a number such as 0.5");
  return false;
}

bool Decode(const YamlNode& n, const std::string& path, DecodeContext& ctx, YamlNode& out) {
  ctx.Remember(path, n.mark);
  out = n;
  return true;
}

MapReader::MapReader(const YamlNode& node, std::string path, DecodeContext& ctx)
    : node_(&node), path_(std::move(path)), ctx_(ctx) {
  ctx_.Remember(path_, node.mark);
  if (!node.IsMap()) {
    ExpectKind(node, YamlNode::Kind::kMap, path_, ctx_);
    node_ = nullptr;
    return;
  }
  for (const YamlEntry& e : node.entries) ctx_.Remember(KeyPath(path_, e.key), e.key_mark);
}

MapReader::~MapReader() {
  if (node_ == nullptr) return;
  for (const YamlEntry& e : node_->entries) {
    bool is_known = false;
    for (const std::string& k : known_) {
      if (k == e.key) {
        is_known = true;
        break;
      }
    }
    if (is_known) continue;
    const std::string field = KeyPath(path_, e.key);
    std::string hint;
    if (std::optional<std::string> near = ClosestMatch(e.key, known_)) {
      hint = "did you mean '" + *near + "'?";
    } else {
      std::vector<std::string> sorted = known_;
      std::sort(sorted.begin(), sorted.end());
      hint = "remove it; known keys here: " + QuotedList(sorted);
    }
    ctx_.diags().Error(e.key_mark, field, "unknown key '" + e.key + "'", hint);
  }
}

void MapReader::WarnLegacySpelling(const std::string& field, std::string_view legacy,
                                   std::string_view canonical) {
  // Built with append(): GCC 12 -O2 misreports operator+ on string_view copies (-Wrestrict).
  std::string message = "'";
  message.append(legacy).append("' is an old spelling of '").append(canonical).append("'");
  std::string hint = "rename it to '";
  hint.append(canonical).append("'");
  ctx_.Warning(field, std::move(message), std::move(hint));
}

bool MapReader::Has(std::string_view key) const {
  return node_ != nullptr && node_->Find(key) != nullptr;
}

const YamlNode* MapReader::Take(std::string_view key) {
  known_.emplace_back(key);
  if (node_ == nullptr) return nullptr;
  return node_->Find(key);
}

std::function<std::optional<Problem>(const std::string&)> OneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& v) -> std::optional<Problem> {
    for (const std::string& a : allowed) {
      if (a == v) return std::nullopt;
    }
    std::string hint = "use one of " + QuotedList(allowed);
    if (std::optional<std::string> near = ClosestMatch(v, allowed)) {
      hint = "did you mean '" + *near + "'? Allowed: " + QuotedList(allowed);
    }
    return Problem{"'" + v + "' is not a valid value", hint};
  };
}

std::function<std::optional<Problem>(const std::string&)> OneOfIgnoreCase(
    std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& v) -> std::optional<Problem> {
    for (const std::string& a : allowed) {
      if (IEquals(a, v)) return std::nullopt;
    }
    std::string hint = "use one of " + QuotedList(allowed);
    if (std::optional<std::string> near = ClosestMatch(v, allowed)) {
      hint = "did you mean '" + *near + "'? Allowed: " + QuotedList(allowed);
    }
    return Problem{"'" + v + "' is not a valid value", hint};
  };
}

namespace {
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

std::function<std::optional<Problem>(const double&)> Between(double lo, double hi) {
  return [lo, hi](const double& v) -> std::optional<Problem> {
    if (v >= lo && v <= hi) return std::nullopt;
    return Problem{Num(v) + " is out of range", "use a value between " + Num(lo) + " and " + Num(hi)};
  };
}

std::function<std::optional<Problem>(const double&)> AtLeast(double lo) {
  return [lo](const double& v) -> std::optional<Problem> {
    if (v >= lo) return std::nullopt;
    return Problem{Num(v) + " is out of range", "use a value of at least " + Num(lo)};
  };
}

std::function<std::optional<Problem>(const int&)> IntBetween(int lo, int hi) {
  return [lo, hi](const int& v) -> std::optional<Problem> {
    if (v >= lo && v <= hi) return std::nullopt;
    return Problem{std::to_string(v) + " is out of range",
                   "use a value between " + std::to_string(lo) + " and " + std::to_string(hi)};
  };
}

std::function<std::optional<Problem>(const int&)> IntAtLeast(int lo) {
  return [lo](const int& v) -> std::optional<Problem> {
    if (v >= lo) return std::nullopt;
    const std::string what = lo == 1 ? "a positive integer" : lo == 0 ? "a non-negative integer"
                                                                      : "at least " + std::to_string(lo);
    return Problem{std::to_string(v) + " is out of range", "use " + what};
  };
}

std::function<std::optional<Problem>(const int64_t&)> Int64AtLeast(int64_t lo) {
  return [lo](const int64_t& v) -> std::optional<Problem> {
    if (v >= lo) return std::nullopt;
    return Problem{std::to_string(v) + " is out of range", "use at least " + std::to_string(lo)};
  };
}

std::function<std::optional<Problem>(const double&)> UnitInterval() { return Between(0.0, 1.0); }

}  // namespace vsr::config
