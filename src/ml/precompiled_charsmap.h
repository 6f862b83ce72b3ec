// SentencePiece's Precompiled normalizer, as Hugging Face's tokenizers runs it (XLM-R, mBART,
// T5 and other SentencePiece conversions carry one in tokenizer.json). The charsmap is base64
// of: a little-endian u32 byte size of a darts-clone double-array trie, the trie's 32-bit units
// (keys: UTF-8 byte strings; values: offsets into the rest), then the NUL-terminated
// replacement strings. SentencePiece compiles its normalization rules (nmt_nfkc: NFKC plus
// whitespace and control-character handling) into it.
//
// tokenizers normalizes one extended grapheme cluster at a time: a cluster shorter than 6 bytes
// that the trie transforms is replaced whole, otherwise each of its characters is transformed
// or kept. A transform takes the *shortest* key that prefixes the chunk (tokenizers' own
// choice, kept here because its ids are what models were trained on).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::ml {

class PrecompiledCharsmap {
 public:
  // From the base64 text of `precompiled_charsmap`; null with `error` saying what is wrong.
  static std::unique_ptr<PrecompiledCharsmap> FromBase64(std::string_view text, std::string& error);

  // The replacement for `chunk` (see above); nullopt when no key prefixes it.
  std::optional<std::string_view> Transform(std::string_view chunk) const;

  // `text` normalized; `emit(replacement, begin, end)` is called for each piece of the output
  // with the byte range of `text` it replaces (a kept character: its own bytes).
  template <typename Emit>
  void Normalize(std::string_view text, Emit&& emit) const;

 private:
  PrecompiledCharsmap() = default;
  // Byte lengths of the extended grapheme clusters of `text`, in order.
  static void Graphemes(std::string_view text, std::vector<size_t>& lengths);

  std::vector<uint32_t> units_;
  std::string replacements_;
  // Transform of each single ASCII byte (-1: none, else an offset into replacements_): most
  // text is ASCII, and there every cluster but "\r\n" is one byte.
  std::array<int32_t, 128> ascii_{};
};

template <typename Emit>
void PrecompiledCharsmap::Normalize(std::string_view text, Emit&& emit) const {
  const auto each_char = [&](size_t from, size_t to) {
    for (size_t i = from; i < to;) {
      size_t e = i + 1;
      while (e < to && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) ++e;
      const std::optional<std::string_view> r = Transform(text.substr(i, e - i));
      emit(r ? *r : text.substr(i, e - i), i, e);
      i = e;
    }
  };
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {  // one cluster
        if (const std::optional<std::string_view> r = Transform(text.substr(i, 2))) {
          emit(*r, i, i + 2);
        } else {
          each_char(i, i + 2);
        }
        ++i;
        continue;
      }
      const int32_t r = ascii_[static_cast<unsigned char>(text[i])];
      emit(r < 0 ? text.substr(i, 1) : std::string_view(replacements_.data() + r), i, i + 1);
    }
    return;
  }
  std::vector<size_t> lengths;
  Graphemes(text, lengths);
  size_t at = 0;
  for (size_t n : lengths) {
    std::optional<std::string_view> whole;
    if (n < 6) whole = Transform(text.substr(at, n));
    if (whole) {
      emit(*whole, at, at + n);
    } else {
      each_char(at, at + n);
    }
    at += n;
  }
}

}  // namespace vsr::ml
