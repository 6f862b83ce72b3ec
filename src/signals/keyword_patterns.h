// The literal and regex keywords of every keyword rule, found in one pass over a text. A
// literal matches on ASCII word boundaries next to word characters (not for CJK keywords), a
// regex as written; either case-insensitively unless its rule is case-sensitive, with RE2's
// (?i) semantics, as upstream's Go regexps.
//
// Speed: pure-ASCII literals (nearly every keyword) are found by Aho-Corasick automata with
// the boundaries checked in code, a table load per byte; RE2's set costs ~12 instructions a
// byte and ~10k a call with \b and (?i). The rest (regexes, non-ASCII literals) stays in one
// RE2::Set. RE2's (?i) also folds two non-ASCII characters onto ASCII letters (KELVIN SIGN
// onto k, LONG S onto s): a text holding either is matched by RE2 alone, so the answer is
// RE2's in every case.
#pragma once

#include <re2/set.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/aho_corasick.h"

namespace vsr::signals {

class KeywordPatterns {
 public:
  KeywordPatterns();
  ~KeywordPatterns();
  KeywordPatterns(const KeywordPatterns&) = delete;
  KeywordPatterns& operator=(const KeywordPatterns&) = delete;

  // Each returns the keyword's pattern index, or -1 with `error` (RE2's words) set.
  int AddLiteral(const std::string& keyword, bool case_sensitive, std::string& error);
  int AddRegex(const std::string& pattern, bool case_sensitive, std::string& error);
  // After the last Add: false with `error` when RE2 needs more than its memory limit.
  bool Compile(std::string& error);

  size_t size() const { return size_; }
  // hit[i] = 1 for every pattern i found in `text`, 0 for the others (hit is resized).
  void Match(std::string_view text, std::vector<uint8_t>& hit) const;

 private:
  // A pure-ASCII literal, found by an automaton; the boundaries are checked where it occurs.
  struct AsciiNeedle {
    std::string text;
    int pattern = 0;
    bool left_boundary = false;   // \b before it: no ASCII word character may precede it
    bool right_boundary = false;  // \b after it
  };

  int AddToSets(const std::string& re2_pattern, bool covered, std::string& error);
  void MatchWithRe2(std::string_view text, std::vector<uint8_t>& hit) const;
  static void MarkLiterals(const std::vector<AhoCorasick::Match>& found,
                           const std::vector<AsciiNeedle>& needles, std::string_view text,
                           std::vector<uint8_t>& hit);

  size_t size_ = 0;
  std::unique_ptr<RE2::Set> all_;    // every pattern, for texts only RE2 matches exactly
  std::unique_ptr<RE2::Set> other_;  // the patterns no automaton covers
  std::vector<int> other_index_;     // other_'s pattern -> pattern index
  std::vector<AsciiNeedle> folded_needles_, exact_needles_;
  AhoCorasick folded_, exact_;  // case-insensitive / case-sensitive ASCII literals
};

}  // namespace vsr::signals
