// The signals that need no model, each against hand-built inputs with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "common/utf8.h"
#include "request/request.h"
#include "signals/families.h"
#include "signals/registry.h"
#include "support/config_loader.h"

namespace vsr::signals {
namespace {

struct Fired {
  std::vector<std::string> matched;
  SignalOutput out;
};

Fired Fire(const std::shared_ptr<const config::Config>& c, Family f, const request::Request& r) {
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(*c, errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  const Signal* s = set.Get(f);
  EXPECT_NE(s, nullptr);
  Fired fired;
  if (s) s->Evaluate(r, fired.out);
  fired.matched = fired.out.matched;
  return fired;
}

Fired RunText(const std::shared_ptr<const config::Config>& c, Family f, const std::string& text) {
  return Fire(c, f, request::FromText(text));
}

using Names = std::vector<std::string>;

TEST(KeywordSignalTest, LiteralKeywordsMatchWholeWordsIgnoringCase) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: py, operator: OR, keywords: [python, "c++"]}
)");
  EXPECT_EQ(RunText(c, Family::kKeyword, "I write PYTHON daily").matched, Names{"py"});
  EXPECT_TRUE(RunText(c, Family::kKeyword, "very pythonic code").matched.empty());
  EXPECT_EQ(RunText(c, Family::kKeyword, "templates in c++ are hard").matched, Names{"py"});
  EXPECT_EQ(RunText(c, Family::kKeyword, "python").out.matched_keywords, Names{"python"});
}

TEST(KeywordSignalTest, OperatorsAndFirstMatchingRuleWins) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: both, operator: AND, keywords: [alpha, beta]}
      - {name: any, operator: OR, keywords: [alpha, gamma]}
      - {name: none, operator: NOR, keywords: [alpha, beta, gamma]}
)");
  EXPECT_EQ(RunText(c, Family::kKeyword, "alpha and beta").matched, Names{"both"});
  // "any" also holds, but upstream reports only the first matching rule.
  EXPECT_EQ(RunText(c, Family::kKeyword, "alpha only").matched, Names{"any"});
  EXPECT_EQ(RunText(c, Family::kKeyword, "delta").matched, Names{"none"});
  EXPECT_TRUE(RunText(c, Family::kKeyword, "delta").out.matched_keywords.empty());
}

// A rule that did not match leaves nothing behind for the next one: the winner reports exactly
// its own keywords, exact and fuzzy, in the rule's order.
TEST(KeywordSignalTest, TheWinningRuleReportsOnlyItsOwnKeywords) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: first, operator: AND, keywords: [beta, alpha]}
      - {name: second, operator: OR, keywords: [gamma, delta]}
      - {name: third, operator: OR, method: fuzzy, fuzzy_threshold: 1, keywords: [kubernetes, alpha, omega]}
)");
  const Fired alpha = RunText(c, Family::kKeyword, "alpha only");
  EXPECT_EQ(alpha.matched, Names{"third"});  // not "second": beta missed, alpha is first's
  EXPECT_EQ(alpha.out.matched_keywords, Names{"alpha"});
  const Fired mixed = RunText(c, Family::kKeyword, "omega alpha and kubernetez");
  EXPECT_EQ(mixed.matched, Names{"third"});
  EXPECT_EQ(mixed.out.matched_keywords, (Names{"kubernetes (fuzzy)", "alpha", "omega"}));
  const Fired both = RunText(c, Family::kKeyword, "delta gamma");
  EXPECT_EQ(both.matched, Names{"second"});
  EXPECT_EQ(both.out.matched_keywords, (Names{"gamma", "delta"}));
}

TEST(KeywordSignalTest, CaseSensitiveRegexAndCjk) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: id, operator: OR, method: regex, case_sensitive: true, keywords: ['JIRA-\d+']}
      - {name: zh, operator: OR, keywords: ["紧急"]}
)");
  EXPECT_EQ(RunText(c, Family::kKeyword, "see JIRA-1234").matched, Names{"id"});
  EXPECT_TRUE(RunText(c, Family::kKeyword, "see jira-1234").matched.empty());
  EXPECT_EQ(RunText(c, Family::kKeyword, "这是紧急情况").matched,
            Names{"zh"});  // no word boundary in CJK
}

