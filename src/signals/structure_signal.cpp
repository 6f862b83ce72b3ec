// Structure features (upstream structure_classifier.go): count / exists / density / sequence
// over a regex, a keyword set or marker sequences, compared with a numeric predicate.
// Confidence grows with the distance from the predicate's bound (sigmoid, floor 0.5).
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include "common/aho_corasick.h"
#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"
#include "signals/predicate.h"

namespace vsr::signals {
namespace {

// Words and CJK characters: the denominator of density features.
int TextUnits(std::string_view text) {
  if (utf8::IsAscii(text)) {  // words only, counted where "is a word byte" turns on
    int count = 0;
    bool previous = false;
    for (char c : text) {
      const bool word = utf8::IsAsciiAlnum(static_cast<unsigned char>(c));
      count += word && !previous ? 1 : 0;
      previous = word;
    }
    return count;
  }
  int count = 0;
  bool in_word = false;
  for (size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {  // ASCII fast path
      const bool word = utf8::IsAsciiAlnum(b);
      count += word && !in_word ? 1 : 0;
      in_word = word;
      ++i;
      continue;
    }
    const char32_t c = utf8::Next(text, i);
    if (utf8::IsCjk(c)) {
      ++count;
      in_word = false;
    } else if (utf8::IsLetterOrDigit(c)) {
      count += in_word ? 0 : 1;
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return count;
}

bool ContainsCjk(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (utf8::IsCjk(utf8::Next(s, i))) return true;
  }
  return false;
}

bool BlocksBoundary(std::string_view text, size_t at, bool before) {
  if (before) {
    if (at == 0) return false;
    size_t start = at - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t i = start;
    const char32_t c = utf8::Next(text, i);
    return utf8::IsLetterOrDigit(c) && !utf8::IsCjk(c);
  }
  if (at >= text.size()) return false;
  size_t i = at;
  const char32_t c = utf8::Next(text, i);
  return utf8::IsLetterOrDigit(c) && !utf8::IsCjk(c);
}

// Code points no case folding changes: ASCII non-letters, CJK, CJK and fullwidth punctuation.
bool Caseless(char32_t c) {
  if (c < 0x80) return !((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  return utf8::IsCjk(c) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65);
}

// The strings a regex matches when it is only a literal or a class of literal characters
// ('[?？]', 'TODO'), so counting it is a byte search instead of one RE2 call per match. Each
// returned string matches where the regex does, and two never overlap (a class's are single
// characters), so counting them without overlap is counting the regex's matches. nullopt for
// anything else, and where case-insensitive matching would change what a character matches.
std::optional<std::vector<std::string>> LiteralStrings(std::string_view pattern,
                                                       bool case_sensitive) {
  const bool is_class = pattern.size() > 2 && pattern.front() == '[' && pattern.back() == ']';
  const std::string_view body = is_class ? pattern.substr(1, pattern.size() - 2) : pattern;
  const std::string_view special = is_class ? "\\^-[]" : "\\.+*?()[]{}|^$";
  if (body.empty() || body.find_first_of(special) != std::string_view::npos) return std::nullopt;
  std::vector<std::string> out;
  for (size_t i = 0; i < body.size();) {
    const size_t start = i;
    const char32_t c = utf8::Next(body, i);
    if (c == 0xFFFD || (!case_sensitive && !Caseless(c))) return std::nullopt;
    if (is_class) out.emplace_back(body.substr(start, i - start));
  }
  if (!is_class) out.emplace_back(body);
  return out;
}

struct Rule {
  config::StructureSignal config;
  std::string feature_type;  // lower-cased once at load
  std::string source_type;
  config::NumericPredicate predicate;  // {} when the rule has none
  // Regex sources: rules with the same pattern and case mode share one source and one
  // per-request count (e.g. '[?？]' behind several question rules).
  size_t regex_slot = 0;
  std::vector<std::vector<std::string>> sequences;  // lower-cased unless case-sensitive
};

// A regex source: RE2, or the literal strings it is equivalent to.
struct RegexSource {
  std::unique_ptr<RE2> regex;
  std::optional<AhoCorasick> literals;
};

// Every keyword_set keyword of one case mode in one automaton, so the text is scanned once for
// all of them. Keywords without CJK count only on word boundaries.
struct KeywordSets {
  AhoCorasick automaton;
  std::vector<size_t> rule;    // needle -> index of its rule
  std::vector<bool> boundary;  // needle -> needs word boundaries
};

class StructureSignal final : public Signal {
 public:
  Family family() const override { return Family::kStructure; }
  std::vector<std::string> RuleNames() const override {
    std::vector<std::string> names;
    for (const auto& r : rules_) names.push_back(r.config.name);
    return names;
  }

  bool Init(const config::Config& c, std::string& error) {
    std::vector<std::string> keyword_needles[2];
    for (const config::StructureSignal& s : c.routing.signals.structure) {
      Rule r{s, ToLower(Trim(s.feature_type)), ToLower(Trim(s.source.type)),
             s.predicate.value_or(config::NumericPredicate{})};
      const bool cs = s.source.case_sensitive;
      if (r.source_type == "regex") {
        const auto key = std::make_pair(s.source.pattern, cs);
        auto slot = std::find(regex_keys_.begin(), regex_keys_.end(), key);
        if (slot == regex_keys_.end()) {
          RE2::Options options;
          options.set_case_sensitive(cs);
          options.set_log_errors(false);
          RegexSource source{std::make_unique<RE2>(s.source.pattern, options), std::nullopt};
          if (!source.regex->ok()) {
            error = "structure rule '" + s.name + "': invalid regex: " + source.regex->error();
            return false;
          }
          if (auto literals = LiteralStrings(s.source.pattern, cs))
            source.literals.emplace(*literals);
          regexes_.push_back(std::move(source));
          regex_keys_.push_back(key);
          slot = regex_keys_.end() - 1;
        }
        r.regex_slot = static_cast<size_t>(slot - regex_keys_.begin());
      }
      if (r.source_type == "keyword_set") {
        KeywordSets& sets = keyword_sets_[cs ? 1 : 0];
        for (const std::string& k : s.source.keywords) {
          keyword_needles[cs ? 1 : 0].push_back(cs ? k : utf8::ToLower(k));
          sets.rule.push_back(rules_.size());
          sets.boundary.push_back(!ContainsCjk(k));
        }
      }
      for (const auto& seq : s.source.sequences) {
        auto& out = r.sequences.emplace_back();
        for (const std::string& m : seq) out.push_back(cs ? m : utf8::ToLower(m));
      }
      rules_.push_back(std::move(r));
    }
    for (int cs = 0; cs < 2; ++cs) keyword_sets_[cs].automaton = AhoCorasick(keyword_needles[cs]);
    return true;
  }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const std::string& text = request.evaluation_text;
    out.confidence = 1.0;
    if (Trim(text).empty()) return;
    PerRequest cache{-1, std::vector<int>(regexes_.size(), -1), {}, {false, false}};
    for (const Rule& r : rules_) {
      const double value = FeatureValue(r, request, cache);
      if (!PredicateHolds(value, r.predicate)) continue;
      const std::string key = "structure:" + r.config.name;
      out.matched.push_back(r.config.name);
      out.values[key] = value;
      out.confidences[key] = Confidence(value, r.predicate);
    }
  }

 private:
  // Shared by the rules of one request: text units, the count of each distinct regex and of
  // each keyword_set rule.
  struct PerRequest {
    int units = -1;
    std::vector<int> regex_counts;    // by regex slot; -1 = not counted yet
    std::vector<int> keyword_counts;  // by rule, once its case mode is scanned
    bool keywords_scanned[2];
  };

  static std::string_view Candidate(const Rule& r, const request::Request& request) {
    return r.config.source.case_sensitive ? std::string_view(request.evaluation_text)
                                          : std::string_view(request.evaluation_text_lower);
  }

  int SourceCount(const Rule& r, const request::Request& request, PerRequest& cache) const {
    const std::string& type = r.source_type;
    if (type == "regex") {
      int& count = cache.regex_counts[r.regex_slot];
      if (count < 0) count = RegexCount(regexes_[r.regex_slot], request.evaluation_text);
      return count;
    }
    if (type == "keyword_set") {
      const int cs = r.config.source.case_sensitive ? 1 : 0;
      if (!cache.keywords_scanned[cs]) {
        cache.keyword_counts.resize(rules_.size(), 0);
        CountKeywords(keyword_sets_[cs], Candidate(r, request), cache.keyword_counts);
        cache.keywords_scanned[cs] = true;
      }
      return cache.keyword_counts[static_cast<size_t>(&r - rules_.data())];
    }
    if (type == "sequence") return SequenceMatched(r, Candidate(r, request)) ? 1 : 0;
    return 0;
  }

  // Adds each keyword's occurrences to its rule's count: left to right without overlapping an
  // earlier occurrence of the same keyword, and (keywords without CJK) only where no letter or
  // digit touches it on either side. A refused occurrence still blocks overlapping ones.
  static void CountKeywords(const KeywordSets& sets, std::string_view text,
                            std::vector<int>& counts) {
    std::vector<AhoCorasick::Match> matches;
    sets.automaton.ScanNonOverlapping(text, matches);
    for (const auto [needle, end] : matches) {
      const size_t start = end - sets.automaton.needle_length(needle);
      if (!sets.boundary[needle] ||
          (!BlocksBoundary(text, start, true) && !BlocksBoundary(text, end, false)))
        ++counts[sets.rule[needle]];
    }
  }

  static int RegexCount(const RegexSource& source, const std::string& text) {
    if (source.literals) {
      std::vector<AhoCorasick::Match> matches;
      source.literals->ScanNonOverlapping(text, matches);
      return static_cast<int>(matches.size());
    }
    const RE2& regex = *source.regex;
    if (!RE2::PartialMatch(text, regex)) return 0;  // the common case, at DFA speed
    int n = 0;
    re2::StringPiece input(text);
    re2::StringPiece match;
    size_t pos = 0;
    while (pos <= text.size() && regex.Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
      ++n;
      const size_t end = static_cast<size_t>(match.data() - text.data()) + match.size();
      pos = match.empty() ? end + 1 : end;
    }
    return n;
  }

  static bool SequenceMatched(const Rule& r, std::string_view candidate) {
    for (const auto& seq : r.sequences) {
      if (seq.empty()) continue;
      size_t from = 0;
      bool ok = true;
      for (const std::string& marker : seq) {
        const size_t at = FindBytes(candidate, marker, from);
        if (at == std::string_view::npos) {
          ok = false;
          break;
        }
        from = at + marker.size();
      }
      if (ok) return true;
    }
    return false;
  }

  double FeatureValue(const Rule& r, const request::Request& request, PerRequest& cache) const {
    const std::string& type = r.feature_type;
    const std::string& text = request.evaluation_text;
    if (type == "exists") {
      // Existence needs no count: one pass, no match boundaries.
      if (r.source_type == "regex") {
        const RegexSource& source = regexes_[r.regex_slot];
        if (source.literals) return source.literals->ContainsAny(text) ? 1 : 0;
        return RE2::PartialMatch(text, *source.regex) ? 1 : 0;
      }
      return SourceCount(r, request, cache) > 0 ? 1 : 0;
    }
    if (type == "count") return SourceCount(r, request, cache);
    if (type == "density") {
      if (cache.units < 0) cache.units = TextUnits(text);
      return cache.units <= 0 ? 0
                              : static_cast<double>(SourceCount(r, request, cache)) / cache.units;
    }
    if (type == "sequence") return SequenceMatched(r, Candidate(r, request)) ? 1 : 0;
    return 0;
  }

  static double Confidence(double value, const config::NumericPredicate& p) {
    if (p.empty()) return value > 0 ? 1.0 : 0;
    double distance = 1.0;
    if (p.gt) {
      distance = std::abs(value - *p.gt);
    } else if (p.gte) {
      distance = std::abs(value - *p.gte);
    } else if (p.lt) {
      distance = std::abs(*p.lt - value);
    } else if (p.lte) {
      distance = std::abs(*p.lte - value);
    }
    return std::max(0.5, 1.0 / (1.0 + std::exp(-4.0 * distance)));
  }

  std::vector<Rule> rules_;
  std::vector<RegexSource> regexes_;
  std::vector<std::pair<std::string, bool>> regex_keys_;  // (pattern, case-sensitive) per slot
  KeywordSets keyword_sets_[2];                           // [case-sensitive]
};

}  // namespace

std::unique_ptr<Signal> MakeStructureSignal(const config::Config& c, std::string& error) {
  auto signal = std::make_unique<StructureSignal>();
  if (!signal->Init(c, error)) return nullptr;
  return signal;
}

}  // namespace vsr::signals
