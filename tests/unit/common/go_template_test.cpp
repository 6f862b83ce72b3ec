// The Go text/template subset remom's synthesis_template uses, checked against what Go's
// text/template prints for the same templates (upstream's two default templates included).
#include "common/go_template.h"

#include <gtest/gtest.h>

namespace vsr {
namespace {

TemplateValue Data() {
  TemplateValue d;
  d.kind = TemplateValue::Kind::kMap;
  d.fields["OriginalContent"] = TemplateValue::String("2+2?");
  TemplateValue& refs = d.fields["ReferenceResponses"];
  refs.kind = TemplateValue::Kind::kList;
  for (auto [model, content, reasoning] :
       {std::tuple{"a", "4", "adding"}, std::tuple{"", "four", ""}}) {
    TemplateValue r;
    r.kind = TemplateValue::Kind::kMap;
    r.fields["Model"] = TemplateValue::String(model);
    r.fields["Content"] = TemplateValue::String(content);
    r.fields["Reasoning"] = TemplateValue::String(reasoning);
    refs.items.push_back(std::move(r));
  }
  return d;
}

std::string Render(const std::string& text) {
  std::string error;
  auto t = GoTemplate::Parse(text, error);
  if (!t) return "parse error: " + error;
  auto out = t->Execute(Data(), error);
  return out ? *out : "execute error: " + error;
}

TEST(GoTemplate, UpstreamsDefaultSynthesisTemplate) {
  EXPECT_EQ(Render("Original Problem:\n{{.OriginalContent}}\n\nReference Responses:\n"
                   "{{range $i, $resp := .ReferenceResponses}}\nReference {{add $i 1}}{{if "
                   "$resp.Model}} ({{$resp.Model}}){{end}}:\n{{$resp.Content}}\n{{end}}\n\nNow"),
            "Original Problem:\n2+2?\n\nReference Responses:\n\nReference 1 (a):\n4\n\n"
            "Reference 2:\nfour\n\n\nNow");
}

TEST(GoTemplate, RangeFormsElseTrimsCommentsAndLiterals) {
  // range without variables: dot is the element; $ is still the data.
  EXPECT_EQ(Render("{{range .ReferenceResponses}}[{{.Content}} for {{$.OriginalContent}}]{{end}}"),
            "[4 for 2+2?][four for 2+2?]");
  EXPECT_EQ(Render("{{range $r := .ReferenceResponses}}{{$r.Reasoning}};{{end}}"), "adding;;");
  EXPECT_EQ(Render("{{if .Missing}}x{{end}}"),
            "execute error: template: can't evaluate field Missing");
  TemplateValue empty;
  empty.kind = TemplateValue::Kind::kMap;
  empty.fields["L"].kind = TemplateValue::Kind::kList;
  std::string error;
  EXPECT_EQ(*GoTemplate::Parse("{{range .L}}x{{else}}none{{end}}", error)->Execute(empty, error),
            "none");
  EXPECT_EQ(Render("a  {{- /* note */ -}}  b {{- \"!\" }} {{add 40 2}}"), "ab! 42");
  EXPECT_EQ(Render("{{if .OriginalContent}}yes{{else}}no{{end}}"), "yes");
}

TEST(GoTemplate, MistakesAreNamedWhenTheConfigLoads) {
  EXPECT_EQ(Render("{{.OriginalContent"), "parse error: template: unclosed action at offset 0");
  EXPECT_EQ(Render("{{range .ReferenceResponses}}x"),
            "parse error: template: missing {{end}} at offset 30");
  EXPECT_EQ(Render("x{{end}}"), "parse error: template: unexpected {{end}} at offset 1");
  EXPECT_EQ(Render("{{printf \"%d\" 1}}"),
            "parse error: template: function \"printf\" is not supported (only add) at offset 0");
  EXPECT_EQ(Render("{{add 1}}"), "parse error: template: add takes two arguments at offset 0");
  EXPECT_EQ(Render("{{with .X}}{{end}}"),
            "parse error: template: {{with}} is not supported at offset 0");
}

}  // namespace
}  // namespace vsr
