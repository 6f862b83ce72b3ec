// Conversion from yaml-cpp's parse tree into YamlNode, and the block-style emitter.
#include "config/yaml_tree.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

namespace vsr::config {
namespace {

class Converter {
 public:
  Converter(std::shared_ptr<const std::string> file, Diagnostics& diags, const YamlLimits& limits)
      : file_(std::move(file)), diags_(diags), limits_(limits) {}

  bool Convert(const YAML::Node& in, YamlNode& out, int depth) {
    if (++nodes_ > limits_.max_nodes) {
      if (!reported_size_) {
        diags_.Error(MarkOf(in), "", "the document expands to more than " +
                                         std::to_string(limits_.max_nodes) + " nodes",
                     "remove recursive or repeated aliases (*anchor) or split the file");
        reported_size_ = true;
      }
      return false;
    }
    out.mark = MarkOf(in);
    switch (in.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.kind = YamlNode::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        out.kind = YamlNode::Kind::kScalar;
        out.scalar = in.Scalar();
        out.quoted = in.Tag() == "!";  // yaml-cpp tags quoted (non-plain) scalars with "!"
        return true;
      case YAML::NodeType::Sequence:
        if (!CheckDepth(in, depth)) return false;
        out.kind = YamlNode::Kind::kSequence;
        out.items.reserve(in.size());
        for (const YAML::Node& item : in) {
          out.items.emplace_back();
          if (!Convert(item, out.items.back(), depth + 1)) return false;
        }
        return true;
      case YAML::NodeType::Map:
        if (!CheckDepth(in, depth)) return false;
        out.kind = YamlNode::Kind::kMap;
        for (const auto& kv : in) {
          if (!kv.first.IsScalar()) {
            diags_.Error(MarkOf(kv.first), "", "map keys must be plain strings",
                         "rewrite the key as a single word such as 'name'");
            return false;
          }
          const std::string key = kv.first.Scalar();
          if (const YamlEntry* first = FindEntry(out, key)) {
            diags_.Error(MarkOf(kv.first), "", "duplicate key '" + key + "'",
                         "it is already defined at line " + std::to_string(first->key_mark.line) +
                             "; keep one of them");
            continue;
          }
          YamlEntry entry{key, MarkOf(kv.first), {}};
          if (!Convert(kv.second, entry.value, depth + 1)) return false;
          out.entries.push_back(std::move(entry));
        }
        return true;
    }
    return true;
  }

 private:
  bool CheckDepth(const YAML::Node& in, int depth) {
    if (depth < limits_.max_depth) return true;
    diags_.Error(MarkOf(in), "", "nesting is deeper than " + std::to_string(limits_.max_depth) +
                                     " levels",
                 "flatten the document; no valid config nests this deep");
    return false;
  }

  static const YamlEntry* FindEntry(const YamlNode& map, const std::string& key) {
    for (const YamlEntry& e : map.entries) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }

  SourceMark MarkOf(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }

