// Keyword rules, upstream semantics (classification/keyword_classifier.go): rules are tried in
// config order and the FIRST rule that matches is the keyword signal's one match. Literal
// keywords match on word boundaries (not for CJK), `method: regex` keywords are regexes,
// bm25/ngram score keywords against the text. `method: fuzzy` (upstream's reference config uses
// it, its runtime rejects it) means literal plus edit-distance matching.
//
// Speed: every literal/regex keyword of every rule goes into one RE2::Set, so the text is
// scanned once per request however many rules there are.
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"

namespace vsr::signals {
namespace {

enum class Method { kLiteral, kRegex, kBm25, kNgram };

struct Rule {
  std::string name;
  std::string op;  // AND | OR | NOR
  Method method = Method::kLiteral;
  bool case_sensitive = false;
  std::vector<std::string> keywords;
  std::vector<int> set_index;  // RE2::Set pattern per keyword (literal/regex)
  int fuzzy_threshold = 0;     // 0 = no fuzzy matching
  std::vector<std::string> lower_keywords;
  double threshold = 0;  // bm25 / ngram
  int arity = 3;         // ngram
};

// Lower-cased letter/digit runs, as upstream's fuzzy matcher splits words.
std::vector<std::string> LowerWords(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (size_t i = 0; i < text.size();) {
    const char32_t c = utf8::Next(text, i);
    if (utf8::IsLetterOrDigit(c)) {
      utf8::Append(current, utf8::ToLower(c));
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) out += utf8::Next(s, i);
  return out;
}

// Levenshtein distance over code points, giving up once it must exceed `limit`.
int BoundedEditDistance(const std::u32string& a, const std::u32string& b, int limit) {
  const int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (std::abs(la - lb) > limit) return limit + 1;
  std::vector<int> prev(static_cast<size_t>(lb) + 1), cur(static_cast<size_t>(lb) + 1);
  for (int j = 0; j <= lb; ++j) prev[static_cast<size_t>(j)] = j;
  for (int i = 1; i <= la; ++i) {
    cur[0] = i;
    int row_min = i;
    for (int j = 1; j <= lb; ++j) {
      const auto uj = static_cast<size_t>(j);
      const int cost = a[static_cast<size_t>(i - 1)] == b[uj - 1] ? 0 : 1;
      cur[uj] = std::min({prev[uj] + 1, cur[uj - 1] + 1, prev[uj - 1] + cost});
      row_min = std::min(row_min, cur[uj]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev, cur);
  }
  return prev[static_cast<size_t>(lb)];
}

bool IsAsciiWordChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_';
}

bool HasWordCharNoHan(std::string_view keyword) {
  bool word = false, han = false;
  for (size_t i = 0; i < keyword.size();) {
    const char32_t c = utf8::Next(keyword, i);
    word = word || utf8::IsLetterOrDigit(c) || c == '_';
    han = han || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
  }
  return word && !han;
}

const std::set<std::string>& StopWords() {
  static const std::set<std::string> kWords = {
      "a",    "an",   "and",  "are",   "as",   "at",    "be",    "but",  "by",   "for",
      "if",   "in",   "into", "is",    "it",   "no",    "not",   "of",   "on",   "or",
      "such", "that", "the",  "their", "then", "there", "these", "they", "this", "to",
      "was",  "will", "with", "i",     "you",  "me",    "my",    "we"};
  return kWords;
}

std::vector<std::string> Terms(std::string_view text, bool case_sensitive) {
  std::vector<std::string> terms;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && !StopWords().count(utf8::ToLower(current))) terms.push_back(current);
    current.clear();
  };
  for (size_t i = 0; i < text.size();) {
    const char32_t c = utf8::Next(text, i);
    if (utf8::IsLetterOrDigit(c)) {
      utf8::Append(current, case_sensitive ? c : utf8::ToLower(c));
    } else {
      flush();
    }
  }
  flush();
  return terms;
}

// BM25 with the keywords as the documents and the request text as the query (upstream's
// nlp-binding): a keyword matches when its score reaches the rule's threshold.
std::vector<bool> Bm25Matches(const Rule& rule, std::string_view text) {
  constexpr double kK1 = 1.2, kB = 0.75;
  std::vector<std::vector<std::string>> docs;
  std::map<std::string, int> df;
  double total_len = 0;
  for (const std::string& k : rule.keywords) {
    docs.push_back(Terms(k, rule.case_sensitive));
    total_len += static_cast<double>(docs.back().size());
    std::set<std::string> seen(docs.back().begin(), docs.back().end());
    for (const std::string& t : seen) ++df[t];
  }
  const double n = static_cast<double>(docs.size());
  const double avgdl = n > 0 && total_len > 0 ? total_len / n : 1;
  std::vector<std::string> query_terms = Terms(text, rule.case_sensitive);
  const std::set<std::string> query(query_terms.begin(), query_terms.end());
  std::vector<bool> matched(docs.size(), false);
  for (size_t d = 0; d < docs.size(); ++d) {
    double score = 0;
    const double dl = static_cast<double>(docs[d].size());
    for (const std::string& t : query) {
      const double tf = static_cast<double>(std::count(docs[d].begin(), docs[d].end(), t));
      if (tf == 0) continue;
      const double dft = df[t];
      const double idf = std::log(1 + (n - dft + 0.5) / (dft + 0.5));
      score += idf * tf * (kK1 + 1) / (tf + kK1 * (1 - kB + kB * dl / avgdl));
    }
    matched[d] = score > 0 && score >= rule.threshold;
  }
  return matched;
}

std::set<std::u32string> NGrams(const std::u32string& s, int arity) {
  const std::u32string pad(static_cast<size_t>(arity - 1), U' ');
  const std::u32string padded = pad + s + pad;
  std::set<std::u32string> grams;
  for (size_t i = 0; i + static_cast<size_t>(arity) <= padded.size(); ++i) {
    grams.insert(padded.substr(i, static_cast<size_t>(arity)));
  }
  return grams;
}

double NGramSimilarity(const std::set<std::u32string>& a, const std::set<std::u32string>& b) {
  size_t shared = 0;
  for (const auto& g : a) shared += b.count(g);
  const size_t all = a.size() + b.size() - shared;
  return all == 0 ? 0 : static_cast<double>(shared) / static_cast<double>(all);
}

// Character n-gram similarity of each keyword to the text's words (or runs of as many words
// as the keyword has); a keyword matches when the best similarity reaches the threshold.
std::vector<bool> NgramMatches(const Rule& rule, std::string_view text) {
  std::vector<std::u32string> words;
  for (const std::string& w : Terms(text, rule.case_sensitive)) words.push_back(Decode(w));
  std::vector<bool> matched(rule.keywords.size(), false);
  for (size_t k = 0; k < rule.keywords.size(); ++k) {
    std::vector<std::string> kw_terms;
    std::string current;
    for (const std::string& t : Terms(rule.keywords[k], rule.case_sensitive)) kw_terms.push_back(t);
    if (kw_terms.empty()) continue;
    std::u32string kw;
    for (const std::string& t : kw_terms) kw += (kw.empty() ? U"" : U" ") + Decode(t);
    const auto kw_grams = NGrams(kw, rule.arity);
    const size_t span = kw_terms.size();
    for (size_t i = 0; i + span <= words.size() && !matched[k]; ++i) {
      std::u32string window;
      for (size_t j = i; j < i + span; ++j) window += (j == i ? U"" : U" ") + words[j];
      matched[k] = NGramSimilarity(kw_grams, NGrams(window, rule.arity)) >= rule.threshold;
    }
  }
  return matched;
}

class KeywordSignal final : public Signal {
 public:
  Family family() const override { return Family::kKeyword; }