TEST(KeywordSignalTest, FuzzyMatchesTyposWithinTheThreshold) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: k8s, operator: OR, method: fuzzy, fuzzy_threshold: 1, keywords: [kubernetes]}
)");
  const Fired typo = RunText(c, Family::kKeyword, "my kubernetse pod crashed");
  EXPECT_TRUE(typo.matched.empty());  // a transposition is two edits
  const Fired one = RunText(c, Family::kKeyword, "my kubernetez pod crashed");
  EXPECT_EQ(one.matched, Names{"k8s"});
  EXPECT_EQ(one.out.matched_keywords, Names{"kubernetes (fuzzy)"});
}

TEST(KeywordSignalTest, Bm25AndNgramMethods) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    keywords:
      - {name: db, operator: OR, method: bm25, keywords: ["database index", "query planner"]}
      - {name: typo, operator: OR, method: ngram, ngram_threshold: 0.4, keywords: [authentication]}
)");
  EXPECT_EQ(RunText(c, Family::kKeyword, "why is my database slow").matched, Names{"db"});
  EXPECT_EQ(RunText(c, Family::kKeyword, "problem with authentcation tokens").matched,
            Names{"typo"});
  EXPECT_TRUE(RunText(c, Family::kKeyword, "the weather is nice").matched.empty());
}

// The definition the ngram method implements, written out plainly: the Jaccard similarity of
// the sets of character n-grams of the word and the keyword, both padded with arity-1 spaces.
double ReferenceNgramSimilarity(const std::u32string& a, const std::u32string& b, int arity) {
  auto grams = [&](const std::u32string& w) {
    const std::u32string padded = std::u32string(static_cast<size_t>(arity - 1), U' ') + w +
                                  std::u32string(static_cast<size_t>(arity - 1), U' ');
    std::set<std::u32string> out;
    for (size_t i = 0; i + static_cast<size_t>(arity) <= padded.size(); ++i)
      out.insert(padded.substr(i, static_cast<size_t>(arity)));
    return out;
  };
  const auto ga = grams(a), gb = grams(b);
  size_t shared = 0;
  for (const auto& g : ga) shared += gb.count(g);
  return static_cast<double>(shared) / static_cast<double>(ga.size() + gb.size() - shared);
}

// Every word of the prompt is compared with every keyword (the matcher skips most words by a
// gram filter first, and packs short grams into integers): its verdicts must be the
// definition's, for short and long grams, ASCII and not.
TEST(KeywordSignalTest, NgramVerdictsAreTheJaccardDefinitions) {
  const std::vector<std::u32string> keywords = {U"urgent", U"immediate", U"asap", U"emergency",
                                                U"über"};
  const std::vector<std::u32string> words = {
      U"urgent", U"urgently",  U"urgnet",  U"urge",     U"immediately", U"imediate", U"mediate",
      U"aasp",   U"asp",       U"sap",     U"emergncy", U"emergence",   U"merge",    U"uber",
      U"übers",  U"different", U"current", U"agent",    U"gent",        U"x"};
  for (int arity : {2, 3, 4}) {
    for (double threshold : {0.3, 0.4, 0.6}) {
      std::string yaml =
          "routing:\n  signals:\n    keywords:\n      - {name: near, operator: OR, "
          "method: ngram, ngram_arity: " +
          std::to_string(arity) + ", ngram_threshold: " + std::to_string(threshold) +
          ", keywords: [urgent, immediate, asap, emergency, \"über\"]}\n";
      auto c = testing::ConfigFromRouting(yaml);
      for (const std::u32string& w : words) {
        bool expected = false;
        for (const auto& k : keywords)
          expected = expected || ReferenceNgramSimilarity(w, k, arity) >= threshold;
        std::string utf8_word;
        for (char32_t ch : w) utf8::Append(utf8_word, ch);
        EXPECT_EQ(!RunText(c, Family::kKeyword, "please " + utf8_word).matched.empty(), expected)
            << utf8_word << " arity " << arity << " threshold " << threshold;
      }
    }
  }
}

TEST(ContextSignalTest, TokensAreBytesOverFourRoundedUp) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    context:
      - {name: tiny, min_tokens: "0", max_tokens: "2"}
      - {name: big, min_tokens: "1K"}
)");
  const Fired eight = RunText(c, Family::kContext, "12345678");  // 8 bytes -> 2 tokens
  EXPECT_EQ(eight.matched, Names{"tiny"});
  EXPECT_EQ(eight.out.token_count, 2);
  EXPECT_EQ(RunText(c, Family::kContext, "123456789").out.token_count, 3);
  EXPECT_EQ(RunText(c, Family::kContext, std::string(4000, 'a')).matched, Names{"big"});
}

