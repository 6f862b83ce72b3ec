// The SentencePiece-style text handling of Tokenizer (see tokenizer.h), shared by Unigram and
// SentencePiece-style BPE files: Replace/Prepend/Precompiled/NFKC (and NFC, NFD, NFKD)
// normalizer steps and the Metaspace
// pre-tokenizer (spaces become "▁", an optional leading "▁", words split before each "▁"), each
// byte keeping the range of the input it came from.
#include <re2/re2.h>
#include <unicode/normalizer2.h>

#include <boost/json.hpp>

#include "common/utf8.h"
#include "ml/precompiled_charsmap.h"
#include "ml/tokenizer.h"

namespace vsr::ml {

namespace json = boost::json;

bool Tokenizer::LoadSentencePieceNormalizer(const std::string& source, const void* normalizer_json,
                                            std::string& error) {
  const json::value* n = static_cast<const json::value*>(normalizer_json);
  if (n == nullptr || n->is_null()) return true;
  const auto fail = [&](const std::string& why) {
    error = source + ": " + why;
    return false;
  };
  std::vector<const json::value*> steps{n};
  if (n->is_object() && n->as_object().contains("normalizers")) {
    const json::value& list = n->as_object().at("normalizers");
    if (!list.is_array()) return fail("normalizer.normalizers must be a list");
    steps.clear();
    for (const json::value& step : list.as_array()) steps.push_back(&step);
  }
  for (const json::value* step : steps) {
    const json::object* o = step->if_object();
    const json::value* type = o ? o->if_contains("type") : nullptr;
    const std::string name = type && type->is_string() ? std::string(type->as_string()) : "?";
    NormalizerStep added{};
    if (name == "Prepend") {
      const json::value* p = o->if_contains("prepend");
      if (!p || !p->is_string()) return fail("normalizer Prepend needs a 'prepend' string");
      added.kind = NormalizerStep::Kind::kPrepend;
      added.to = std::string(p->as_string());
    } else if (name == "Replace") {
      const json::value* pattern = o->if_contains("pattern");
      const json::object* p = pattern ? pattern->if_object() : nullptr;
      const json::value* literal = p ? p->if_contains("String") : nullptr;
      const json::value* regex = p ? p->if_contains("Regex") : nullptr;
      const json::value* content = o->if_contains("content");
      if (!content || !content->is_string()) {
        return fail("normalizer Replace needs a 'content' string");
      }
      added.to = std::string(content->as_string());
      if (literal && literal->is_string() && !literal->as_string().empty()) {
        added.kind = NormalizerStep::Kind::kReplace;
        added.from = std::string(literal->as_string());
      } else if (regex && regex->is_string() && !regex->as_string().empty()) {
        added.kind = NormalizerStep::Kind::kReplaceRegex;
        RE2::Options options;
        options.set_log_errors(false);
        auto compiled = std::make_shared<const RE2>(std::string(regex->as_string()), options);
        if (!compiled->ok()) {
          return fail("normalizer Replace's Regex " + json::serialize(*regex) +
                      " does not compile as RE2 (" + compiled->error() + ")");
        }
        added.regex = std::move(compiled);
      } else {
        return fail("normalizer Replace needs a non-empty String or Regex pattern");
      }
    } else if (name == "NFC" || name == "NFD" || name == "NFKC" || name == "NFKD") {
      UErrorCode status = U_ZERO_ERROR;
      const icu::Normalizer2* form = name == "NFC"    ? icu::Normalizer2::getNFCInstance(status)
                                     : name == "NFD"  ? icu::Normalizer2::getNFDInstance(status)
                                     : name == "NFKC" ? icu::Normalizer2::getNFKCInstance(status)
                                                      : icu::Normalizer2::getNFKDInstance(status);
      if (U_FAILURE(status)) return fail("normalizer " + name + ": ICU has no " + name + " data");
      added.kind = NormalizerStep::Kind::kUnicode;
      added.unicode = form;
    } else if (name == "Precompiled") {
      const json::value* map = o->if_contains("precompiled_charsmap");
      if (map == nullptr || map->is_null()) continue;  // tokenizers: no charsmap, no change
      if (!map->is_string()) return fail("normalizer Precompiled's charsmap must be a string");
      std::string why;
      std::shared_ptr<const PrecompiledCharsmap> charsmap =
          PrecompiledCharsmap::FromBase64(map->as_string(), why);
      if (!charsmap) return fail("normalizer Precompiled: " + why);
      added.kind = NormalizerStep::Kind::kPrecompiled;
      added.charsmap = std::move(charsmap);
    } else {
      return fail("normalizer \"" + name + "\" is not supported with " +
                  (bpe_ ? "BPE" : "Unigram") +
                  " yet (Replace, Prepend, Precompiled, NFC, NFD, NFKC and NFKD are)");
    }
    sp_normalizer_.push_back(std::move(added));
  }
  return true;
}

namespace {

// `text` in a Unicode normalization form, a segment at a time: a segment runs from one code
// point that starts afresh in that form (ICU's hasBoundaryBefore) to the next, so what each
// output byte came from stays within its segment. emit(normalized, from, to).
template <typename Emit>
void NormalizeUnicode(const icu::Normalizer2& form, const std::string& text, const Emit& emit) {
  size_t start = 0;
  const auto flush = [&](size_t end) {
    if (end <= start) return;
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString in = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data() + start, static_cast<int32_t>(end - start)));
    const icu::UnicodeString out = form.normalize(in, status);
    std::string bytes;
    if (U_SUCCESS(status)) {
      out.toUTF8String(bytes);
    } else {
      bytes.assign(text, start, end - start);  // left as it was
    }
    emit(bytes, start, end);
    start = end;
  };
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const char32_t c = utf8::Next(text, i);
    if (at > start && form.hasBoundaryBefore(static_cast<UChar32>(c))) flush(at);
  }
  flush(text.size());
}

}  // namespace

