#include "cache/verify.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace vsr::cache {

namespace {

struct Token {
  std::string lower;
  bool capitalized = false;  // starts with an upper-case letter
  bool sentence_start = false;
  bool has_digit = false;
};

// Words, with "n't" kept on its word (don't -> "don't") and numbers kept whole (3.5, 1,000).
std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> out;
  bool at_start = true;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) || c >= 0x80) {
      Token t;
      t.sentence_start = at_start;
      t.capitalized = std::isupper(c) != 0;
      size_t j = i;
      while (j < text.size()) {
        const unsigned char d = static_cast<unsigned char>(text[j]);
        const bool inner_punct = (d == '\'' || d == '.' || d == ',' || d == '-') &&
                                 j + 1 < text.size() &&
                                 std::isalnum(static_cast<unsigned char>(text[j + 1])) && j > i;
        if (!(std::isalnum(d) || d >= 0x80 || inner_punct)) break;
        // "1,000" and "3.5" stay one token; "end.Next" does not matter here.
        if ((d == ',' || d == '.') && !std::isdigit(static_cast<unsigned char>(text[j - 1]))) break;
        if (std::isdigit(d)) t.has_digit = true;
        t.lower.push_back(static_cast<char>(std::tolower(d)));
        ++j;
      }
      if (t.lower.size() > 2 && t.lower.ends_with("'s")) t.lower.resize(t.lower.size() - 2);
      out.push_back(std::move(t));
      at_start = false;
      i = j;
    } else {
      if (c == '.' || c == '?' || c == '!' || c == '\n') at_start = true;
      ++i;
    }
  }
  return out;
}

bool IsNegation(const std::string& w) {
  static constexpr std::array<std::string_view, 14> kCues = {
      "not",    "no",      "never",  "none",    "nor",  "neither", "nothing",
      "cannot", "without", "nobody", "nowhere", "isnt", "dont",    "lack"};
  if (w.size() > 3 && w.ends_with("n't")) return true;
  return std::find(kCues.begin(), kCues.end(), w) != kCues.end();
}

bool IsStopWord(const std::string& w) {
  static constexpr std::array<std::string_view, 48> kStop = {
      "a",   "an",  "the",   "is",    "are",   "was", "were",  "be",     "to",    "of",
      "in",  "on",  "for",   "and",   "or",    "it",  "its",   "this",   "that",  "what",
      "how", "why", "do",    "does",  "did",   "can", "could", "should", "would", "will",
      "i",   "me",  "my",    "you",   "your",  "we",  "our",   "please", "with",  "at",
      "by",  "as",  "about", "there", "which", "who", "tell",  "some"};
  return std::find(kStop.begin(), kStop.end(), w) != kStop.end();
}

// "safe"/"unsafe", "legal"/"illegal", "likes"/"dislikes": one word is the other with a
// negating prefix.
bool NegatedByPrefix(const std::string& a, const std::string& b) {
  static constexpr std::array<std::string_view, 6> kPrefixes = {"un", "in",  "im",
                                                                "il", "dis", "non"};
  for (std::string_view p : kPrefixes) {
    if (a.size() == b.size() + p.size() && a.starts_with(p) && a.ends_with(b) && b.size() >= 3)
      return true;
  }
  return false;
}

struct Features {
  int negations = 0;
  std::vector<std::string> numbers;  // in order
  std::vector<std::string> names;    // words written capitalized mid-sentence
  std::vector<std::string> content;  // non-stop words, in order
};

Features Extract(std::string_view text) {
  Features f;
  for (const Token& t : Tokenize(text)) {
    if (IsNegation(t.lower)) {
      ++f.negations;
      continue;
    }
    if (t.has_digit) {
      std::string n;
      for (char c : t.lower) {
        if (c != ',') n.push_back(c);
      }
      f.numbers.push_back(n);
    }
    if (t.capitalized && !t.sentence_start && t.lower != "i") f.names.push_back(t.lower);
    if (!IsStopWord(t.lower)) f.content.push_back(t.lower);
  }
  return f;
}

template <typename T>
std::vector<T> Sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

bool SameQuestion(std::string_view cached, std::string_view query) {
  const Features a = Extract(cached);
  const Features b = Extract(query);
  if ((a.negations % 2) != (b.negations % 2)) return false;
  if (Sorted(a.numbers) != Sorted(b.numbers)) return false;
  // Named entities: a word either text writes as a name, followed through both texts (a name
  // may open one sentence and sit mid-sentence in the other). Other names, or the same names
  // in another order, make another question.
  std::vector<std::string> names = a.names;
  names.insert(names.end(), b.names.begin(), b.names.end());
  const auto name_sequence = [&names](const Features& f) {
    std::vector<std::string> seq;
    for (const std::string& w : f.content) {
      if (std::find(names.begin(), names.end(), w) != names.end()) seq.push_back(w);
    }
    return seq;
  };
  if (name_sequence(a) != name_sequence(b)) return false;
  for (const std::string& x : a.content) {
    for (const std::string& y : b.content) {
      if (NegatedByPrefix(x, y) || NegatedByPrefix(y, x)) return false;
    }
  }
  // The same words in another order ("dog bites man" / "man bites dog").
  if (a.content != b.content && Sorted(a.content) == Sorted(b.content)) return false;
  return true;
}

}  // namespace vsr::cache