TEST(StructureSignalTest, CountDensitySequenceAndKeywordSet) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    structure:
      - name: questions
        feature: {type: count, source: {type: regex, pattern: '[?]'}}
        predicate: {gte: 2}
      - name: dense_numbers
        feature: {type: density, source: {type: regex, pattern: '\d+'}}
        predicate: {gt: 0.5}
      - name: steps
        feature: {type: sequence, source: {type: sequence, sequences: [[first, then]]}}
      - name: constraints
        feature: {type: count, source: {type: keyword_set, keywords: [must, "不要"]}}
        predicate: {gte: 2}
)");
  const Fired q = RunText(c, Family::kStructure, "Why? How? When?");
  EXPECT_EQ(q.matched, Names{"questions"});
  EXPECT_DOUBLE_EQ(q.out.values.at("structure:questions"), 3);
  // distance 1 from gte 2: sigmoid(4) ~ 0.982
  EXPECT_NEAR(q.out.confidences.at("structure:questions"), 1 / (1 + std::exp(-4.0)), 1e-9);
  EXPECT_EQ(RunText(c, Family::kStructure, "1 2 3 cats").matched, Names{"dense_numbers"});
  EXPECT_EQ(RunText(c, Family::kStructure, "First do this, then that").matched, Names{"steps"});
  EXPECT_TRUE(RunText(c, Family::kStructure, "then first").matched.empty());
  EXPECT_EQ(RunText(c, Family::kStructure, "You MUST, you must; 不要").matched,
            Names{"constraints"});
  EXPECT_TRUE(RunText(c, Family::kStructure, "mustard must").matched.empty());  // word boundary
}

// Literal regexes ('[?？]', a case-sensitive word) and keyword sets are counted by one byte
// search instead of RE2: the counts must be RE2's. Each fast rule has a twin whose pattern RE2
// must run ('(?:...)' is not a literal), and both must count the same on every text.
TEST(StructureSignalTest, LiteralRegexesAndKeywordSetsCountAsRe2Does) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    structure:
      - {name: q_fast, feature: {type: count, source: {type: regex, pattern: '[?？]'}}}
      - {name: q_re2, feature: {type: count, source: {type: regex, pattern: '(?:[?？])'}}}
      - name: todo_fast
        feature: {type: count, source: {type: regex, pattern: 'TODO', case_sensitive: true}}
      - name: todo_re2
        feature: {type: count, source: {type: regex, pattern: '(?:TODO)', case_sensitive: true}}
      - {name: todo_any_case, feature: {type: count, source: {type: regex, pattern: 'todo'}}}
      - {name: aa_fast, feature: {type: count, source: {type: regex, pattern: 'aa', case_sensitive: true}}}
      - {name: aa_re2, feature: {type: count, source: {type: regex, pattern: '(?:aa)', case_sensitive: true}}}
      - {name: ha, feature: {type: count, source: {type: keyword_set, keywords: ["哈哈"]}}}
      - name: limits
        feature: {type: count, source: {type: keyword_set, keywords: [under, "no more than", more]}}
      - name: exact_case
        feature: {type: count, source: {type: keyword_set, case_sensitive: true, keywords: [JSON]}}
)");
  auto count = [&](const std::string& text, const std::string& rule) {
    const Fired f = RunText(c, Family::kStructure, text);
    auto it = f.out.values.find("structure:" + rule);
    return it == f.out.values.end() ? 0.0 : it->second;
  };
  for (const std::string text :
       {"Why? How？ When?? 什么？", "no question", "TODO todo ToDo TODOTODO", "aaaaa baab",
        "?\xEF\xBC", "哈哈哈哈哈 哈哈"}) {
    EXPECT_EQ(count(text, "q_fast"), count(text, "q_re2")) << text;
    EXPECT_EQ(count(text, "todo_fast"), count(text, "todo_re2")) << text;
    EXPECT_EQ(count(text, "aa_fast"), count(text, "aa_re2")) << text;
  }
  EXPECT_EQ(count("Why? How？ When?? 什么？", "q_fast"), 5);
  EXPECT_EQ(count("TODO todo ToDo TODOTODO", "todo_fast"), 3);
  EXPECT_EQ(count("TODO todo ToDo TODOTODO", "todo_any_case"), 5);  // letters fold: RE2 runs
  EXPECT_EQ(count("aaaaa", "aa_fast"), 2);                          // matches do not overlap
  // Keyword sets: CJK without boundaries, without overlap; others on word boundaries only, and
  // every keyword counts on its own ("no more than" also holds "more").
  EXPECT_EQ(count("哈哈哈哈哈 哈哈", "ha"), 3);
  EXPECT_EQ(count("Under 5, no more than 3, underline, more", "limits"), 4);
  EXPECT_EQ(count("JSON json Json JSONL", "exact_case"), 1);
}