void Tokenizer::Normalize(std::string& norm, Ranges& source) const {
  std::string next;
  Ranges next_source;
  // Appends `s`, which replaces norm[from, to): its bytes come from that input range.
  const auto emit = [&](std::string_view s, size_t from, size_t to) {
    next += s;
    if (to == from + s.size() && std::string_view(norm).substr(from, to - from) == s) {
      next_source.insert(next_source.end(), source.begin() + static_cast<ptrdiff_t>(from),
                         source.begin() + static_cast<ptrdiff_t>(to));  // kept as it was
    } else {
      next_source.insert(next_source.end(), s.size(), {source[from].first, source[to - 1].second});
    }
  };
  for (const NormalizerStep& step : sp_normalizer_) {
    if (norm.empty()) break;
    next.clear();
    next_source.clear();
    switch (step.kind) {
      case NormalizerStep::Kind::kPrepend:
        norm.insert(0, step.to);
        source.insert(source.begin(), step.to.size(), source.front());
        continue;
      case NormalizerStep::Kind::kReplace:
        for (size_t i = 0; i < norm.size();) {
          const bool match = norm.compare(i, step.from.size(), step.from) == 0;
          const size_t n = match ? step.from.size() : 1;
          emit(match ? std::string_view(step.to) : std::string_view(norm).substr(i, 1), i, i + n);
          i += n;
        }
        break;
      case NormalizerStep::Kind::kReplaceRegex: {
        size_t at = 0;
        re2::StringPiece match;
        while (at < norm.size() &&
               step.regex->Match(norm, at, norm.size(), RE2::UNANCHORED, &match, 1)) {
          const auto from = static_cast<size_t>(match.data() - norm.data());
          if (from > at) emit(std::string_view(norm).substr(at, from - at), at, from);
          if (match.empty()) {  // an empty match replaces nothing: keep one byte, go on
            if (from >= norm.size()) break;
            emit(std::string_view(norm).substr(from, 1), from, from + 1);
            at = from + 1;
            continue;
          }
          emit(step.to, from, from + match.size());
          at = from + match.size();
        }
        if (at < norm.size()) emit(std::string_view(norm).substr(at), at, norm.size());
        break;
      }
      case NormalizerStep::Kind::kPrecompiled:
        step.charsmap->Normalize(norm, emit);
        break;
      case NormalizerStep::Kind::kUnicode:
        NormalizeUnicode(*static_cast<const icu::Normalizer2*>(step.unicode), norm, emit);
        break;
    }
    norm.swap(next);
    source.swap(next_source);
  }
}

