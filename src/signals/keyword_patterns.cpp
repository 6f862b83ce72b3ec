#include "signals/keyword_patterns.h"

#include <re2/re2.h>

#include "common/utf8.h"

namespace vsr::signals {

namespace {

bool IsAsciiWordChar(char c) {
  return utf8::IsAsciiAlnum(static_cast<unsigned char>(c)) || c == '_';
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

// The characters RE2's (?i) folds onto ASCII letters: KELVIN SIGN (k) and LONG S (s).
const std::vector<std::string> kNonAsciiFolds = {"\xE2\x84\xAA", "\xC5\xBF"};

std::unique_ptr<RE2::Set> NewSet() {
  RE2::Options options;
  options.set_max_mem(64 << 20);
  options.set_log_errors(false);
  return std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
}

}  // namespace

KeywordPatterns::KeywordPatterns() : all_(NewSet()), other_(NewSet()) {}
KeywordPatterns::~KeywordPatterns() = default;

int KeywordPatterns::AddLiteral(const std::string& keyword, bool case_sensitive,
                                std::string& error) {
  AsciiNeedle needle;
  needle.text = keyword;
  std::string pattern = RE2::QuoteMeta(keyword);
  if (HasWordCharNoHan(keyword)) {
    // Word boundaries only next to word characters: upstream's "\\bc\\+\\+\\b" can never match
    // "c++ code", since there is no boundary between "+" and " ".
    needle.left_boundary = IsAsciiWordChar(keyword.front());
    needle.right_boundary = IsAsciiWordChar(keyword.back());
    if (needle.left_boundary) pattern = "\\b" + pattern;
    if (needle.right_boundary) pattern += "\\b";
  }
  if (!case_sensitive) pattern = "(?i)" + pattern;
  const bool covered = !keyword.empty() && utf8::IsAscii(keyword);
  needle.pattern = AddToSets(pattern, covered, error);
  if (needle.pattern >= 0 && covered) {
    (case_sensitive ? exact_needles_ : folded_needles_).push_back(std::move(needle));
  }
  return needle.pattern;
}

int KeywordPatterns::AddRegex(const std::string& pattern, bool case_sensitive, std::string& error) {
  return AddToSets(case_sensitive ? pattern : "(?i)" + pattern, false, error);
}

int KeywordPatterns::AddToSets(const std::string& re2_pattern, bool covered, std::string& error) {
  const int index = all_->Add(re2_pattern, &error);
  if (index < 0) return -1;
  if (!covered) {
    if (other_->Add(re2_pattern, &error) < 0) return -1;
    other_index_.push_back(index);
  }
  ++size_;
  return index;
}

bool KeywordPatterns::Compile(std::string& error) {
  if (size_ == 0) return true;
  if (!all_->Compile() || (!other_index_.empty() && !other_->Compile())) {
    error = "the patterns need more memory than the 64 MiB limit";
    return false;
  }
  std::vector<std::string> texts;
  for (const AsciiNeedle& n : folded_needles_) texts.push_back(n.text);
  if (!texts.empty()) texts.insert(texts.end(), kNonAsciiFolds.begin(), kNonAsciiFolds.end());
  folded_ = AhoCorasick(texts, /*ascii_case_insensitive=*/true);
  texts.clear();
  for (const AsciiNeedle& n : exact_needles_) texts.push_back(n.text);
  exact_ = AhoCorasick(texts);
  return true;
}

void KeywordPatterns::MarkLiterals(const std::vector<AhoCorasick::Match>& found,
                                   const std::vector<AsciiNeedle>& needles, std::string_view text,
                                   std::vector<uint8_t>& hit) {
  for (const AhoCorasick::Match& m : found) {
    const AsciiNeedle& n = needles[m.needle];
    const size_t start = m.end - n.text.size();
    if (n.left_boundary && start > 0 && IsAsciiWordChar(text[start - 1])) continue;
    if (n.right_boundary && m.end < text.size() && IsAsciiWordChar(text[m.end])) continue;
    hit[static_cast<size_t>(n.pattern)] = 1;
  }
}

void KeywordPatterns::MatchWithRe2(std::string_view text, std::vector<uint8_t>& hit) const {
  thread_local std::vector<int> found;
  found.clear();
  all_->Match(text, &found);
  for (const int i : found) hit[static_cast<size_t>(i)] = 1;
}

void KeywordPatterns::Match(std::string_view text, std::vector<uint8_t>& hit) const {
  hit.assign(size_, 0);
  if (size_ == 0) return;
  thread_local std::vector<AhoCorasick::Match> found;
  if (!folded_needles_.empty()) {
    found.clear();
    folded_.Scan(text, found);
    for (const AhoCorasick::Match& m : found) {
      if (m.needle >= folded_needles_.size()) {  // a character only RE2 folds as Go does
        MatchWithRe2(text, hit);
        return;
      }
    }
    MarkLiterals(found, folded_needles_, text, hit);
  }
  if (!exact_needles_.empty()) {
    found.clear();
    exact_.Scan(text, found);
    MarkLiterals(found, exact_needles_, text, hit);
  }
  if (!other_index_.empty()) {
    thread_local std::vector<int> other_found;
    other_found.clear();
    other_->Match(text, &other_found);
    for (const int i : other_found)
      hit[static_cast<size_t>(other_index_[static_cast<size_t>(i)])] = 1;
  }
}

}  // namespace vsr::signals
