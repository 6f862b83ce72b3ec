#include "common/go_template.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/strings.h"

namespace vsr {

TemplateValue TemplateValue::String(std::string s) {
  TemplateValue v;
  v.kind = Kind::kString;
  v.str = std::move(s);
  return v;
}

TemplateValue TemplateValue::Int(int64_t n) {
  TemplateValue v;
  v.kind = Kind::kInt;
  v.num = n;
  return v;
}

bool TemplateValue::Truthy() const {
  switch (kind) {
    case Kind::kString:
      return !str.empty();
    case Kind::kInt:
      return num != 0;
    case Kind::kMap:
      return !fields.empty();
    case Kind::kList:
      return !items.empty();
    default:
      return false;
  }
}

namespace {

struct Operand {
  enum class Kind { kDot, kVar, kInt, kString } kind = Kind::kDot;
  std::string var;                // kVar: the name without '$' ("" for $ itself)
  std::vector<std::string> path;  // fields after it
  int64_t num = 0;
  std::string str;
};

struct Expr {
  std::string func;  // "" : args[0] alone; "add"
  std::vector<Operand> args;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Words of an action, a quoted string kept whole (with its quotes).
std::vector<std::string> Words(std::string_view s, std::string& error) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    if (s[i] == '"') {
      for (j = i + 1; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\') ++j;
      }
      if (j >= s.size()) {
        error = "unterminated string";
        return {};
      }
      ++j;
    } else {
      while (j < s.size() && !IsSpace(s[j])) ++j;
    }
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<Operand> ParseOperand(const std::string& w, std::string& error) {
  Operand o;
  if (w.front() == '"') {
    o.kind = Operand::Kind::kString;
    for (size_t i = 1; i + 1 < w.size(); ++i) {
      if (w[i] == '\\' && i + 2 < w.size()) {
        const char c = w[++i];
        o.str += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        o.str += w[i];
      }
    }
    return o;
  }
  if (std::isdigit(static_cast<unsigned char>(w.front())) || w.front() == '-') {
    o.kind = Operand::Kind::kInt;
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), o.num);
    if (ec != std::errc() || end != w.data() + w.size()) {
      error = "bad number " + w;
      return std::nullopt;
    }
    return o;
  }
  std::string_view rest = w;
  if (rest.front() == '$') {
    o.kind = Operand::Kind::kVar;
    const size_t dot = rest.find('.');
    o.var = std::string(rest.substr(1, dot == std::string_view::npos ? rest.npos : dot - 1));
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot);
  } else if (rest.front() != '.') {
    error = "function or field \"" + w + "\" is not supported";
    return std::nullopt;
  }
  // rest: "" | "." | ".A.B"
  if (rest == ".") return o;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '.'
    const size_t next = rest.find('.');
    std::string field(rest.substr(0, next));
    if (field.empty()) {
      error = "bad field in " + w;
      return std::nullopt;
    }
    o.path.push_back(std::move(field));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
  }
  return o;
}

std::optional<Expr> ParseExpr(const std::vector<std::string>& words, std::string& error) {
  Expr e;
  if (words.empty()) {
    error = "missing value";
    return std::nullopt;
  }
  size_t first = 0;
  if (std::isalpha(static_cast<unsigned char>(words[0][0])) && words[0] != "add") {
    error = "function \"" + words[0] + "\" is not supported (only add)";
    return std::nullopt;
  }
  if (words[0] == "add") {
    e.func = "add";
    first = 1;
    if (words.size() != 3) {
      error = "add takes two arguments";
      return std::nullopt;
    }
  } else if (words.size() != 1) {
    error = "unexpected \"" + words[1] + "\"";
    return std::nullopt;
  }
  for (size_t i = first; i < words.size(); ++i) {
    auto o = ParseOperand(words[i], error);
    if (!o) return std::nullopt;
    e.args.push_back(std::move(*o));
  }
  return e;
}

}  // namespace

struct GoTemplate::Node {
  enum class Kind { kText, kOutput, kRange, kIf } kind = Kind::kText;
  std::string text;
  Expr expr;
  std::string index_var, elem_var;  // range's declared variables (without '$')
  std::vector<Node> body, else_body;
};

