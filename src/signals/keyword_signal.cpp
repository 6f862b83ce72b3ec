// Keyword rules, upstream semantics (classification/keyword_classifier.go): rules are tried in
// config order and the FIRST rule that matches is the keyword signal's one match. Literal
// keywords match on word boundaries (not for CJK), `method: regex` keywords are regexes,
// bm25/ngram score keywords against the text. `method: fuzzy` (upstream's reference config uses
// it, its runtime rejects it) means literal plus edit-distance matching.
//
// Speed: the literal/regex keywords of every rule are found in one pass over the text
// (signals/keyword_patterns), however many rules there are.

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <span>

#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"
#include "signals/keyword_patterns.h"
#include "signals/keyword_words.h"

namespace vsr::signals {
namespace {

enum class Method { kLiteral, kRegex, kBm25, kNgram };

struct Rule {
  std::string name;
  std::string op;  // AND | OR | NOR
  Method method = Method::kLiteral;
  bool case_sensitive = false;
  std::vector<std::string> keywords;
  std::vector<int> pattern_index;              // KeywordPatterns index per keyword (literal/regex)
  int fuzzy_threshold = 0;                     // 0 = no fuzzy matching
  std::vector<std::u32string> fuzzy_keywords;  // lower-cased, decoded once at load
  double threshold = 0;                        // bm25 / ngram
  int arity = 3;                               // ngram
  // Precomputed at load: ngram keyword grams, lengths (code points) and word counts; bm25
  // keyword terms.
  std::vector<std::vector<uint64_t>> keyword_grams;
  std::vector<size_t> keyword_lengths;
  std::vector<size_t> keyword_spans;
  // gram hash -> single-word keyword index, sorted: a text word's grams are looked up here to
  // count shared grams per keyword without a merge per (word, keyword) pair.
  std::vector<std::pair<uint64_t, uint32_t>> gram_index;
  // A text word shares at least t x |keyword grams| grams with a keyword it is similar enough
  // to (Jaccard >= t), so words with fewer grams in this filter of the single-word keywords'
  // grams are skipped before any exact count (most words of a prompt).
  std::bitset<4096> gram_filter;
  size_t min_shared = 1;
  // BM25: per keyword, its length in terms and each distinct term with its frequency and idf.
  struct Bm25Term {
    std::string term;
    double tf;
    double idf;
  };
  struct Bm25Doc {
    double length;
    std::vector<Bm25Term> terms;
  };
  std::vector<Bm25Doc> bm25_docs;
  double bm25_avgdl = 1;
};

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

// BM25 and n-gram terms of a keyword (at load): its words without stop words, lower-cased
// unless the rule is case-sensitive.
std::vector<std::string> KeywordTerms(const std::string& keyword, bool case_sensitive) {
  const std::string text = case_sensitive ? keyword : utf8::ToLower(keyword);
  std::vector<std::string> terms;
  for (std::string_view w : SplitWords(text, /*drop_stop_words=*/true)) terms.emplace_back(w);
  return terms;
}

// Per-request views of the text, computed once and shared by every rule that needs them.
struct TextViews {
  const std::string& text;
  const std::string& lower;  // the request's lower-cased evaluation text
  std::optional<std::vector<std::string_view>> terms[2];   // [case_sensitive]
  std::optional<std::vector<std::u32string>> fuzzy_words;  // lower-cased letter/digit runs