bool Tokenizer::LoadMetaspace(const std::string& source, const void* pre_json, std::string& error) {
  const json::object* pre = static_cast<const json::object*>(pre_json);
  metaspace_ = true;
  if (const json::value* r = pre->if_contains("replacement"); r && r->is_string()) {
    replacement_ = std::string(r->as_string());
  }
  prepend_ = "always";
  if (const json::value* p = pre->if_contains("prepend_scheme"); p && p->is_string()) {
    prepend_ = std::string(p->as_string());
  } else if (const json::value* a = pre->if_contains("add_prefix_space"); a && a->is_bool()) {
    prepend_ = a->as_bool() ? "always" : "never";
  }
  if (prepend_ != "always" && prepend_ != "first" && prepend_ != "never") {
    error =
        source + ": pre_tokenizer.prepend_scheme '" + prepend_ + "' is not always, first or never";
    return false;
  }
  if (const json::value* sp = pre->if_contains("split"); sp && sp->is_bool()) {
    split_ = sp->as_bool();
  }
  return true;
}

void Tokenizer::SentencePiece(std::string_view text, size_t offset, bool first,
                              Encoding& out) const {
  // The text with each byte's source range (a character's bytes share the character's range).
  std::string norm;
  Ranges source;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t b = i;
    while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) --b;
    size_t e = i + 1;
    while (e < text.size() && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) ++e;
    norm += text[i];
    source.emplace_back(offset + b, offset + e);
  }
  Normalize(norm, source);
  std::vector<std::pair<size_t, size_t>> words;  // byte ranges of norm
  if (metaspace_ && !norm.empty()) {
    std::string spaced;
    Ranges spaced_source;
    const auto add = [&](std::string_view s, std::pair<size_t, size_t> from) {
      spaced += s;
      spaced_source.insert(spaced_source.end(), s.size(), from);
    };
    if (prepend_ == "always" || (prepend_ == "first" && first)) {
      if (!std::string_view(norm).starts_with(" ") &&
          !std::string_view(norm).starts_with(replacement_)) {
        add(replacement_, {source.front().first, source.front().first});
      }
    }
    for (size_t i = 0; i < norm.size(); ++i) {
      add(norm[i] == ' ' ? std::string_view(replacement_) : std::string_view(&norm[i], 1),
          source[i]);
    }
    norm = std::move(spaced);
    source = std::move(spaced_source);
    // Words: split before each replacement character (it stays with the word it starts).
    size_t start = 0;
    for (size_t i = 0; split_ && i < norm.size();) {
      if (i > start && norm.compare(i, replacement_.size(), replacement_) == 0) {
        words.emplace_back(start, i);
        start = i;
      }
      i += norm.compare(i, replacement_.size(), replacement_) == 0 ? replacement_.size() : 1;
    }
    if (start < norm.size()) words.emplace_back(start, norm.size());
  } else if (!norm.empty()) {
    words.emplace_back(0, norm.size());
  }
  for (const auto& [b, e] : words) {
    if (unigram_) {
      Viterbi(norm, b, e, source, out);
    } else {
      Bpe(norm, b, e, source, out);
    }
  }
}

}  // namespace vsr::ml
