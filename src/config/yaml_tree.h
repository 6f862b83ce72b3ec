// A YAML document as a plain tree that remembers where every node and key came from.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostics.h"

namespace vsr::config {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  SourceMark mark;
  std::string scalar;              // text of a scalar
  bool quoted = false;             // the scalar was quoted, so "123" is a string and 123 a number
  std::vector<YamlNode> items;     // sequence items
  std::vector<YamlEntry> entries;  // map entries, in document order
  std::string comment;             // emitted as "# ..." lines above this node's key (migrate output)

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }

  const YamlNode* Find(std::string_view key) const;
  YamlNode* Find(std::string_view key);
  // Returns the value for `key`, appending an empty entry when absent (turns null into a map).
  YamlNode& GetOrAdd(std::string_view key);
  bool Erase(std::string_view key);

  static YamlNode Scalar(std::string text, bool quoted = false);
  // A string value: quoted when its plain form would read back as a number, bool or null.
  static YamlNode String(std::string text);
  static YamlNode Map();
  static YamlNode Sequence();
};

struct YamlEntry {
  std::string key;
  SourceMark key_mark;
  YamlNode value;
};

// Limits that keep hostile or broken documents from exhausting memory or stack.
struct YamlLimits {
  size_t max_bytes = 16 * 1024 * 1024;
  int max_depth = 64;            // nesting of maps and sequences
  size_t max_nodes = 2'000'000;  // counted after alias expansion ("billion laughs")
};

// Parses one YAML document. Syntax errors, duplicate keys, non-string keys and limit
// violations are reported to `diags` with file:line:column; returns nullopt on error.
std::optional<YamlNode> ParseYaml(std::string_view text, const std::shared_ptr<const std::string>& file,
                                  Diagnostics& diags, const YamlLimits& limits = {});

// Reads and parses a file; a missing or unreadable file is a diagnostic, not an exception.
std::optional<YamlNode> ParseYamlFile(const std::string& path, Diagnostics& diags,
                                      const YamlLimits& limits = {});

// Block-style YAML text for `node`, with its comments. Strings are quoted only when needed.
std::string EmitYaml(const YamlNode& node);

// True when a plain scalar would be read back as something other than a string
// (number, bool, null), or when it has characters that need quoting.
bool NeedsQuotes(std::string_view text);
// True when `text` cannot be written as a plain scalar at all (": ", leading "-", newlines...).
bool NeedsSyntaxQuotes(std::string_view text);

}  // namespace vsr::config