  const std::vector<std::string_view>& Terms(bool cs) {
    auto& t = terms[cs ? 1 : 0];
    if (!t) t = SplitWords(cs ? text : lower, /*drop_stop_words=*/true);
    return *t;
  }
};

// Calls f(key) for each character n-gram of UTF-8 `s` (padded with arity-1 spaces), in
// order, repeats included; returns its length in code points. Up to 3 code points (21 bits
// each) a key is the gram itself, packed, rolled along without a buffer: this runs for every
// word of every prompt. Longer grams are hashed (FNV-1a).
template <class F>
size_t ForEachGram(std::string_view s, int arity, F&& f) {
  auto next = [&](size_t& i) -> char32_t {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) return ++i, b;
    return utf8::Next(s, i);
  };
  if (arity <= 3) {
    const uint64_t mask = (uint64_t{1} << (21 * arity)) - 1;
    uint64_t key = 0;
    for (int k = 1; k < arity; ++k) key = (key << 21) | U' ';
    size_t length = 0;
    for (size_t i = 0; i < s.size(); ++length) {
      key = ((key << 21) | next(i)) & mask;
      f(key);
    }
    for (int k = 1; k < arity; ++k) f(key = ((key << 21) | U' ') & mask);
    return length;
  }
  thread_local std::u32string chars;
  chars.clear();
  for (size_t i = 0; i < s.size();) chars += next(i);
  const auto n = static_cast<long>(chars.size());
  const long pad = arity - 1;
  for (long start = -pad; start + arity <= n + pad; ++start) {
    uint64_t h = 1469598103934665603ULL;
    for (long k = start; k < start + arity; ++k) {
      const char32_t c = (k < 0 || k >= n) ? U' ' : chars[static_cast<size_t>(k)];
      h = (h ^ static_cast<uint64_t>(c)) * 1099511628211ULL;
    }
    f(h);
  }
  return chars.size();
}

// The sorted, de-duplicated gram keys of `s`, appended to `out`; returns how many and sets
// `length` to its code point count.
size_t AppendGramHashes(std::string_view s, int arity, std::vector<uint64_t>& out, size_t& length) {
  const size_t start_size = out.size();
  length = ForEachGram(s, arity, [&](uint64_t key) { out.push_back(key); });
  const auto begin = out.begin() + static_cast<long>(start_size);
  std::sort(begin, out.end());
  out.erase(std::unique(begin, out.end()), out.end());
  return out.size() - start_size;
}

size_t GramFilterSlot(uint64_t gram_hash) {
  return (gram_hash * 0x9E3779B97F4A7C15ULL) >> 52;
}

double Jaccard(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++shared, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  const size_t all = a.size() + b.size() - shared;
  return all == 0 ? 0 : static_cast<double>(shared) / static_cast<double>(all);
}

// BM25 with the keywords as the documents and the request text as the query (upstream's
// nlp-binding): a keyword matches when its score reaches the rule's threshold.
std::vector<bool> Bm25Matches(const Rule& rule, TextViews& views) {
  constexpr double kK1 = 1.2, kB = 0.75;
  const auto& query = views.Terms(rule.case_sensitive);
  std::vector<bool> matched(rule.bm25_docs.size(), false);
  for (size_t d = 0; d < rule.bm25_docs.size(); ++d) {
    const Rule::Bm25Doc& doc = rule.bm25_docs[d];
    double score = 0;
    for (const Rule::Bm25Term& t : doc.terms) {
      const std::string_view term = t.term;
      auto same = [&](std::string_view q) {  // sizes and first bytes settle most pairs inline
        return q.size() == term.size() && q[0] == term[0] && q == term;
      };
      if (term.empty() || std::find_if(query.begin(), query.end(), same) == query.end()) continue;
      score +=
          t.idf * t.tf * (kK1 + 1) / (t.tf + kK1 * (1 - kB + kB * doc.length / rule.bm25_avgdl));
    }
    matched[d] = score > 0 && score >= rule.threshold;
  }
  return matched;
}

// Code points in UTF-8 text: the bytes that do not continue a sequence.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Character n-gram similarity of each keyword to the text's words (or runs of as many words
// as the keyword has); a keyword matches when the best similarity reaches the threshold.
// Multi-word windows whose length makes the threshold unreachable are skipped before hashing.
std::vector<bool> NgramMatches(const Rule& rule, TextViews& views) {
  const bool cs = rule.case_sensitive;
  const auto& terms = views.Terms(cs);
  const double t = std::max(rule.threshold, 1e-6);
  const auto pad = static_cast<double>(rule.arity - 1);
  std::vector<bool> matched(rule.keyword_grams.size(), false);
  std::vector<uint64_t> window_grams;
  for (size_t k = 0; k < rule.keyword_grams.size(); ++k) {
    const size_t span = rule.keyword_spans[k];
    if (span < 2 || terms.size() < span) continue;  // single words: all at once below
    // Jaccard >= t needs the window's gram count within [t*g, g/t] (g = keyword gram count).
    const double g = static_cast<double>(rule.keyword_lengths[k]) + pad;
    const double min_len = t * g - pad, max_len = g / t - pad;
    for (size_t i = 0; i + span <= terms.size() && !matched[k]; ++i) {
      std::string window;
      for (size_t j = i; j < i + span; ++j) {
        if (j > i) window += ' ';
        window += terms[j];
      }
      const auto len = static_cast<double>(CodePoints(window));
      if (len < min_len || len > max_len) continue;
      window_grams.clear();
      size_t unused_length = 0;
      AppendGramHashes(window, rule.arity, window_grams, unused_length);
      matched[k] = Jaccard(rule.keyword_grams[k], window_grams) >= rule.threshold;
    }
  }
  if (rule.gram_index.empty()) return matched;
  // Single-word keywords: per text word that passes the filter, count the grams it shares with
  // each keyword through the index; Jaccard = shared / (|keyword| + |word| - shared).
  std::vector<uint32_t> shared(rule.keyword_grams.size(), 0);
  std::vector<uint64_t> grams;
  for (const std::string_view term : terms) {
    size_t hits = 0;
    ForEachGram(term, rule.arity,
                [&](uint64_t key) { hits += rule.gram_filter.test(GramFilterSlot(key)) ? 1 : 0; });
    if (hits < rule.min_shared) continue;
    grams.clear();
    size_t unused_length = 0;
    AppendGramHashes(term, rule.arity, grams, unused_length);
    std::fill(shared.begin(), shared.end(), 0);
    for (uint64_t g : grams) {
      auto range = std::equal_range(rule.gram_index.begin(), rule.gram_index.end(),
                                    std::pair<uint64_t, uint32_t>{g, 0},
                                    [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto e = range.first; e != range.second; ++e) ++shared[e->second];
    }
    for (size_t k = 0; k < shared.size(); ++k) {
      if (shared[k] == 0 || matched[k]) continue;
      const double a = static_cast<double>(rule.keyword_grams[k].size());
      const double jaccard = shared[k] / (a + static_cast<double>(grams.size()) - shared[k]);
      if (jaccard >= rule.threshold) matched[k] = true;
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
      if (r.method == Method::kBm25) {
        // Everything but the query side is known at load: term frequencies, lengths, idf.
        std::vector<std::map<std::string, int>> tfs;
        std::map<std::string, int> df;
        double total = 0;
        for (const std::string& kw : k.keywords) {
          const auto terms = KeywordTerms(kw, r.case_sensitive);
          total += static_cast<double>(terms.size());
          auto& tf = tfs.emplace_back();
          for (const std::string& t : terms) ++tf[t];
          for (const auto& [t, count] : tf) ++df[t];
          r.bm25_docs.push_back({static_cast<double>(terms.size()), {}});
        }
        const double n = static_cast<double>(r.bm25_docs.size());
        r.bm25_avgdl = n > 0 && total > 0 ? total / n : 1;
        for (size_t d = 0; d < tfs.size(); ++d) {
          for (const auto& [term, count] : tfs[d]) {
            const double idf = std::log(1 + (n - df[term] + 0.5) / (df[term] + 0.5));
            r.bm25_docs[d].terms.push_back({term, static_cast<double>(count), idf});
          }
        }
      }
      if (r.method == Method::kNgram) {
        for (const std::string& kw : k.keywords) {
          std::string joined;
          const auto terms = KeywordTerms(kw, r.case_sensitive);
          for (const std::string& term : terms) joined += (joined.empty() ? "" : " ") + term;
          std::vector<uint64_t> grams;
          size_t length = 0;
          AppendGramHashes(joined, r.arity, grams, length);
          r.keyword_grams.push_back(std::move(grams));
          r.keyword_lengths.push_back(length);
          r.keyword_spans.push_back(terms.size());
          if (terms.size() == 1) {
            for (uint64_t g : r.keyword_grams.back()) {
              r.gram_index.emplace_back(g, static_cast<uint32_t>(r.keyword_grams.size() - 1));
            }
          }
        }
        std::sort(r.gram_index.begin(), r.gram_index.end());
        size_t fewest = SIZE_MAX;
        for (const auto& [gram, keyword] : r.gram_index) {
          r.gram_filter.set(GramFilterSlot(gram));
          const double needed = r.threshold * static_cast<double>(r.keyword_grams[keyword].size());
          fewest = std::min(fewest, static_cast<size_t>(std::max(1.0, std::ceil(needed - 1e-9))));
        }
        if (fewest != SIZE_MAX) r.min_shared = fewest;
      }
      if (k.fuzzy_match || method == "fuzzy") {
        r.fuzzy_threshold = k.fuzzy_threshold > 0 ? k.fuzzy_threshold : 2;
        for (const std::string& kw : k.keywords)
          r.fuzzy_keywords.push_back(Decode(utf8::ToLower(kw)));
      }
      if (r.method == Method::kLiteral || r.method == Method::kRegex) {
        for (const std::string& kw : k.keywords) {
          std::string re_error;
          const int index = r.method == Method::kRegex
                                ? patterns_.AddRegex(kw, r.case_sensitive, re_error)
                                : patterns_.AddLiteral(kw, r.case_sensitive, re_error);
          if (index < 0) {
            error = "keyword rule '" + k.name + "': invalid pattern '" + kw + "': " + re_error;
            return false;
          }
          r.pattern_index.push_back(index);
        }
      }
      rules_.push_back(std::move(r));
    }
    std::string compile_error;
    if (!patterns_.Compile(compile_error)) {
      error = "keyword rules: " + compile_error;
      return false;
    }
    return true;
  }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const std::string& text = request.evaluation_text;
    // Scratch the thread's evaluations reuse (a keyword signal reads every request): the
    // pattern scan's hits, and per keyword of the rule at hand 0 (no match), kHit or kFuzzy.
    constexpr uint8_t kHit = 1, kFuzzy = 2;
    thread_local std::vector<uint8_t> hit_pattern, matched;
    // The literal/regex scan runs when the first rule that needs it is reached: an earlier
    // rule that matches ends the evaluation.
    bool scanned = false;
    auto scan_patterns = [&] {
      if (scanned) return;
      scanned = true;
      patterns_.Match(text, hit_pattern);
    };
    TextViews views{text, request.evaluation_text_lower, {}, {}};
    out.confidence = 1.0;  // rule-based (upstream reports 1.0)
    for (const Rule& r : rules_) {
      matched.assign(r.keywords.size(), 0);
      if (r.method == Method::kBm25 || r.method == Method::kNgram) {
        const std::vector<bool> m =
            r.method == Method::kBm25 ? Bm25Matches(r, views) : NgramMatches(r, views);
        for (size_t i = 0; i < m.size() && i < matched.size(); ++i) matched[i] = m[i] ? kHit : 0;
      } else {
        scan_patterns();
        for (size_t i = 0; i < r.pattern_index.size(); ++i) {
          matched[i] = hit_pattern[static_cast<size_t>(r.pattern_index[i])] ? kHit : 0;
        }
      }
      size_t count = 0;
      for (size_t i = 0; i < r.keywords.size(); ++i) {
        if (matched[i] == 0 && r.fuzzy_threshold > 0 &&
            FuzzyHit(r.fuzzy_keywords[i], r.fuzzy_threshold, views)) {
          matched[i] = kFuzzy;
        }
        count += matched[i] != 0;
      }
      bool rule_matched = false;
      if (r.op == "AND") rule_matched = !r.keywords.empty() && count == r.keywords.size();
      if (r.op == "OR") rule_matched = count > 0;
      if (r.op == "NOR") rule_matched = count == 0;
      if (!rule_matched) continue;
      out.matched.push_back(r.name);
      if (r.op != "NOR") {  // the keywords that made the rule match, copied for it alone
        out.matched_keywords.clear();
        for (size_t i = 0; i < r.keywords.size(); ++i) {
          if (matched[i] == kHit) out.matched_keywords.push_back(r.keywords[i]);
          if (matched[i] == kFuzzy) out.matched_keywords.push_back(r.keywords[i] + " (fuzzy)");
        }
      }
      return;  // first matching rule wins (upstream)
    }
  }

 private:
  // Thresholds up to 10 are edit distances (upstream); larger ones can only be meant as a
  // similarity percentage (upstream's reference config says 82), so they are read that way:
  // a word matches when it is at least that % similar to the keyword.
  static bool FuzzyHit(const std::u32string& kw, int threshold, TextViews& views) {
    if (!views.fuzzy_words) {  // upstream's fuzzy words: lower-cased letter/digit runs
      views.fuzzy_words.emplace();
      for (std::string_view w : SplitWords(views.lower, /*drop_stop_words=*/false)) {
        views.fuzzy_words->push_back(Decode(w));
      }
    }
    for (const std::u32string& w : *views.fuzzy_words) {
      int allowed = threshold;
      if (threshold > kMaxEditDistance) {
        const double longest = static_cast<double>(std::max(w.size(), kw.size()));
        allowed =
            static_cast<int>(std::floor(longest * (100.0 - std::min(threshold, 100)) / 100.0));
      }
      if (BoundedEditDistance(w, kw, allowed) <= allowed) return true;
    }
    return false;
  }
  static constexpr int kMaxEditDistance = 10;

  KeywordPatterns patterns_;
  std::vector<Rule> rules_;
};

}  // namespace

std::unique_ptr<Signal> MakeKeywordSignal(const config::Config& c, std::string& error) {
  auto signal = std::make_unique<KeywordSignal>();
  if (!signal->Init(c, error)) return nullptr;
  return signal;
}

}  // namespace vsr::signals