  std::vector<std::string> RuleNames() const override {
    std::vector<std::string> names;
    for (const Rule& r : rules_) names.push_back(r.name);
    return names;
  }

  bool Init(const config::Config& c, std::string& error) {
    RE2::Options options;
    options.set_max_mem(64 << 20);
    options.set_log_errors(false);
    set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (const config::KeywordSignal& k : c.routing.signals.keywords) {
      Rule r;
      r.name = k.name;
      r.op = ToUpper(k.operator_.empty() ? "OR" : k.operator_);
      r.case_sensitive = k.case_sensitive;
      r.keywords = k.keywords;
      const std::string method = ToLower(k.method);
      if (method == "regex") r.method = Method::kRegex;
      if (method == "bm25") {
        r.method = Method::kBm25;
        r.threshold = k.bm25_threshold > 0 ? k.bm25_threshold : 0.1;
      }
      if (method == "ngram") {
        r.method = Method::kNgram;
        r.threshold = k.ngram_threshold > 0 ? k.ngram_threshold : 0.4;
        r.arity = std::max(2, k.ngram_arity > 0 ? k.ngram_arity : 3);
      }
      if (k.fuzzy_match || method == "fuzzy") {
        r.fuzzy_threshold = k.fuzzy_threshold > 0 ? k.fuzzy_threshold : 2;
        for (const std::string& kw : k.keywords) r.lower_keywords.push_back(utf8::ToLower(kw));
      }
      if (r.method == Method::kLiteral || r.method == Method::kRegex) {
        for (const std::string& kw : k.keywords) {
          std::string pattern = r.method == Method::kRegex ? kw : RE2::QuoteMeta(kw);
          if (r.method == Method::kLiteral && HasWordCharNoHan(kw)) {
            // Word boundaries only next to word characters: upstream's "\\bc\\+\\+\\b" can
            // never match "c++ code", since there is no boundary between "+" and " ".
            if (IsAsciiWordChar(kw.front())) pattern = "\\b" + pattern;
            if (IsAsciiWordChar(kw.back())) pattern += "\\b";
          }
          if (!r.case_sensitive) pattern = "(?i)" + pattern;
          std::string re_error;
          const int index = set_->Add(pattern, &re_error);
          if (index < 0) {
            error = "keyword rule '" + k.name + "': invalid pattern '" + kw + "': " + re_error;
            return false;
          }
          r.set_index.push_back(index);
        }
      }
      rules_.push_back(std::move(r));
    }
    for (const Rule& r : rules_) pattern_count_ += r.set_index.size();
    has_patterns_ = pattern_count_ > 0;
    if (has_patterns_ && !set_->Compile()) {
      error = "keyword rules: the patterns need more memory than the 64 MiB limit";
      return false;
    }
    return true;
  }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const std::string& text = request.evaluation_text;
    std::vector<int> hits;
    if (has_patterns_) set_->Match(text, &hits);
    std::vector<bool> hit_pattern(pattern_count_, false);
    for (int h : hits) hit_pattern[static_cast<size_t>(h)] = true;
    std::vector<std::vector<std::u32string>> words;  // computed on first fuzzy rule
    out.confidence = 1.0;                            // rule-based (upstream reports 1.0)
    for (const Rule& r : rules_) {
      std::vector<std::string> matched_keywords;
      std::vector<bool> matched(r.keywords.size(), false);
      if (r.method == Method::kBm25) {
        matched = Bm25Matches(r, text);
      } else if (r.method == Method::kNgram) {
        matched = NgramMatches(r, text);
      } else {
        for (size_t i = 0; i < r.set_index.size(); ++i) {
          matched[i] = hit_pattern[static_cast<size_t>(r.set_index[i])];
        }
      }
      for (size_t i = 0; i < r.keywords.size(); ++i) {
        if (matched[i]) {
          matched_keywords.push_back(r.keywords[i]);
        } else if (r.fuzzy_threshold > 0 &&
                   FuzzyHit(r.lower_keywords[i], r.fuzzy_threshold, text, words)) {
          matched[i] = true;
          matched_keywords.push_back(r.keywords[i] + " (fuzzy)");
        }
      }
      const size_t count = static_cast<size_t>(std::count(matched.begin(), matched.end(), true));
      bool rule_matched = false;
      if (r.op == "AND") rule_matched = !r.keywords.empty() && count == r.keywords.size();
      if (r.op == "OR") rule_matched = count > 0;
      if (r.op == "NOR") rule_matched = count == 0;
      if (!rule_matched) continue;
      out.matched.push_back(r.name);
      if (r.op != "NOR") out.matched_keywords = std::move(matched_keywords);
      return;  // first matching rule wins (upstream)
    }
  }

 private:
  static bool FuzzyHit(const std::string& lower_keyword, int threshold, const std::string& text,
                       std::vector<std::vector<std::u32string>>& cache) {
    if (cache.empty()) {
      cache.emplace_back();
      for (const std::string& w : LowerWords(text)) cache[0].push_back(Decode(w));
    }
    const std::u32string kw = Decode(lower_keyword);
    for (const std::u32string& w : cache[0]) {
      if (BoundedEditDistance(w, kw, threshold) <= threshold) return true;
    }
    return false;
  }

  std::unique_ptr<RE2::Set> set_;
  bool has_patterns_ = false;
  size_t pattern_count_ = 0;
  std::vector<Rule> rules_;
};

}  // namespace

std::unique_ptr<Signal> MakeKeywordSignal(const config::Config& c, std::string& error) {
  auto signal = std::make_unique<KeywordSignal>();
  if (!signal->Init(c, error)) return nullptr;
  return signal;
}

}  // namespace vsr::signals
