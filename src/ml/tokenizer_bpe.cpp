// The byte-level BPE half of Tokenizer (see tokenizer.h): GPT-2's pre-tokenization pattern
// written out by hand over Unicode classes (RE2 has no look-ahead for its `\s+(?!\S)`), the
// byte-to-character map, and rank-ordered merges.
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <climits>

#include "common/utf8.h"
#include "ml/tokenizer.h"

namespace vsr::ml {

namespace json = boost::json;

namespace {

bool IsLetter(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool IsNumber(char32_t c) {
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return true;
    default:
      return false;
  }
}

bool IsSpace(char32_t c) {
  return u_isUWhiteSpace(static_cast<UChar32>(c)) != 0;
}

// GPT-2's byte -> printable character map: printable Latin-1 bytes map to themselves, the
// others to U+0100 onwards in byte order (so a space reads "Ġ").
const std::array<std::string, 256>& ByteChars() {
  static const std::array<std::string, 256> chars = [] {
    std::array<std::string, 256> out;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      utf8::Append(out[static_cast<size_t>(b)], printable ? static_cast<char32_t>(b) : next++);
    }
    return out;
  }();
  return chars;
}

// GPT-2's pattern: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// as byte ranges of `text`.
std::vector<std::pair<size_t, size_t>> SplitGpt2(std::string_view text) {
  std::vector<char32_t> cp;
  std::vector<size_t> at;  // byte offset of each code point, plus the end
  for (size_t i = 0; i < text.size();) {
    at.push_back(i);
    cp.push_back(utf8::Next(text, i));
  }
  at.push_back(text.size());
  const size_t n = cp.size();
  const auto other = [&](size_t k) {
    return !IsSpace(cp[k]) && !IsLetter(cp[k]) && !IsNumber(cp[k]);
  };
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    if (cp[i] == '\'' && i + 1 < n) {  // contractions, lower-case as in the pattern
      const char32_t a = cp[i + 1], b = i + 2 < n ? cp[i + 2] : 0;
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
        j = i + 3;
      } else if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        j = i + 2;
      }
    }
    if (j == i) {
      const size_t start = cp[i] == ' ' && i + 1 < n && !IsSpace(cp[i + 1]) ? i + 1 : i;
      if (IsLetter(cp[start])) {
        for (j = start; j < n && IsLetter(cp[j]);) ++j;
      } else if (IsNumber(cp[start])) {
        for (j = start; j < n && IsNumber(cp[j]);) ++j;
      } else if (other(start)) {
        for (j = start; j < n && other(j);) ++j;
      } else {  // whitespace: leave the last one to the word that follows, if any
        for (j = i; j < n && IsSpace(cp[j]);) ++j;
        if (j < n && j - i > 1) --j;
      }
    }
    out.emplace_back(at[i], at[j]);
    i = j;
  }
  return out;
}

}  // namespace

bool Tokenizer::LoadBpe(const std::string& source, const void* model_json, const void* pre_json,
                        std::string& error) {
  const json::object& m = *static_cast<const json::object*>(model_json);
  const auto fail = [&](const std::string& why) {
    error = source + ": " + why;
    return false;
  };
  bpe_ = true;
  const json::value* merges = m.if_contains("merges");
  if (merges == nullptr || !merges->is_array()) return fail("model.merges is missing");
  int32_t rank = 0;
  for (const json::value& merge : merges->as_array()) {
    std::string key;
    if (merge.is_string()) {  // "left right"
      key = std::string(merge.as_string());
    } else if (merge.is_array() && merge.as_array().size() == 2 &&
               merge.as_array()[0].is_string() && merge.as_array()[1].is_string()) {
      key = std::string(merge.as_array()[0].as_string()) + " " +
            std::string(merge.as_array()[1].as_string());
    } else {
      return fail("model.merges[" + std::to_string(rank) + "] is not a pair");
    }
    merge_rank_.emplace(std::move(key), rank++);
  }
  const json::value* unk = m.if_contains("unk_token");
  has_unk_ = unk != nullptr && unk->is_string();
  if (has_unk_) unk_token_ = std::string(unk->as_string());
  const auto flag = [](const json::object& o, const char* key, bool fallback) {
    const json::value* v = o.if_contains(key);
    return v && v->is_bool() ? v->as_bool() : fallback;
  };
  ignore_merges_ = flag(m, "ignore_merges", false);
  if (flag(m, "byte_fallback", false)) return fail("model.byte_fallback is not supported yet");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const json::value* v = m.if_contains(key); v && v->is_string() && !v->as_string().empty()) {
      return fail(std::string("model.") + key + " is not supported yet");
    }
  }
  const json::object* pre = static_cast<const json::object*>(pre_json);
  const json::value* pt = pre ? pre->if_contains("type") : nullptr;
  if (pt == nullptr || *pt != "ByteLevel") {
    return fail("pre_tokenizer " + (pt ? json::serialize(*pt) : std::string("(none)")) +
                " is not supported with BPE yet (ByteLevel is)");
  }
  add_prefix_space_ = flag(*pre, "add_prefix_space", false);
  use_regex_ = flag(*pre, "use_regex", true);
  trim_offsets_ = flag(*pre, "trim_offsets", true);
  return true;
}

