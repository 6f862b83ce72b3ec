// Structure features (upstream structure_classifier.go): count / exists / density / sequence
// over a regex, a keyword set or marker sequences, compared with a numeric predicate.
// Confidence grows with the distance from the predicate's bound (sigmoid, floor 0.5).
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/strings.h"
#include "common/utf8.h"
#include "signals/families.h"
#include "signals/predicate.h"

namespace vsr::signals {
namespace {

// Words and CJK characters: the denominator of density features.
int TextUnits(std::string_view text) {
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

int CountOccurrences(std::string_view text, std::string_view keyword) {
  if (keyword.empty()) return 0;
  const bool boundary = !ContainsCjk(keyword);
  int count = 0;
  for (size_t from = 0;;) {
    const size_t at = text.find(keyword, from);
    if (at == std::string_view::npos) return count;
    const size_t end = at + keyword.size();
    if (!boundary || (!BlocksBoundary(text, at, true) && !BlocksBoundary(text, end, false)))
      ++count;
    from = end;
  }
}

struct Rule {
  config::StructureSignal config;
  std::string feature_type;  // lower-cased once at load
  std::string source_type;
  config::NumericPredicate predicate;  // {} when the rule has none
  // Regex sources: rules with the same pattern and case mode share one compiled regex and one
  // per-request count (e.g. '[?？]' behind several question rules).
  const RE2* regex = nullptr;
  size_t regex_slot = 0;
  std::vector<std::string> keywords;                // lower-cased unless case-sensitive
  std::vector<std::vector<std::string>> sequences;  // same
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
          auto regex = std::make_unique<RE2>(s.source.pattern, options);
          if (!regex->ok()) {
            error = "structure rule '" + s.name + "': invalid regex: " + regex->error();
            return false;
          }
          regexes_.push_back(std::move(regex));
          regex_keys_.push_back(key);
          slot = regex_keys_.end() - 1;
        }
        r.regex_slot = static_cast<size_t>(slot - regex_keys_.begin());
        r.regex = regexes_[r.regex_slot].get();
      }
      for (const std::string& k : s.source.keywords)
        r.keywords.push_back(cs ? k : utf8::ToLower(k));
      for (const auto& seq : s.source.sequences) {
        auto& out = r.sequences.emplace_back();
        for (const std::string& m : seq) out.push_back(cs ? m : utf8::ToLower(m));
      }
      rules_.push_back(std::move(r));
    }
    return true;
  }

  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    const std::string& text = request.evaluation_text;
    out.confidence = 1.0;
    if (Trim(text).empty()) return;
    PerRequest cache{-1, std::vector<int>(regexes_.size(), -1)};
    for (const Rule& r : rules_) {
      const bool cs = r.config.source.case_sensitive;
      const std::string_view candidate =
          cs ? std::string_view(text) : std::string_view(request.evaluation_text_lower);
      const double value = FeatureValue(r, text, candidate, cache);
      if (!PredicateHolds(value, r.predicate)) continue;
      const std::string key = "structure:" + r.config.name;
      out.matched.push_back(r.config.name);
      out.values[key] = value;
      out.confidences[key] = Confidence(value, r.predicate);
    }
  }

 private:
  // Shared by the rules of one request: text units and the count of each distinct regex.
  struct PerRequest {
    int units = -1;
    std::vector<int> regex_counts;  // by regex slot; -1 = not counted yet
  };

  static int SourceCount(const Rule& r, const std::string& text, std::string_view candidate,
                         PerRequest& cache) {
    const std::string& type = r.source_type;
    if (type == "regex") {
      if (!r.regex) return 0;
      int& count = cache.regex_counts[r.regex_slot];
      if (count < 0) count = RegexCount(*r.regex, text);
      return count;
    }
    if (type == "keyword_set") {
      int n = 0;
      for (const std::string& k : r.keywords) n += CountOccurrences(candidate, k);
      return n;
    }
    if (type == "sequence") return SequenceMatched(r, candidate) ? 1 : 0;
    return 0;
  }

  static int RegexCount(const RE2& regex, const std::string& text) {
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
        const size_t at = candidate.find(marker, from);
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

  static double FeatureValue(const Rule& r, const std::string& text, std::string_view candidate,
                             PerRequest& cache) {
    const std::string& type = r.feature_type;
    if (type == "exists") {
      // Existence needs no count: one DFA pass, no match boundaries.
      if (r.source_type == "regex") return r.regex && RE2::PartialMatch(text, *r.regex) ? 1 : 0;
      return SourceCount(r, text, candidate, cache) > 0 ? 1 : 0;
    }
    if (type == "count") return SourceCount(r, text, candidate, cache);
    if (type == "density") {
      if (cache.units < 0) cache.units = TextUnits(text);
      return cache.units <= 0
                 ? 0
                 : static_cast<double>(SourceCount(r, text, candidate, cache)) / cache.units;
    }
    if (type == "sequence") return SequenceMatched(r, candidate) ? 1 : 0;
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
  std::vector<std::unique_ptr<RE2>> regexes_;
  std::vector<std::pair<std::string, bool>> regex_keys_;  // (pattern, case-sensitive) per slot
};

}  // namespace

std::unique_ptr<Signal> MakeStructureSignal(const config::Config& c, std::string& error) {
  auto signal = std::make_unique<StructureSignal>();
  if (!signal->Init(c, error)) return nullptr;
  return signal;
}

}  // namespace vsr::signals
