#include "signals/keyword_words.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "common/swar.h"
#include "common/utf8.h"

namespace vsr::signals {
namespace {

// Stop words are at most 5 ASCII letters. A word that short is packed into an integer (byte j
// at bits 8j, lower-cased), and the table is a perfect hash: one probe, no chain.
constexpr size_t kStopWordMaxLength = 5;

uint64_t PackedLowerAscii(std::string_view word) {
  uint64_t key = 0;
  for (size_t j = 0; j < word.size(); ++j) {
    const auto c = static_cast<unsigned char>(word[j]);
    key |= static_cast<uint64_t>((c >= 'A' && c <= 'Z') ? c + 32 : c) << (8 * j);
  }
  return key;
}

struct StopWordTable {
  std::array<uint64_t, 256> keys{};  // 0 = empty: no word packs to 0
  uint64_t multiplier = 0x9E3779B97F4A7C15ULL;

  size_t Slot(uint64_t key) const { return (key * multiplier) >> 56; }
  bool Contains(uint64_t key) const { return keys[Slot(key)] == key; }

  StopWordTable() {
    static constexpr std::string_view kWords[] = {
        "a",    "an",   "and",  "are",   "as",   "at",    "be",    "but",  "by",   "for",
        "if",   "in",   "into", "is",    "it",   "no",    "not",   "of",   "on",   "or",
        "such", "that", "the",  "their", "then", "there", "these", "they", "this", "to",
        "was",  "will", "with", "i",     "you",  "me",    "my",    "we"};
    // Try multipliers until the words land in distinct slots (a few dozen tries at most).
    for (;; multiplier += 0x1000000002ULL) {
      keys.fill(0);
      bool distinct = true;
      for (std::string_view w : kWords) {
        uint64_t& slot = keys[Slot(PackedLowerAscii(w))];
        distinct = distinct && slot == 0;
        slot = PackedLowerAscii(w);
      }
      if (distinct) return;
    }
  }
};

const StopWordTable& StopWords() {
  static const StopWordTable table;
  return table;
}

// ASCII text: word boundaries are found without a branch per byte (a boundary is where
// "is a word byte" flips), then each word is checked against the stop words with its first
// eight bytes loaded at once and lower-cased together.
std::vector<std::string_view> SplitAsciiWords(std::string_view text, bool drop_stop_words) {
  static const std::array<uint8_t, 256> kWordByte = [] {
    std::array<uint8_t, 256> t{};
    for (int c = 0; c < 128; ++c) t[static_cast<size_t>(c)] = utf8::IsAsciiAlnum(c) ? 1 : 0;
    return t;
  }();
  std::vector<uint32_t> bounds(text.size() + 1);  // word starts and ends, alternating
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = 0;
  uint8_t previous = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const uint8_t word = kWordByte[bytes[i]];
    bounds[n] = static_cast<uint32_t>(i);
    n += word ^ previous;
    previous = word;
  }
  if (previous) bounds[n++] = static_cast<uint32_t>(text.size());
  std::vector<std::string_view> words(n / 2);
  const StopWordTable& stop = StopWords();
  size_t kept = 0;
  for (size_t k = 0; k + 1 < n; k += 2) {
    const size_t start = bounds[k], length = bounds[k + 1] - start;
    bool is_stop = false;
    if (drop_stop_words) {
      uint64_t raw = 0;
      std::memcpy(&raw, bytes + start, std::min<size_t>(8, text.size() - start));
      raw &= ~uint64_t{0} >> (64 - 8 * std::min(length, kStopWordMaxLength));
      is_stop = length <= kStopWordMaxLength && stop.Contains(swar::LowerAscii(raw));
    }
    words[kept] = text.substr(start, length);
    kept += is_stop ? 0 : 1;
  }
  words.resize(kept);
  return words;
}

}  // namespace

bool IsStopWord(std::string_view word) {
  if (word.empty() || word.size() > kStopWordMaxLength || !utf8::IsAscii(word)) return false;
  return StopWords().Contains(PackedLowerAscii(word));
}

std::vector<std::string_view> SplitWords(std::string_view text, bool drop_stop_words) {
  if (utf8::IsAscii(text)) return SplitAsciiWords(text, drop_stop_words);
  std::vector<std::string_view> words;
  words.reserve(text.size() / 5);
  size_t start = std::string_view::npos;
  auto flush = [&](size_t end) {
    if (start == std::string_view::npos) return;
    const std::string_view word = text.substr(start, end - start);
    if (!drop_stop_words || !IsStopWord(word)) words.push_back(word);
    start = std::string_view::npos;
  };
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const auto b = static_cast<unsigned char>(text[i]);
    bool word;
    if (b < 0x80) {
      word = utf8::IsAsciiAlnum(b);
      ++i;
    } else {
      word = utf8::IsLetterOrDigit(utf8::Next(text, i));
    }
    if (word && start == std::string_view::npos) start = at;
    if (!word) flush(at);
  }
  flush(text.size());
  return words;
}

}  // namespace vsr::signals
