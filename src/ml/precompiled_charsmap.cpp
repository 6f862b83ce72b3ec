#include "ml/precompiled_charsmap.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <cstring>

#include "common/base64.h"

namespace vsr::ml {
namespace {

// A darts-clone unit: a child's label and the offset to its children, or (in a leaf) a value.
bool HasLeaf(uint32_t unit) {
  return ((unit >> 8) & 1) != 0;
}
uint32_t Value(uint32_t unit) {
  return unit & ((1u << 31) - 1);
}
uint32_t Label(uint32_t unit) {
  return unit & ((1u << 31) | 0xFF);
}
uint32_t Offset(uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

}  // namespace

std::unique_ptr<PrecompiledCharsmap> PrecompiledCharsmap::FromBase64(std::string_view text,
                                                                     std::string& error) {
  const std::optional<std::string> blob = DecodeBase64(text);
  if (!blob) {
    error = "precompiled_charsmap is not base64";
    return nullptr;
  }
  if (blob->size() < 4) {
    error = "precompiled_charsmap is too short to hold its trie's size";
    return nullptr;
  }
  uint32_t trie_bytes = 0;
  for (int i = 3; i >= 0; --i) {
    trie_bytes = (trie_bytes << 8) | static_cast<unsigned char>((*blob)[static_cast<size_t>(i)]);
  }
  if (trie_bytes == 0 || trie_bytes % 4 != 0 || trie_bytes > blob->size() - 4) {
    error = "precompiled_charsmap's trie size (" + std::to_string(trie_bytes) +
            " bytes) does not fit its " + std::to_string(blob->size()) + " bytes";
    return nullptr;
  }
  auto map = std::unique_ptr<PrecompiledCharsmap>(new PrecompiledCharsmap());
  map->units_.resize(trie_bytes / 4);
  for (size_t u = 0; u < map->units_.size(); ++u) {  // little-endian on every host
    const auto* p = reinterpret_cast<const unsigned char*>(blob->data() + 4 + u * 4);
    map->units_[u] = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
  }
  map->replacements_ = blob->substr(4 + trie_bytes);
  // Every replacement ends with a NUL within the blob, so views built from offsets stay in it.
  if (!map->replacements_.empty() && map->replacements_.back() != '\0') {
    map->replacements_ += '\0';
  }
  for (int c = 0; c < 128; ++c) {
    const char ch = static_cast<char>(c);
    const std::optional<std::string_view> r = map->Transform(std::string_view(&ch, 1));
    map->ascii_[static_cast<size_t>(c)] =
        r ? static_cast<int32_t>(r->data() - map->replacements_.data()) : -1;
  }
  return map;
}

std::optional<std::string_view> PrecompiledCharsmap::Transform(std::string_view chunk) const {
  // Darts-clone's common-prefix search, stopped at the first (shortest) key found. Every index
  // is checked: the charsmap comes from a file.
  size_t node = 0;
  if (units_.empty()) return std::nullopt;
  node ^= Offset(units_[0]);
  for (char ch : chunk) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;
    node ^= c;
    if (node >= units_.size()) return std::nullopt;
    const uint32_t unit = units_[node];
    if (Label(unit) != c) return std::nullopt;
    node ^= Offset(unit);
    if (node >= units_.size()) return std::nullopt;
    if (HasLeaf(unit)) {
      const uint32_t at = Value(units_[node]);
      if (at >= replacements_.size()) return std::nullopt;
      return std::string_view(replacements_.data() + at);  // up to its NUL
    }
  }
  return std::nullopt;
}

void PrecompiledCharsmap::Graphemes(std::string_view text, std::vector<size_t>& lengths) {
  // ICU's character break iterator gives extended grapheme clusters (what tokenizers'
  // unicode-segmentation gives); over a UTF-8 UText its indices are byte offsets. One
  // iterator per thread: creating one loads the break rules.
  thread_local std::unique_ptr<icu::BreakIterator> iterator;
  UErrorCode status = U_ZERO_ERROR;
  if (!iterator) {
    iterator.reset(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  }
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (!iterator || U_FAILURE(status)) {  // no ICU data: one character at a time
    if (utext != nullptr) utext_close(utext);
    for (size_t i = 0; i < text.size();) {
      size_t e = i + 1;
      while (e < text.size() && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) ++e;
      lengths.push_back(e - i);
      i = e;
    }
    return;
  }
  iterator->setText(utext, status);
  int32_t previous = iterator->first();
  for (int32_t at = iterator->next(); at != icu::BreakIterator::DONE; at = iterator->next()) {
    lengths.push_back(static_cast<size_t>(at - previous));
    previous = at;
  }
  if (static_cast<size_t>(previous) < text.size()) {
    lengths.push_back(text.size() - static_cast<size_t>(previous));
  }
  utext_close(utext);
}

}  // namespace vsr::ml
