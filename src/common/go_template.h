// The part of Go's text/template that upstream's configs use (remom's synthesis_template):
// {{.Field}} and {{$var.Field}}, {{range $i, $x := .List}} / {{range .List}} ... {{else}} ...
// {{end}}, {{if pipeline}} ... {{else}} ... {{end}}, the function `add`, integer and string
// literals, {{/* comments */}} and the {{- -}} whitespace trims. Anything else is a parse error
// naming the action, so a config is rejected when it loads rather than when a request needs it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vsr {

// The data a template reads: strings, integers, maps of fields and lists.
struct TemplateValue {
  enum class Kind { kNil, kString, kInt, kMap, kList };
  Kind kind = Kind::kNil;
  std::string str;
  int64_t num = 0;
  std::map<std::string, TemplateValue> fields;
  std::vector<TemplateValue> items;

  static TemplateValue String(std::string s);
  static TemplateValue Int(int64_t n);
  bool Truthy() const;  // Go's: non-empty string/list/map, non-zero int
};

class GoTemplate {
 public:
  // Nullopt with `error` ("template: <reason> at offset N") when `text` does not parse.
  static std::optional<GoTemplate> Parse(std::string_view text, std::string& error);
  // The text for `data`; nullopt with `error` for a missing field or a wrong type.
  std::optional<std::string> Execute(const TemplateValue& data, std::string& error) const;

  struct Node;

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;
};

}  // namespace vsr