namespace {

using Node = GoTemplate::Node;

struct Scope {
  std::vector<std::pair<std::string, TemplateValue>> vars;
  TemplateValue dot;
};

std::optional<TemplateValue> Eval(const Operand& o, const Scope& s, std::string& error) {
  if (o.kind == Operand::Kind::kInt) return TemplateValue::Int(o.num);
  if (o.kind == Operand::Kind::kString) return TemplateValue::String(o.str);
  const TemplateValue* v = &s.dot;
  if (o.kind == Operand::Kind::kVar) {
    v = nullptr;
    for (auto it = s.vars.rbegin(); it != s.vars.rend(); ++it) {
      if (it->first == o.var) {
        v = &it->second;
        break;
      }
    }
    if (v == nullptr) {
      error = "undefined variable $" + o.var;
      return std::nullopt;
    }
  }
  for (const std::string& f : o.path) {
    if (v->kind != TemplateValue::Kind::kMap) {
      error = "can't evaluate field " + f + " (not a structure)";
      return std::nullopt;
    }
    auto it = v->fields.find(f);
    if (it == v->fields.end()) {
      error = "can't evaluate field " + f;
      return std::nullopt;
    }
    v = &it->second;
  }
  return *v;
}

std::optional<TemplateValue> Eval(const Expr& e, const Scope& s, std::string& error) {
  if (e.func.empty()) return Eval(e.args[0], s, error);
  auto a = Eval(e.args[0], s, error);
  auto b = a ? Eval(e.args[1], s, error) : std::nullopt;
  if (!b) return std::nullopt;
  if (a->kind != TemplateValue::Kind::kInt || b->kind != TemplateValue::Kind::kInt) {
    error = "add needs two integers";
    return std::nullopt;
  }
  return TemplateValue::Int(a->num + b->num);
}

bool Run(const std::vector<Node>& nodes, Scope& s, std::string& out, std::string& error) {
  for (const Node& n : nodes) {
    switch (n.kind) {
      case Node::Kind::kText:
        out += n.text;
        break;
      case Node::Kind::kOutput: {
        auto v = Eval(n.expr, s, error);
        if (!v) return false;
        if (v->kind == TemplateValue::Kind::kString) out += v->str;
        if (v->kind == TemplateValue::Kind::kInt) out += std::to_string(v->num);
        if (v->kind == TemplateValue::Kind::kNil) out += "<no value>";
        break;
      }
      case Node::Kind::kIf: {
        auto v = Eval(n.expr, s, error);
        if (!v || !Run(v->Truthy() ? n.body : n.else_body, s, out, error)) return false;
        break;
      }
      case Node::Kind::kRange: {
        auto list = Eval(n.expr, s, error);
        if (!list) return false;
        if (list->kind != TemplateValue::Kind::kList && list->kind != TemplateValue::Kind::kNil) {
          error = "range can't iterate over a non-list";
          return false;
        }
        if (list->items.empty()) {
          if (!Run(n.else_body, s, out, error)) return false;
          break;
        }
        for (size_t i = 0; i < list->items.size(); ++i) {
          Scope inner{s.vars, list->items[i]};
          if (!n.index_var.empty()) {
            inner.vars.emplace_back(n.index_var, TemplateValue::Int(static_cast<int64_t>(i)));
          }
          if (!n.elem_var.empty()) inner.vars.emplace_back(n.elem_var, list->items[i]);
          if (!Run(n.body, inner, out, error)) return false;
        }
        break;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<GoTemplate> GoTemplate::Parse(std::string_view text, std::string& error) {
  std::vector<Node> root;
  // Open blocks: the node being filled and whether its {{else}} was seen.
  std::vector<std::pair<Node, bool>> open;
  const auto sink = [&]() -> std::vector<Node>& {
    if (open.empty()) return root;
    return open.back().second ? open.back().first.else_body : open.back().first.body;
  };
  size_t i = 0;
  bool trim_next = false;
  const auto fail = [&](const std::string& why, size_t at) {
    error = "template: " + why + " at offset " + std::to_string(at);
    return std::nullopt;
  };
  while (i <= text.size()) {
    const size_t open_at = text.find("{{", i);
    std::string_view chunk = text.substr(i, open_at == text.npos ? text.npos : open_at - i);
    const bool trim_left = open_at != text.npos && text.substr(open_at, 4) == "{{- ";
    if (trim_next)
      while (!chunk.empty() && IsSpace(chunk.front())) chunk.remove_prefix(1);
    if (trim_left)
      while (!chunk.empty() && IsSpace(chunk.back())) chunk.remove_suffix(1);
    if (!chunk.empty())
      sink().push_back(Node{Node::Kind::kText, std::string(chunk), {}, {}, {}, {}, {}});
    if (open_at == text.npos) break;
    const size_t close = text.find("}}", open_at + 2);
    if (close == text.npos) return fail("unclosed action", open_at);
    std::string_view action = text.substr(open_at + 2, close - open_at - 2);
    if (trim_left) action.remove_prefix(2);
    trim_next = action.size() >= 2 && action.substr(action.size() - 2) == " -";
    if (trim_next) action.remove_suffix(2);
    action = Trim(action);
    i = close + 2;
    if (action.starts_with("/*")) continue;  // comment
    std::string why;
    std::vector<std::string> words = Words(action, why);
    if (!why.empty()) return fail(why, open_at);
    if (words.empty()) return fail("empty action", open_at);
    const std::string keyword = words[0];
    if (keyword == "end" || keyword == "else") {
      if (open.empty()) return fail("unexpected {{" + keyword + "}}", open_at);
      if (keyword == "else") {
        if (open.back().second) return fail("second {{else}}", open_at);
        open.back().second = true;
        continue;
      }
      Node done = std::move(open.back().first);
      open.pop_back();
      sink().push_back(std::move(done));
      continue;
    }
    Node n;
    if (keyword == "if" || keyword == "range") {
      n.kind = keyword == "if" ? Node::Kind::kIf : Node::Kind::kRange;
      words.erase(words.begin());
      // range $i, $x := PIPE | range $x := PIPE | range PIPE
      auto assign = std::find(words.begin(), words.end(), ":=");
      if (assign != words.end()) {
        if (n.kind != Node::Kind::kRange) return fail("variables in {{if}}", open_at);
        std::vector<std::string> vars(words.begin(), assign);
        for (std::string& v : vars) {
          if (!v.empty() && v.back() == ',') v.pop_back();
          if (v.size() < 2 || v.front() != '$') return fail("bad variable " + v, open_at);
          v.erase(0, 1);
        }
        if (vars.size() == 1)
          n.elem_var = vars[0];
        else if (vars.size() == 2)
          n.index_var = vars[0], n.elem_var = vars[1];
        else
          return fail("range declares one or two variables", open_at);
        words.erase(words.begin(), assign + 1);
      }
      auto e = ParseExpr(words, why);
      if (!e) return fail(why, open_at);
      n.expr = std::move(*e);
      open.emplace_back(std::move(n), false);
      continue;
    }
    if (keyword == "define" || keyword == "template" || keyword == "with" || keyword == "block") {
      return fail("{{" + keyword + "}} is not supported", open_at);
    }
    n.kind = Node::Kind::kOutput;
    auto e = ParseExpr(words, why);
    if (!e) return fail(why, open_at);
    n.expr = std::move(*e);
    sink().push_back(std::move(n));
  }
  if (!open.empty()) return fail("missing {{end}}", text.size());
  GoTemplate t;
  t.nodes_ = std::make_shared<const std::vector<Node>>(std::move(root));
  return t;
}

std::optional<std::string> GoTemplate::Execute(const TemplateValue& data,
                                               std::string& error) const {
  Scope s{{{"", data}}, data};  // $ is the data
  std::string out;
  if (!Run(*nodes_, s, out, error)) {
    error = "template: " + error;
    return std::nullopt;
  }
  return out;
}

}  // namespace vsr
