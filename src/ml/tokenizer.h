// Tokenizers from Hugging Face `tokenizer.json` files, three families:
//  - BERT: BertNormalizer (clean text, CJK spacing, accent stripping, lower-casing),
//    BertPreTokenizer (whitespace and punctuation), the WordPiece model;
//  - byte-level BPE (GPT-2, RoBERTa, ModernBERT): the ByteLevel pre-tokenizer (GPT-2's split
//    pattern, bytes mapped to printable characters, optional prefix space), the BPE model with
//    merge ranks (ignore_merges);
//  - SentencePiece-style BPE (Gemma and so mmBERT, Llama): spaces become "▁" (Replace and
//    Prepend normalizers, or the Metaspace pre-tokenizer), merges over characters, characters
//    outside the vocabulary spelled as <0xXX> byte tokens (byte_fallback), unknown runs fused
//    (fuse_unk);
//  - SentencePiece Unigram: the Metaspace pre-tokenizer and Viterbi over piece scores.
// Then Bert/Roberta/Template post-processing and truncation. Offsets are byte ranges in the
// caller's original text (normalization is tracked character by character), which is what
// token classification (PII spans) needs. SentencePiece-style files may normalize with Replace
// (a string or an RE2 regex), Prepend and SentencePiece's Precompiled charsmap (XLM-R's
// layout). Other models, pre-tokenizers and normalizers are named as unsupported when a file
// uses them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace vsr::ml {

class PrecompiledCharsmap;

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<int32_t> attention_mask;
  std::vector<std::string> tokens;
  // Byte range of each token in the original text; special tokens get {0, 0}.
  std::vector<std::pair<size_t, size_t>> offsets;
  size_t size() const { return ids.size(); }
};

class Tokenizer {
 public:
  // Reads tokenizer.json; null with `error` ("<path>: ...") when unreadable or unsupported.
  static std::unique_ptr<Tokenizer> Load(const std::string& path, std::string& error);
  // From the JSON text itself (`source` names it in errors).
  static std::unique_ptr<Tokenizer> FromJson(std::string_view json, const std::string& source,
                                             std::string& error);

  // Encodes one text with special tokens; max_length > 0 truncates the text part so the whole
  // encoding fits (the special tokens are kept).
  Encoding Encode(std::string_view text, size_t max_length = 0) const;

  int32_t TokenId(const std::string& token) const;  // -1 when not in the vocabulary
  size_t vocab_size() const { return vocab_.size(); }

  struct Piece {  // a normalized word and, per byte of it, where it came from in the input
    std::string text;
    std::vector<std::pair<size_t, size_t>> source;
  };

 private:
  using Ranges = std::vector<std::pair<size_t, size_t>>;
  Tokenizer() = default;
  std::vector<Piece> PreTokenize(std::string_view text) const;
  void WordPiece(const Piece& word, Encoding& out) const;
  // Byte-level BPE: `text` split by GPT-2's pattern, each piece's bytes merged by rank.
  void ByteLevelBpe(std::string_view text, size_t offset, Encoding& out) const;
  // BPE over the characters of s[from, to) (source: each byte's range in the input).
  void Bpe(const std::string& s, size_t from, size_t to, const Ranges& source, Encoding& out) const;
  bool LoadBpe(const std::string& source, const void* model_json, const void* pre_json,
               std::string& error);
  // Unigram (SentencePiece): Metaspace words, then the best-scoring split of each.
  bool LoadUnigram(const std::string& source, const void* model_json, const void* pre_json,
                   std::string& error);
  bool LoadMetaspace(const std::string& source, const void* pre_json, std::string& error);
  // Replace/Prepend/Precompiled normalizer steps (a Sequence of them, or one); false names
  // what is not.
  bool LoadSentencePieceNormalizer(const std::string& source, const void* normalizer_json,
                                   std::string& error);
  // The normalizer steps applied to `norm` (`source`: each byte's input range, kept in step).
  void Normalize(std::string& norm, Ranges& source) const;
  // SentencePiece-style text: normalizer steps, then (Metaspace) spaces to "▁" and the words.
  void SentencePiece(std::string_view text, size_t offset, bool first, Encoding& out) const;
  void Viterbi(const std::string& s, size_t from, size_t to, const Ranges& source,
               Encoding& out) const;

  // Normalizer
  bool clean_text_ = true, chinese_chars_ = true, strip_accents_ = true, lowercase_ = true;
  struct NormalizerStep {
    enum class Kind { kPrepend, kReplace, kReplaceRegex, kPrecompiled, kUnicode } kind;
    std::string from;                                     // kReplace: the text replaced everywhere
    std::string to;                                       // the text prepended or put in place
    std::shared_ptr<const re2::RE2> regex;                // kReplaceRegex
    std::shared_ptr<const PrecompiledCharsmap> charsmap;  // kPrecompiled
    const void* unicode = nullptr;  // kUnicode: the icu::Normalizer2 (NFC, NFD, NFKC, NFKD)
  };
  std::vector<NormalizerStep> sp_normalizer_;
  // Model
  bool bpe_ = false;
  bool byte_level_ = false;  // BPE with the ByteLevel pre-tokenizer (else SentencePiece-style)
  bool metaspace_ = false;   // the Metaspace pre-tokenizer
  bool byte_fallback_ = false, fuse_unk_ = false;
  std::unordered_map<std::string, int32_t> vocab_;
  std::unordered_map<std::string, int32_t> merge_rank_;  // "left right" -> rank (BPE)
  bool ignore_merges_ = false, has_unk_ = true;
  bool unigram_ = false;
  std::vector<double> scores_;  // Unigram: log-probability per id
  double min_score_ = 0;
  size_t max_piece_bytes_ = 0;
  int32_t unk_id_ = 0;
  std::string replacement_ = "\u2581", prepend_ = "always";  // Metaspace
  bool split_ = true;
  bool add_prefix_space_ = false, use_regex_ = true, trim_offsets_ = true;
  std::string unk_token_ = "[UNK]", prefix_ = "##";
  size_t max_chars_per_word_ = 100;
  // Added tokens matched in the raw text before normalization ([CLS], [MASK], ...); lstrip /
  // rstrip: the token also takes the whitespace before / after it (XLM-R's <mask>).
  struct AddedToken {
    std::string content;
    int32_t id;
    bool lstrip, rstrip;
  };
  std::vector<AddedToken> added_;
  // Post-processor: tokens around a single sequence.
  std::vector<std::pair<std::string, int32_t>> before_, after_;
};

}  // namespace vsr::ml
