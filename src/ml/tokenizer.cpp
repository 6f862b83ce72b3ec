#include "ml/tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/utf8.h"

namespace vsr::ml {

namespace json = boost::json;

namespace {

// HF's is_control: the "other" categories, except the whitespace controls.
bool IsControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:
    case U_FORMAT_CHAR:
    case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR:
    case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool IsWhitespace(char32_t c) {
  return u_isUWhiteSpace(static_cast<UChar32>(c)) != 0;
}

// ASCII punctuation (symbols included, as Rust's is_ascii_punctuation) or a Unicode P* char.
bool IsPunctuation(char32_t c) {
  if (c < 128) return std::ispunct(static_cast<int>(c)) != 0;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

// The CJK ideograph blocks BERT puts spaces around.
bool IsChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// `c` after accent stripping (canonical decomposition without non-spacing marks) and
// lower-casing, as zero or more code points.
void NormalizeChar(char32_t c, bool strip_accents, bool lowercase, std::vector<char32_t>& out) {
  out.clear();
  if (strip_accents) {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    icu::UnicodeString decomposed;
    if (U_SUCCESS(status) && nfd->getDecomposition(static_cast<UChar32>(c), decomposed)) {
      for (int32_t i = 0; i < decomposed.length();) {
        const UChar32 d = decomposed.char32At(i);
        i += U16_LENGTH(d);
        if (u_charType(d) != U_NON_SPACING_MARK) out.push_back(static_cast<char32_t>(d));
      }
    } else if (u_charType(static_cast<UChar32>(c)) != U_NON_SPACING_MARK) {
      out.push_back(c);
    }
  } else {
    out.push_back(c);
  }
  if (lowercase) {
    for (char32_t& x : out) x = static_cast<char32_t>(u_tolower(static_cast<UChar32>(x)));
  }
}

bool ReadSpecial(const json::value& v, std::pair<std::string, int32_t>& out) {
  // BertProcessing / RobertaProcessing: ["[CLS]", 101]
  if (!v.is_array() || v.as_array().size() != 2 || !v.as_array()[0].is_string() ||
      !v.as_array()[1].is_int64()) {
    return false;
  }
  out = {std::string(v.as_array()[0].as_string()),
         static_cast<int32_t>(v.as_array()[1].as_int64())};
  return true;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::Load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return nullptr;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return FromJson(ss.str(), path, error);
}

std::unique_ptr<Tokenizer> Tokenizer::FromJson(std::string_view text, const std::string& source,
                                               std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = source + ": " + why;
    return nullptr;
  };
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return fail("not a JSON object (" + ec.message() + ")");
  std::unique_ptr<Tokenizer> t(new Tokenizer());

  const json::value* model = root.as_object().if_contains("model");
  if (model == nullptr || !model->is_object()) return fail("no \"model\" section");
  const json::object& m = model->as_object();
  const json::value* type = m.if_contains("type");
  const std::string model_type = type && type->is_string() ? std::string(type->as_string()) : "";
  if (model_type != "WordPiece" && model_type != "BPE" && model_type != "Unigram") {
    return fail("model type '" + model_type +
                "' is not supported yet (WordPiece, BPE and Unigram are)");
  }
  const json::value* vocab = m.if_contains("vocab");
  if (model_type != "Unigram") {
    if (vocab == nullptr || !vocab->is_object() || vocab->as_object().empty()) {
      return fail("model.vocab is missing or empty");
    }
    for (const auto& [token, id] : vocab->as_object()) {
      if (!id.is_int64()) return fail("model.vocab['" + std::string(token) + "'] is not an id");
      t->vocab_[std::string(token)] = static_cast<int32_t>(id.as_int64());
    }
  }
  const json::value* pre = root.as_object().if_contains("pre_tokenizer");
  const json::value* normalizer = root.as_object().if_contains("normalizer");
  if (model_type == "BPE" || model_type == "Unigram") {
    t->bpe_ = model_type == "BPE";
    t->unigram_ = !t->bpe_;
    if (!t->LoadSentencePieceNormalizer(source, normalizer, error)) return nullptr;
    const json::object* pre_object = pre && pre->is_object() ? &pre->as_object() : nullptr;
    if (model_type == "BPE" ? !t->LoadBpe(source, &m, pre_object, error)
                            : !t->LoadUnigram(source, &m, pre_object, error)) {
      return nullptr;
    }
    if (t->byte_level_ && !t->sp_normalizer_.empty()) {
      return fail("a normalizer before the ByteLevel pre-tokenizer is not supported yet");
    }
    pre = nullptr;  // checked by LoadBpe / LoadUnigram
    normalizer = nullptr;
  } else {
    if (const json::value* v = m.if_contains("unk_token"); v && v->is_string()) {
      t->unk_token_ = std::string(v->as_string());
    }
    if (!t->vocab_.count(t->unk_token_))
      return fail("unk_token '" + t->unk_token_ + "' is not in the vocabulary");
  }
  if (const json::value* v = m.if_contains("continuing_subword_prefix"); v && v->is_string()) {
    t->prefix_ = std::string(v->as_string());
  }
  if (const json::value* v = m.if_contains("max_input_chars_per_word"); v && v->is_int64()) {
    t->max_chars_per_word_ = static_cast<size_t>(std::max<int64_t>(1, v->as_int64()));
  }

  if (const json::value* n = normalizer; n && n->is_object()) {
    const json::object& o = n->as_object();
    const json::value* nt = o.if_contains("type");
    if (!nt || *nt != "BertNormalizer") {
      return fail("normalizer " + (nt ? json::serialize(*nt) : std::string("?")) +
                  " is not supported yet (BertNormalizer is)");
    }
    const auto flag = [&](const char* key, bool fallback) {
      const json::value* v = o.if_contains(key);
      return v && v->is_bool() ? v->as_bool() : fallback;
    };
    t->clean_text_ = flag("clean_text", true);
    t->chinese_chars_ = flag("handle_chinese_chars", true);
    t->lowercase_ = flag("lowercase", true);
    t->strip_accents_ = flag("strip_accents", t->lowercase_);  // null: follows lowercase
  } else {
    t->clean_text_ = t->chinese_chars_ = t->strip_accents_ = t->lowercase_ = false;
  }

  if (const json::value* a = root.as_object().if_contains("added_tokens"); a && a->is_array()) {
    for (const json::value& entry : a->as_array()) {
      if (!entry.is_object()) continue;
      const json::value* content = entry.as_object().if_contains("content");
      const json::value* id = entry.as_object().if_contains("id");
      if (content && content->is_string() && id && id->is_int64() &&
          !content->as_string().empty()) {
        const auto flag = [&](const char* key) {
          const json::value* v = entry.as_object().if_contains(key);
          return v != nullptr && v->is_bool() && v->as_bool();
        };
        t->added_.push_back({std::string(content->as_string()),
                             static_cast<int32_t>(id->as_int64()), flag("lstrip"), flag("rstrip")});
      }
    }
    // Longest first, so "[MASK]" wins over a shorter token that prefixes it.
    std::sort(t->added_.begin(), t->added_.end(),
              [](const auto& x, const auto& y) { return x.content.size() > y.content.size(); });
  }

  if (const json::value* p = root.as_object().if_contains("post_processor"); p && p->is_object()) {
    const json::object& o = p->as_object();
    const json::value* pt = o.if_contains("type");
    const std::string ptype = pt && pt->is_string() ? std::string(pt->as_string()) : "";
    if (ptype == "BertProcessing" || ptype == "RobertaProcessing") {
      std::pair<std::string, int32_t> cls, sep;
      if (!o.if_contains("cls") || !ReadSpecial(o.at("cls"), cls) || !o.if_contains("sep") ||
          !ReadSpecial(o.at("sep"), sep)) {
        return fail("post_processor: cls/sep must be [token, id]");
      }
      t->before_.push_back(cls);
      t->after_.push_back(sep);
    } else if (ptype == "TemplateProcessing") {
      const json::value* single = o.if_contains("single");
      const json::value* specials = o.if_contains("special_tokens");
      if (!single || !single->is_array()) return fail("post_processor.single must be a list");
      bool seen_sequence = false;
      for (const json::value& item : single->as_array()) {
        if (!item.is_object()) continue;
        if (item.as_object().contains("Sequence")) {
          seen_sequence = true;
          continue;
        }
        const json::value* sp = item.as_object().if_contains("SpecialToken");
        if (!sp || !sp->is_object() || !sp->as_object().contains("id")) continue;
        const std::string name(sp->as_object().at("id").as_string());
        const json::value* entry =
            specials && specials->is_object() ? specials->as_object().if_contains(name) : nullptr;
        int32_t sid = -1;
        if (entry && entry->is_object() && entry->as_object().contains("ids") &&
            entry->as_object().at("ids").is_array() &&
            !entry->as_object().at("ids").as_array().empty()) {
          sid =
              static_cast<int32_t>(entry->as_object().at("ids").as_array()[0].to_number<int64_t>());
        } else if (t->vocab_.count(name)) {
          sid = t->vocab_.at(name);
        } else {
          return fail("post_processor: special token '" + name + "' has no id");
        }
        (seen_sequence ? t->after_ : t->before_).emplace_back(name, sid);
      }
    } else if (!ptype.empty() && ptype != "ByteLevel") {  // ByteLevel only trims offsets
      return fail("post_processor '" + ptype + "' is not supported yet");
    }
  }
  if (pre && pre->is_object()) {
    const json::value* pt = pre->as_object().if_contains("type");
    if (!pt || *pt != "BertPreTokenizer") {
      return fail("pre_tokenizer " + (pt ? json::serialize(*pt) : std::string("?")) +
                  " is not supported yet (BertPreTokenizer is)");
    }
  }
  return t;
}

int32_t Tokenizer::TokenId(const std::string& token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

std::vector<Tokenizer::Piece> Tokenizer::PreTokenize(std::string_view text) const {
  std::vector<Piece> pieces;
  Piece word;
  const auto flush = [&] {
    if (!word.text.empty()) pieces.push_back(std::move(word));
    word = Piece{};
  };
  const auto append = [](Piece& p, char32_t c, size_t b, size_t e) {
    const size_t before = p.text.size();
    utf8::Append(p.text, c);
    for (size_t i = before; i < p.text.size(); ++i) p.source.emplace_back(b, e);
  };
  std::vector<char32_t> normalized;
  for (size_t i = 0; i < text.size();) {
    const size_t b = i;
    const char32_t c = utf8::Next(text, i);
    const size_t e = i;
    if (clean_text_ && (c == 0 || c == 0xFFFD || IsControl(c))) continue;
    if (IsWhitespace(c)) {
      flush();
      continue;
    }
    if (chinese_chars_ && IsChineseChar(c)) {
      flush();
      append(word, c, b, e);
      flush();
      continue;
    }
    NormalizeChar(c, strip_accents_, lowercase_, normalized);
    for (char32_t n : normalized) {
      if (IsPunctuation(n)) {
        flush();
        append(word, n, b, e);
        flush();
      } else {
        append(word, n, b, e);
      }
    }
  }
  flush();
  return pieces;
}

void Tokenizer::WordPiece(const Piece& word, Encoding& out) const {
  const int32_t unk = vocab_.at(unk_token_);
  size_t chars = 0;
  for (size_t i = 0; i < word.text.size();) {
    utf8::Next(word.text, i);
    ++chars;
  }
  const auto whole = std::make_pair(word.source.front().first, word.source.back().second);
  if (chars > max_chars_per_word_) {
    out.ids.push_back(unk);
    out.tokens.push_back(unk_token_);
    out.offsets.push_back(whole);
    return;
  }
  const size_t before = out.ids.size();
  size_t start = 0;
  while (start < word.text.size()) {
    size_t end = word.text.size();
    int32_t found = -1;
    std::string candidate;
    while (end > start) {
      candidate = (start > 0 ? prefix_ : "") + word.text.substr(start, end - start);
      if (auto it = vocab_.find(candidate); it != vocab_.end()) {
        found = it->second;
        break;
      }
      // Step back one whole UTF-8 character.
      do {
        --end;
      } while (end > start && (static_cast<unsigned char>(word.text[end]) & 0xC0) == 0x80);
    }
    if (found < 0) {  // no piece matches: the whole word is unknown
      out.ids.resize(before);
      out.tokens.resize(before);
      out.offsets.resize(before);
      out.ids.push_back(unk);
      out.tokens.push_back(unk_token_);
      out.offsets.push_back(whole);
      return;
    }
    out.ids.push_back(found);
    out.tokens.push_back(candidate);
    out.offsets.emplace_back(word.source[start].first, word.source[end - 1].second);
    start = end;
  }
}

Encoding Tokenizer::Encode(std::string_view text, size_t max_length) const {
  Encoding body;
  // Added tokens are matched in the raw text first; the text between them is tokenized.
  size_t plain_start = 0;
  const auto tokenize_plain = [&](size_t from, size_t to) {
    if (to <= from) return;
    if (byte_level_) {
      ByteLevelBpe(text.substr(from, to - from), from, body);
      return;
    }
    if (bpe_ || unigram_) {
      SentencePiece(text.substr(from, to - from), from, from == 0, body);
      return;
    }
    for (Piece& p : PreTokenize(text.substr(from, to - from))) {
      for (auto& [b, e] : p.source) {
        b += from;
        e += from;
      }
      WordPiece(p, body);
    }
  };
  // Whitespace as tokenizers' lstrip/rstrip see it (Unicode White_Space).
  const auto space_before = [&](size_t at) -> size_t {  // bytes of the space character
    if (at == 0) return 0;
    size_t b = at - 1;
    while (b > 0 && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) --b;
    size_t i = b;
    return utf8::IsWhiteSpace(utf8::Next(text, i)) && i == at ? at - b : 0;
  };
  const auto space_after = [&](size_t at) -> size_t {
    size_t i = at;
    return at < text.size() && utf8::IsWhiteSpace(utf8::Next(text, i)) ? i - at : 0;
  };
  for (size_t i = 0; i < text.size() && !added_.empty();) {
    bool matched = false;
    for (const AddedToken& added : added_) {
      if (text.compare(i, added.content.size(), added.content) == 0) {
        size_t begin = i, end = i + added.content.size();
        for (size_t n; added.lstrip && begin > plain_start && (n = space_before(begin)) > 0;) {
          begin -= n;
        }
        for (size_t n; added.rstrip && (n = space_after(end)) > 0;) end += n;
        tokenize_plain(plain_start, begin);
        body.ids.push_back(added.id);
        body.tokens.push_back(added.content);
        body.offsets.emplace_back(begin, end);
        i = end;
        plain_start = i;
        matched = true;
        break;
      }
    }
    if (!matched) ++i;
  }
  tokenize_plain(plain_start, text.size());

  const size_t specials = before_.size() + after_.size();
  if (max_length > 0 && body.size() + specials > max_length) {
    const size_t keep = max_length > specials ? max_length - specials : 0;
    body.ids.resize(keep);
    body.tokens.resize(keep);
    body.offsets.resize(keep);
  }
  Encoding out;
  const auto special = [&](const std::pair<std::string, int32_t>& s) {
    out.ids.push_back(s.second);
    out.tokens.push_back(s.first);
    out.offsets.emplace_back(0, 0);
  };
  for (const auto& s : before_) special(s);
  out.ids.insert(out.ids.end(), body.ids.begin(), body.ids.end());
  out.tokens.insert(out.tokens.end(), body.tokens.begin(), body.tokens.end());
  out.offsets.insert(out.offsets.end(), body.offsets.begin(), body.offsets.end());
  for (const auto& s : after_) special(s);
  out.type_ids.assign(out.ids.size(), 0);
  out.attention_mask.assign(out.ids.size(), 1);
  return out;
}

}  // namespace vsr::ml
