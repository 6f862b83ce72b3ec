// Every occurrence of a fixed set of byte strings in one pass over a text: an Aho-Corasick
// automaton compiled at construction into a DFA over byte classes (bytes that appear in no
// needle share one class), so a scan is one table load per byte whatever the needle count.
// Rule signals use it where they used to search the text once per keyword.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vsr {

class AhoCorasick {
 public:
  AhoCorasick() = default;
  // Empty needles never match; duplicates each report their own index. ASCII case-insensitive:
  // an ASCII letter of a needle matches either case in the text (other bytes as they are), at
  // no cost to the scan (both cases are one byte class).
  explicit AhoCorasick(const std::vector<std::string>& needles,
                       bool ascii_case_insensitive = false);

  size_t needle_count() const { return lengths_.size(); }
  size_t needle_length(size_t needle) const { return lengths_[needle]; }

  struct Match {
    size_t needle;
    size_t end;  // offset one past its last byte
  };
  // Every occurrence, overlapping ones included, in order of end offset (occurrences ending
  // at the same offset: longer needles first), appended to `out`.
  void Scan(std::string_view text, std::vector<Match>& out) const;
  // Scan's occurrences without those that overlap an earlier occurrence of the same needle:
  // what searching for each needle again from the end of its last occurrence would find.
  void ScanNonOverlapping(std::string_view text, std::vector<Match>& out) const;

  bool ContainsAny(std::string_view text) const;

 private:
  void ScanFromRareStarts(std::string_view text, std::vector<Match>& out) const;
  void Emit(uint32_t state, size_t end, std::vector<Match>& out) const;
  // Walks text[from, until) from `state`; reports the matches that end after `report_after`.
  uint32_t Walk(std::string_view text, size_t from, size_t until, size_t report_after,
                uint32_t state, std::vector<Match>& out) const;

  std::array<uint16_t, 256> byte_class_{};
  uint32_t classes_ = 1;
  // States are numbered premultiplied (number * classes_, so a step is one add and one load)
  // and those where a needle ends come last, so "is this a match" is one comparison.
  std::vector<uint32_t> next_;  // state + class -> state
  uint32_t first_match_state_ = 0;
  std::vector<uint32_t> out_begin_;  // (state - first_match_state_) / classes_ -> its slice of
  std::vector<uint32_t> outputs_;    // outputs_, the needle indices ending there
  std::vector<size_t> lengths_;
  size_t longest_ = 0;
  // The bytes that start a needle, when there are so few that searching for them beats
  // stepping through every byte.
  static constexpr size_t kMaxRareStarts = 2;
  std::vector<unsigned char> rare_starts_;
};

}  // namespace vsr