TEST(ConversationSignalTest, CountsRolesToolsAndCycles) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    conversation:
      - name: tools
        feature: {type: exists, source: {type: tool_definition}}
      - name: multi_turn
        feature: {type: count, source: {type: message, role: user}}
        predicate: {gte: 2}
      - name: cycles
        feature: {type: count, source: {type: assistant_tool_cycle}}
        predicate: {gte: 1}
)");
  request::Request r;
  r.tool_definitions = 1;
  r.messages = {{"user", "a", 0, 0, false},
                {"assistant", "", 0, 1, false},
                {"tool", "x", 0, 0, true},
                {"user", "b", 0, 0, false}};
  request::DeriveTextViews(r);
  EXPECT_EQ(Fire(c, Family::kConversation, r).matched, (Names{"tools", "multi_turn", "cycles"}));
  EXPECT_TRUE(RunText(c, Family::kConversation, "hi").matched.empty());
}

TEST(AuthzSignalTest, RolesFromIdentityHeadersAndNoSilentBypass) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    role_bindings:
      - {name: admins, role: admin, subjects: [{kind: User, name: alice}, {kind: Group, name: ops}]}
      - {name: staff, role: staff, subjects: [{kind: Group, name: eng}]}
)");
  request::Request r = request::FromText("hi");
  r.headers["x-authz-user-id"] = "bob";
  r.headers["x-authz-user-groups"] = "eng, ops";
  EXPECT_EQ(Fire(c, Family::kAuthz, r).matched, (Names{"admin", "staff"}));
  r.headers.erase("x-authz-user-id");
  const Fired anonymous = Fire(c, Family::kAuthz, r);
  EXPECT_TRUE(anonymous.matched.empty());
  EXPECT_NE(anonymous.out.error.find("user identity header is empty"), std::string::npos);
}

TEST(ModalitySignalTest, KeywordDetectionAndClassifierNeedsAModel) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    modality: [{name: AR}, {name: DIFFUSION}, {name: BOTH}]
global:
  model_catalog:
    modules:
      modality_detector:
        enabled: true
        method: keyword
        keywords: [draw, picture]
        both_keywords: [explain]
)");
  EXPECT_EQ(RunText(c, Family::kModality, "draw a cat").matched, Names{"DIFFUSION"});
  EXPECT_EQ(RunText(c, Family::kModality, "draw a cat and explain it").matched, Names{"BOTH"});
  EXPECT_EQ(RunText(c, Family::kModality, "what is a cat").matched, Names{"AR"});
  auto classifier = testing::ConfigFromRouting(R"(
routing:
  signals:
    modality: [{name: AR}]
global:
  model_catalog:
    modules:
      modality_detector:
        enabled: true
        method: classifier
        classifier: {model_path: models/modality}
        confidence_threshold: 0.6
)");
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(*classifier, errors);
  EXPECT_EQ(set.Get(Family::kModality)->NotReadyReason(), "model not loaded: modality classifier");
}

TEST(ModelBackedSignalTest, ReportsTheMissingModelInsteadOfPretending) {
  auto c = testing::ConfigFromRouting(R"(
routing:
  signals:
    domains: [{name: math, mmlu_categories: [math]}]
    jailbreak: [{name: jb, threshold: 0.5}]
)");
  std::vector<std::string> errors;
  SignalSet set = SignalSet::Build(*c, errors);
  EXPECT_EQ(set.Get(Family::kDomain)->NotReadyReason(), "model not loaded: domain classifier");
  EXPECT_EQ(set.Get(Family::kJailbreak)->NotReadyReason(),
            "model not loaded: jailbreak classifier");
  EXPECT_EQ(set.Get(Family::kKeyword), nullptr);
}

}  // namespace
}  // namespace vsr::signals