  std::shared_ptr<const std::string> file_;
  Diagnostics& diags_;
  const YamlLimits& limits_;
  size_t nodes_ = 0;
  bool reported_size_ = false;
};

void EmitScalar(const YamlNode& node, std::string& out) {
  if (node.IsNull()) {
    out += "null";
    return;
  }
  // Quoted input stays quoted so a string such as "2025-03-01" or "8080" keeps its type;
  // plain input stays plain (8080 is a number) unless its text needs quotes to parse at all.
  if (!node.quoted && !NeedsSyntaxQuotes(node.scalar)) {
    out += node.scalar;
    return;
  }
  out += '"';
  for (const char c : node.scalar) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool IsEmptyCollection(const YamlNode& n) {
  return (n.IsMap() && n.entries.empty()) || (n.IsSequence() && n.items.empty());
}

void EmitComment(const std::string& comment, int indent, std::string& out) {
  std::istringstream lines(comment);
  std::string line;
  while (std::getline(lines, line)) {
    out.append(static_cast<size_t>(indent), ' ');
    out += line.empty() ? "#" : "# " + line;
    out += '\n';
  }
}

void EmitBlock(const YamlNode& node, int indent, std::string& out);

// Emits the value that follows "key:" or "- ".
void EmitValueAfterKey(const YamlNode& value, int indent, std::string& out) {
  if (value.IsScalar() || value.IsNull()) {
    out += ' ';
    EmitScalar(value, out);
    out += '\n';
  } else if (IsEmptyCollection(value)) {
    out += value.IsMap() ? " {}\n" : " []\n";
  } else {
    out += '\n';
    EmitBlock(value, indent + 2, out);
  }
}

void EmitBlock(const YamlNode& node, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (node.IsMap()) {
    for (const YamlEntry& e : node.entries) {
      if (!e.value.comment.empty()) EmitComment(e.value.comment, indent, out);
      out += pad;
      YamlNode key = YamlNode::Scalar(e.key);
      EmitScalar(key, out);
      out += ':';
      EmitValueAfterKey(e.value, indent, out);
    }
  } else if (node.IsSequence()) {
    for (const YamlNode& item : node.items) {
      if (!item.comment.empty()) EmitComment(item.comment, indent, out);
      if (item.IsMap() && !item.entries.empty()) {
        // "- first: x" then the remaining keys aligned under "first".
        std::string nested;
        EmitBlock(item, indent + 2, nested);
        out += pad + "- " + nested.substr(static_cast<size_t>(indent) + 2);
      } else if (item.IsSequence() && !item.items.empty()) {
        out += pad + "-\n";
        EmitBlock(item, indent + 2, out);
      } else {
        out += pad + "-";
        EmitValueAfterKey(item, indent, out);
      }
    }
  } else {
    out += pad;
    EmitScalar(node, out);
    out += '\n';
  }
}

}  // namespace

const YamlNode* YamlNode::Find(std::string_view key) const {
  for (const YamlEntry& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

YamlNode* YamlNode::Find(std::string_view key) {
  for (YamlEntry& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

YamlNode& YamlNode::GetOrAdd(std::string_view key) {
  if (kind == Kind::kNull) kind = Kind::kMap;
  if (YamlNode* existing = Find(key)) return *existing;
  entries.push_back({std::string(key), {}, {}});
  return entries.back().value;
}

bool YamlNode::Erase(std::string_view key) {
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->key == key) {
      entries.erase(it);
      return true;
    }
  }
  return false;
}

YamlNode YamlNode::Scalar(std::string text, bool quoted) {
  YamlNode n;
  n.kind = Kind::kScalar;
  n.scalar = std::move(text);
  n.quoted = quoted;
  return n;
}

YamlNode YamlNode::String(std::string text) {
  const bool quoted = NeedsQuotes(text);
  return Scalar(std::move(text), quoted);
}

YamlNode YamlNode::Map() {
  YamlNode n;
  n.kind = Kind::kMap;
  return n;
}

YamlNode YamlNode::Sequence() {
  YamlNode n;
  n.kind = Kind::kSequence;
  return n;
}

std::optional<YamlNode> ParseYaml(std::string_view text,
                                  const std::shared_ptr<const std::string>& file,
                                  Diagnostics& diags, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    diags.Error({file, 0, 0}, "", "file is larger than " + std::to_string(limits.max_bytes) + " bytes",
                "a router config is a few hundred kilobytes at most; check you passed the right file");
    return std::nullopt;
  }
  const size_t errors_before = diags.error_count();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    const SourceMark mark{file, e.mark.is_null() ? 0 : e.mark.line + 1,
                          e.mark.is_null() ? 0 : e.mark.column + 1};
    diags.Error(mark, "", "invalid YAML: " + e.msg, "fix the syntax at this position");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diags.Error({file, 0, 0}, "", std::string("invalid YAML: ") + e.what(), "fix the syntax");
    return std::nullopt;
  }
  YamlNode out;
  Converter converter(file, diags, limits);
  if (!converter.Convert(root, out, 0)) return std::nullopt;
  if (diags.error_count() != errors_before) return std::nullopt;
  return out;
}

std::optional<YamlNode> ParseYamlFile(const std::string& path, Diagnostics& diags,
                                      const YamlLimits& limits) {
  auto file = std::make_shared<const std::string>(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Error({file, 0, 0}, "", "cannot read the file (" + std::string(std::strerror(errno)) + ")",
                "check the path, or pass another file");
    return std::nullopt;
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > limits.max_bytes) break;
  }
  return ParseYaml(text, file, diags, limits);
}

bool NeedsSyntaxQuotes(std::string_view s) {
  if (s.empty()) return true;
  const char first = s.front();
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(first) != std::string_view::npos) {
    // A leading "-" is fine when followed by a non-space (e.g. "-abc" is a plain string).
    if (!(first == '-' && s.size() > 1 && s[1] != ' ')) return true;
  }
  if (s.front() == ' ' || s.back() == ' ') return true;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) return true;
  if (s.back() == ':') return true;
  for (const char c : s) {
    if (c == '\n' || c == '\t' || c == '\r' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

bool NeedsQuotes(std::string_view s) {
  if (NeedsSyntaxQuotes(s)) return true;
  static const std::regex kSpecial(
      R"(^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$)");
  static const std::regex kNumber(
      R"(^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F]+$|^0o[0-7]+$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$)");
  const std::string text(s);
  return std::regex_match(text, kSpecial) || std::regex_match(text, kNumber);
}

std::string EmitYaml(const YamlNode& node) {
  std::string out;
  if (!node.comment.empty()) EmitComment(node.comment, 0, out);
  if (node.IsMap() || node.IsSequence()) {
    if (IsEmptyCollection(node)) return out + (node.IsMap() ? "{}\n" : "[]\n");
    EmitBlock(node, 0, out);
  } else {
    EmitScalar(node, out);
    out += '\n';
  }
  return out;
}

}  // namespace vsr::config
