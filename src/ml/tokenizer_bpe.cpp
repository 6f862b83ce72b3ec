// The byte-level BPE half of Tokenizer (see tokenizer.h): GPT-2's pre-tokenization pattern
// written out by hand over Unicode classes (RE2 has no look-ahead for its `\s+(?!\S)`), the
// byte-to-character map, and rank-ordered merges.
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <climits>
#include <cstdio>
#include <functional>
#include <optional>
#include <queue>

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
    return !utf8::IsWhiteSpace(cp[k]) && !IsLetter(cp[k]) && !IsNumber(cp[k]);
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
      const size_t start = cp[i] == ' ' && i + 1 < n && !utf8::IsWhiteSpace(cp[i + 1]) ? i + 1 : i;
      if (IsLetter(cp[start])) {
        for (j = start; j < n && IsLetter(cp[j]);) ++j;
      } else if (IsNumber(cp[start])) {
        for (j = start; j < n && IsNumber(cp[j]);) ++j;
      } else if (other(start)) {
        for (j = start; j < n && other(j);) ++j;
      } else {  // whitespace: leave the last one to the word that follows, if any
        for (j = i; j < n && utf8::IsWhiteSpace(cp[j]);) ++j;
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
  byte_fallback_ = flag(m, "byte_fallback", false);
  fuse_unk_ = flag(m, "fuse_unk", false);
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const json::value* v = m.if_contains(key); v && v->is_string() && !v->as_string().empty()) {
      return fail(std::string("model.") + key + " is not supported yet");
    }
  }
  const json::object* pre = static_cast<const json::object*>(pre_json);
  const json::value* pt = pre ? pre->if_contains("type") : nullptr;
  if (pt == nullptr) return true;  // SentencePiece-style: the whole text is one word
  if (*pt == "Metaspace") return LoadMetaspace(source, pre_json, error);
  if (*pt != "ByteLevel") {
    return fail("pre_tokenizer " + json::serialize(*pt) +
                " is not supported with BPE yet (ByteLevel, Metaspace or none are)");
  }
  byte_level_ = true;
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
    // One printable character per input byte; each maps back to its byte.
    std::string mapped;
    Ranges source;
    for (size_t k = b; k < e; ++k) {
      const std::string& c = chars[static_cast<unsigned char>(text[k])];
      mapped += c;
      source.insert(source.end(), c.size(), {k, k + 1});
    }
    const size_t before = out.size();
    Bpe(mapped, 0, mapped.size(), source, out);
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

// Hugging Face's BPE: each character becomes a symbol (its vocabulary id; else, with
// byte_fallback, one <0xXX> symbol per byte; else the unknown token, runs fused with fuse_unk;
// else dropped), then adjacent pairs merge by rank — lowest first, leftmost on ties — through a
// heap, so a long unsplit text (SentencePiece-style files have no pre-tokenizer) costs
// O(n log n), not a rescan per merge.
void Tokenizer::Bpe(const std::string& s, size_t from, size_t to, const Ranges& source,
                    Encoding& out) const {
  if (to <= from) return;
  const auto emit = [&](const std::string& text, int32_t id, size_t b, size_t e) {
    out.ids.push_back(id);
    out.tokens.push_back(text);
    out.offsets.emplace_back(source[b].first, source[e - 1].second);
  };
  if (ignore_merges_) {
    const std::string word = s.substr(from, to - from);
    if (auto it = vocab_.find(word); it != vocab_.end()) {
      emit(word, it->second, from, to);
      return;
    }
  }
  struct Symbol {
    std::string text;
    int32_t id;
    size_t begin, end;  // bytes of s
    int prev, next;     // neighbours (-1: none); a merged-away symbol has end == begin
  };
  std::vector<Symbol> symbols;
  const auto push = [&](std::string text, int32_t id, size_t b, size_t e) {
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({std::move(text), id, b, e, index - 1, -1});
    if (index > 0) symbols[static_cast<size_t>(index) - 1].next = index;
  };
  const auto unk = vocab_.find(unk_token_);
  const bool can_unk = has_unk_ && unk != vocab_.end();
  std::optional<std::pair<size_t, size_t>> pending_unk;  // bytes of a (fused) unknown run
  const auto flush_unk = [&] {
    if (pending_unk) push(unk_token_, unk->second, pending_unk->first, pending_unk->second);
    pending_unk.reset();
  };
  for (size_t i = from; i < to;) {
    const size_t b = i;
    utf8::Next(s, i);
    const std::string ch = s.substr(b, i - b);
    if (auto it = vocab_.find(ch); it != vocab_.end()) {
      flush_unk();
      push(ch, it->second, b, i);
      continue;
    }
    if (byte_fallback_) {
      std::vector<std::pair<std::string, int32_t>> bytes;
      for (size_t k = b; k < i; ++k) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(s[k]));
        auto it = vocab_.find(name);
        if (it == vocab_.end()) break;
        bytes.emplace_back(name, it->second);
      }
      if (bytes.size() == i - b) {
        flush_unk();
        for (size_t k = 0; k < bytes.size(); ++k) {
          push(bytes[k].first, bytes[k].second, b + k, b + k + 1);
        }
        continue;
      }
    }
    if (!can_unk) continue;  // no id and no unknown token: dropped, as HF drops it
    if (pending_unk && fuse_unk_) {
      pending_unk->second = i;
    } else {
      flush_unk();
      pending_unk = std::make_pair(b, i);
    }
  }
  flush_unk();

  using Candidate = std::pair<int32_t, int>;  // (rank, left symbol): smallest first
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  const auto rank_of = [&](int left) -> int32_t {
    const Symbol& l = symbols[static_cast<size_t>(left)];
    if (l.next < 0) return -1;
    auto it = merge_rank_.find(l.text + " " + symbols[static_cast<size_t>(l.next)].text);
    return it == merge_rank_.end() ? -1 : it->second;
  };
  const auto consider = [&](int left) {
    if (left < 0) return;
    if (const int32_t r = rank_of(left); r >= 0) heap.emplace(r, left);
  };
  for (int k = 0; k + 1 < static_cast<int>(symbols.size()); ++k) consider(k);
  while (!heap.empty()) {
    const auto [rank, left] = heap.top();
    heap.pop();
    Symbol& l = symbols[static_cast<size_t>(left)];
    if (l.end == l.begin || rank_of(left) != rank) continue;  // stale: a neighbour changed
    Symbol& r = symbols[static_cast<size_t>(l.next)];
    l.text += r.text;
    l.end = r.end;
    auto it = vocab_.find(l.text);
    l.id = it != vocab_.end() ? it->second : (can_unk ? unk->second : -1);
    r.begin = r.end;  // merged away
    l.next = r.next;
    if (l.next >= 0) symbols[static_cast<size_t>(l.next)].prev = left;
    consider(l.prev);
    consider(left);
  }
  for (int k = symbols.empty() ? -1 : 0; k >= 0; k = symbols[static_cast<size_t>(k)].next) {
    const Symbol& sym = symbols[static_cast<size_t>(k)];
    if (sym.id >= 0) emit(sym.text, sym.id, sym.begin, sym.end);
  }
}

}  // namespace vsr::ml