void Tokenizer::ByteLevelBpe(std::string_view text, size_t offset, Encoding& out) const {
  std::string owned;
  size_t shift = 0;  // bytes added in front (the prefix space) that the caller's text lacks
  if (add_prefix_space_ && !text.empty() && text.front() != ' ') {
    owned = " " + std::string(text);
    text = owned;
    shift = 1;
  }
  const std::vector<std::pair<size_t, size_t>> pieces =
      use_regex_ ? SplitGpt2(text) : std::vector<std::pair<size_t, size_t>>{{0, text.size()}};
  const auto& chars = ByteChars();
  for (const auto& [b, e] : pieces) {
    std::string mapped;
    for (size_t k = b; k < e; ++k) mapped += chars[static_cast<unsigned char>(text[k])];
    const size_t before = out.size();
    Bpe(mapped, b, out);
    // Offsets: back to the caller's text; trim_offsets drops the leading space of a token.
    for (size_t t = before; t < out.size(); ++t) {
      auto& [tb, te] = out.offsets[t];
      if (trim_offsets_) {
        while (tb < te && text[tb] == ' ') ++tb;
      }
      tb = (tb >= shift ? tb - shift : 0) + offset;
      te = (te >= shift ? te - shift : 0) + offset;
    }
  }
}

// Merges the characters of `mapped` (one per byte of the input from `begin`) by rank, lowest
// first, leftmost on ties; each resulting symbol is one token.
void Tokenizer::Bpe(const std::string& mapped, size_t begin, Encoding& out) const {
  struct Symbol {
    std::string text;
    size_t bytes;  // input bytes it covers
  };
  std::vector<Symbol> symbols;
  if (ignore_merges_) {
    if (auto it = vocab_.find(mapped); it != vocab_.end()) {
      size_t bytes = 0;
      for (size_t i = 0; i < mapped.size(); ++bytes) utf8::Next(mapped, i);
      out.ids.push_back(it->second);
      out.tokens.push_back(mapped);
      out.offsets.emplace_back(begin, begin + bytes);
      return;
    }
  }
  for (size_t i = 0; i < mapped.size();) {
    const size_t start = i;
    utf8::Next(mapped, i);
    symbols.push_back({mapped.substr(start, i - start), 1});
  }
  for (;;) {
    int32_t best = INT32_MAX;
    size_t at = 0;
    for (size_t k = 0; k + 1 < symbols.size(); ++k) {
      auto it = merge_rank_.find(symbols[k].text + " " + symbols[k + 1].text);
      if (it != merge_rank_.end() && it->second < best) {
        best = it->second;
        at = k;
      }
    }
    if (best == INT32_MAX) break;
    symbols[at].text += symbols[at + 1].text;
    symbols[at].bytes += symbols[at + 1].bytes;
    symbols.erase(symbols.begin() + static_cast<long>(at) + 1);
  }
  size_t pos = begin;
  for (const Symbol& s : symbols) {
    if (auto it = vocab_.find(s.text); it != vocab_.end()) {
      out.ids.push_back(it->second);
      out.tokens.push_back(s.text);
    } else if (has_unk_ && vocab_.count(unk_token_)) {
      out.ids.push_back(vocab_.at(unk_token_));
      out.tokens.push_back(unk_token_);
    } else {
      pos += s.bytes;  // no id and no unknown token: the symbol is dropped, as HF drops it
      continue;
    }
    out.offsets.emplace_back(pos, pos + s.bytes);
    pos += s.bytes;
  }
}

}  // namespace vsr::ml
