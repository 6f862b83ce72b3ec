// Tokenizers from Hugging Face `tokenizer.json` files, three families:
//  - BERT: BertNormalizer (clean text, CJK spacing, accent stripping, lower-casing),
//    BertPreTokenizer (whitespace and punctuation), the WordPiece model;
//  - byte-level BPE (GPT-2, RoBERTa, ModernBERT): the ByteLevel pre-tokenizer (GPT-2's split
//    pattern, bytes mapped to printable characters, optional prefix space), the BPE model with
//    merge ranks (ignore_merges);
//  - SentencePiece Unigram: the Metaspace pre-tokenizer and Viterbi over piece scores.
// Then Bert/Roberta/Template post-processing and truncation. Offsets are byte ranges in the
// caller's original text (normalization is tracked character by character), which is what
// token classification (PII spans) needs. Other models, pre-tokenizers and normalizers (e.g.
// SentencePiece's Precompiled charsmap, byte fallback) are named as unsupported when a file
// uses them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace vsr::ml {

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
  Tokenizer() = default;
  std::vector<Piece> PreTokenize(std::string_view text) const;
  void WordPiece(const Piece& word, Encoding& out) const;
  // Byte-level BPE: `text` split by GPT-2's pattern, each piece's bytes merged by rank.
  void ByteLevelBpe(std::string_view text, size_t offset, Encoding& out) const;
  void Bpe(const std::string& mapped, size_t begin, Encoding& out) const;
  bool LoadBpe(const std::string& source, const void* model_json, const void* pre_json,
               std::string& error);
  // Unigram (SentencePiece): Metaspace words, then the best-scoring split of each.
  bool LoadUnigram(const std::string& source, const void* model_json, const void* pre_json,
                   std::string& error);
  void MetaspaceUnigram(std::string_view text, size_t offset, bool first, Encoding& out) const;
  void Viterbi(const std::string& s, size_t from, size_t to,
               const std::vector<std::pair<size_t, size_t>>& source, Encoding& out) const;

  // Normalizer
  bool clean_text_ = true, chinese_chars_ = true, strip_accents_ = true, lowercase_ = true;
  bool has_normalizer_ = false;
  // Model
  bool bpe_ = false;
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
  // Added tokens matched in the raw text before normalization ([CLS], [MASK], ...).
  std::vector<std::pair<std::string, int32_t>> added_;
  // Post-processor: tokens around a single sequence.
  std::vector<std::pair<std::string, int32_t>> before_, after_;
};

}  // namespace vsr::ml
