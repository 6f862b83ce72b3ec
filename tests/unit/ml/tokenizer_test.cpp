// The WordPiece tokenizer on a hand-made BERT-style tokenizer.json (tests/fixtures/ml/tiny-bert):
// normalization (case, accents, CJK, control characters), punctuation splitting, greedy
// longest-match subwords, unknown words, special tokens, truncation, and offsets back into the
// original bytes.
#include "ml/tokenizer.h"

#include <gtest/gtest.h>

#include <random>

#include "common/base64.h"
#include "ml/precompiled_charsmap.h"

namespace vsr::ml {
namespace {

const std::string kTinyBert = std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert/tokenizer.json";

std::unique_ptr<Tokenizer> Tiny() {
  std::string error;
  auto t = Tokenizer::Load(kTinyBert, error);
  EXPECT_TRUE(t) << error;
  return t;
}

TEST(WordPieceTokenizer, NormalizesSplitsAndFindsSubwords) {
  auto t = Tiny();
  ASSERT_TRUE(t);
  const std::string text = "Hello, World! unaffable Caf\xc3\xa9 \xe4\xb8\xad\xe5\x9b\xbd";
  const Encoding e = t->Encode(text);
  EXPECT_EQ(e.tokens,
            (std::vector<std::string>{"[CLS]", "hello", ",", "world", "!", "un", "##aff", "##able",
                                      "cafe", "\xe4\xb8\xad", "\xe5\x9b\xbd", "[SEP]"}));
  EXPECT_EQ(e.ids, (std::vector<int32_t>{2, 5, 12, 6, 13, 7, 8, 9, 11, 19, 20, 3}));
  EXPECT_EQ(e.attention_mask, std::vector<int32_t>(12, 1));
  EXPECT_EQ(e.type_ids, std::vector<int32_t>(12, 0));
  // Offsets are byte ranges of the original text: "Café" keeps its two-byte é.
  const std::vector<std::pair<size_t, size_t>> offsets = {{0, 0},   {0, 5},   {5, 6},   {7, 12},
                                                          {12, 13}, {14, 16}, {16, 19}, {19, 23},
                                                          {24, 29}, {30, 33}, {33, 36}, {0, 0}};
  EXPECT_EQ(e.offsets, offsets);
  EXPECT_EQ(text.substr(24, 5), "Caf\xc3\xa9");
}

TEST(WordPieceTokenizer, UnknownWordsControlCharsAndAddedTokens) {
  auto t = Tiny();
  ASSERT_TRUE(t);
  // "zebra" has no pieces: one [UNK] for the whole word; "ab" = a ##b; a control character
  // vanishes; [MASK] in the raw text is its own token.
  const Encoding e = t->Encode("zebra ab\x01 [MASK] my card is 41111");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "[UNK]", "a", "##b", "[MASK]", "my",
                                                "card", "is", "4111", "##1", "[SEP]"}));
  EXPECT_EQ(e.offsets[1], (std::pair<size_t, size_t>{0, 5}));
  EXPECT_EQ(e.offsets[4], (std::pair<size_t, size_t>{10, 16}));
  EXPECT_EQ(e.offsets[9], (std::pair<size_t, size_t>{32, 33}));  // the last "1"
  EXPECT_EQ(t->TokenId("naive"), 21);
  EXPECT_EQ(t->TokenId("zebra"), -1);
}

TEST(WordPieceTokenizer, TruncationKeepsTheSpecialTokens) {
  auto t = Tiny();
  ASSERT_TRUE(t);
  const Encoding e = t->Encode("hello world hello world", 4);
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"[CLS]", "hello", "world", "[SEP]"}));
  EXPECT_EQ(t->Encode("", 0).tokens, (std::vector<std::string>{"[CLS]", "[SEP]"}));
}

TEST(WordPieceTokenizer, UnsupportedOrBrokenFilesAreNamed) {
  std::string error;
  EXPECT_FALSE(Tokenizer::FromJson("{", "t.json", error));
  EXPECT_NE(error.find("t.json: not a JSON object"), std::string::npos) << error;
  EXPECT_FALSE(
      Tokenizer::FromJson(R"({"model":{"type":"WordLevel","vocab":{"a":0}}})", "t.json", error));
  EXPECT_NE(
      error.find("model type 'WordLevel' is not supported yet (WordPiece, BPE and Unigram are)"),
      std::string::npos)
      << error;
  EXPECT_FALSE(Tokenizer::FromJson(R"({"model":{"type":"Unigram","unk_id":5,"vocab":[["a",0]]},)"
                                   R"("pre_tokenizer":{"type":"Metaspace"}})",
                                   "t.json", error));
  EXPECT_NE(error.find("model.unk_id must name a piece"), std::string::npos) << error;
  const auto unigram_with = [&](const std::string& normalizer) {
    return Tokenizer::FromJson(R"({"model":{"type":"Unigram","unk_id":0,"vocab":[["a",0]]},)"
                               R"("normalizer":)" +
                                   normalizer + R"(,"pre_tokenizer":{"type":"Metaspace"}})",
                               "t.json", error);
  };
  EXPECT_FALSE(unigram_with(R"({"type":"Precompiled","precompiled_charsmap":"not base64!"})"));
  EXPECT_NE(error.find("t.json: normalizer Precompiled: precompiled_charsmap is not base64"),
            std::string::npos)
      << error;
  // A trie size larger than the charsmap holds.
  EXPECT_FALSE(unigram_with(R"({"type":"Precompiled","precompiled_charsmap":"/wAAAAAAAAA="})"));
  EXPECT_NE(error.find("trie size (255 bytes) does not fit its 8 bytes"), std::string::npos)
      << error;
  EXPECT_FALSE(unigram_with(R"({"type":"Lowercase"})"));
  EXPECT_NE(error.find("normalizer \"Lowercase\" is not supported with Unigram yet (Replace, "
                       "Prepend, Precompiled, NFC, NFD, NFKC and NFKD are)"),
            std::string::npos)
      << error;
  EXPECT_TRUE(unigram_with(R"({"type":"NFKC"})")) << error;
  // tokenizer.json regexes are Oniguruma's; those RE2 cannot run are named.
  EXPECT_FALSE(unigram_with(R"j({"type":"Replace","pattern":{"Regex":"a(?=b)"},"content":""})j"));
  EXPECT_NE(error.find("normalizer Replace's Regex \"a(?=b)\" does not compile as RE2"),
            std::string::npos)
      << error;
  EXPECT_FALSE(
      Tokenizer::FromJson(R"({"model":{"type":"WordPiece","vocab":{"a":0}}})", "t.json", error));
  EXPECT_NE(error.find("unk_token '[UNK]' is not in the vocabulary"), std::string::npos) << error;
  EXPECT_FALSE(Tokenizer::Load("/no/such/tokenizer.json", error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
}

// Byte-level BPE (tests/fixtures/tokenizers/tiny-bpe.json; ids are checked against
// tokenizers.js in tokenizer_parity_test): offsets are byte ranges of the original text that
// leave out a token's leading space, in order, never overlapping.
TEST(BpeTokenizer, OffsetsAreTrimmedByteRangesOfTheText) {
  std::string error;
  auto t = Tokenizer::Load(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-bpe.json", error);
  ASSERT_TRUE(t) << error;
  for (const std::string text :
       {"Hello, World!", "  two  spaces\tand tab", "naïve 中文 😀 done", "it's [MASK] time"}) {
    const Encoding e = t->Encode(text);
    ASSERT_GE(e.size(), 2u);
    EXPECT_EQ(e.tokens.front(), "[CLS]");
    size_t last_end = 0;
    for (size_t i = 1; i + 1 < e.size(); ++i) {
      const auto [b, end] = e.offsets[i];
      EXPECT_LE(last_end, b) << text << " token " << i;
      EXPECT_LE(b, end);
      EXPECT_LE(end, text.size());
      if (b < end && e.tokens[i] != "[MASK]") {
        EXPECT_NE(text[b], ' ') << text << " token " << i;
      }
      last_end = end;
    }
  }
  // " cat" is one token, Ġcat: its offsets cover "cat" without the space before it.
  const Encoding cat = t->Encode("the cat sat");
  ASSERT_GE(cat.size(), 4u);
  EXPECT_EQ(cat.tokens[3], "\u0120cat");
  EXPECT_EQ(cat.offsets[3], (std::pair<size_t, size_t>{4, 7}));
}

TEST(BpeTokenizer, UnsupportedVariantsAreNamed) {
  std::string error;
  const std::string bpe = R"("model":{"type":"BPE","vocab":{"a":0},"merges":[]})";
  EXPECT_FALSE(
      Tokenizer::FromJson("{" + bpe + R"(,"pre_tokenizer":{"type":"Split"}})", "t.json", error));
  EXPECT_NE(error.find("pre_tokenizer \"Split\" is not supported with BPE yet"), std::string::npos)
      << error;
  EXPECT_FALSE(Tokenizer::FromJson(
      "{" + bpe + R"(,"normalizer":{"type":"Replace","pattern":{"Regex":""},"content":" "}})",
      "t.json", error));
  EXPECT_NE(error.find("Replace needs a non-empty String or Regex pattern"), std::string::npos)
      << error;
  EXPECT_FALSE(Tokenizer::FromJson("{" + bpe +
                                       R"(,"normalizer":{"type":"Lowercase"},)"
                                       R"("pre_tokenizer":{"type":"ByteLevel"}})",
                                   "t.json", error));
  EXPECT_NE(error.find("normalizer \"Lowercase\" is not supported with BPE yet"), std::string::npos)
      << error;
}

// Gemma/Llama-style files: spaces become "▁", a character outside the vocabulary is spelled
// as its UTF-8 bytes (<0xXX> tokens, each spanning the character), and without byte tokens
// a run of unknown characters is one fused <unk>.
TEST(BpeTokenizer, SentencePieceStyleSpellsUnknownCharactersInBytes) {
  std::string error;
  auto t = Tokenizer::FromJson(
      R"({"normalizer":{"type":"Replace","pattern":{"String":" "},"content":"\u2581"},)"
      R"("pre_tokenizer":null,"model":{"type":"BPE","unk_token":"<unk>","byte_fallback":true,)"
      R"("fuse_unk":true,"vocab":{"<unk>":0,"<0xE2>":1,"<0x82>":2,"<0xAC>":3,"\u2581":4,"a":5,)"
      R"("b":6,"\u2581a":7},"merges":["\u2581 a"]}})",
      "t.json", error);
  ASSERT_TRUE(t) << error;
  const Encoding e = t->Encode("\u20ac a");  // "€ a"
  EXPECT_EQ(e.ids, (std::vector<int32_t>{1, 2, 3, 7}));
  EXPECT_EQ(e.tokens[0], "<0xE2>");
  EXPECT_EQ(e.offsets[0], (std::pair<size_t, size_t>{0, 3}));
  EXPECT_EQ(e.offsets[3], (std::pair<size_t, size_t>{3, 5}));  // "▁a": the space and the a
  const Encoding unknown = t->Encode("xyb");  // no byte tokens for x, y: one fused <unk>
  EXPECT_EQ(unknown.ids, (std::vector<int32_t>{0, 6}));
  EXPECT_EQ(unknown.offsets[0], (std::pair<size_t, size_t>{0, 2}));
}

// XLM-R's normalizer (tests/fixtures/tokenizers/tiny-unigram-precompiled.json: SentencePiece's
// nmt_nfkc charsmap, then space runs collapsed; ids checked against Hugging Face's tokenizers in
// tokenizer_parity_test): full-width letters, ligatures and odd spaces read as their plain
// forms, and each token's offsets still point at the characters the user wrote.
TEST(UnigramTokenizer, PrecompiledCharsmapNormalizesAsXlmRobertaDoes) {
  std::string error;
  auto t = Tokenizer::Load(
      std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-unigram-precompiled.json", error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->Encode("\uff26\uff55\uff4c\uff4c text").ids, t->Encode("Full text").ids);
  EXPECT_EQ(t->Encode("\ufb01ve").ids, t->Encode("five").ids);              // ligature fi
  EXPECT_EQ(t->Encode("a\u3000\u00a0  b\tc").ids, t->Encode("a b c").ids);  // spaces, one run
  EXPECT_NE(t->Encode("\uff26ull").ids, t->Encode("full").ids);             // NFKC keeps the case
  const std::string wide = "\uff26\uff55\uff4c\uff4c";                      // 12 bytes
  const Encoding e = t->Encode(wide);
  ASSERT_GE(e.size(), 3u);
  for (size_t i = 1; i + 1 < e.size(); ++i) {
    EXPECT_LE(e.offsets[i].second, wide.size());
    EXPECT_EQ(e.offsets[i].second % 3, 0u) << "token " << i << " ends inside a character";
  }
  EXPECT_EQ(e.offsets[e.size() - 2].second, wide.size());
}

// The charsmap comes from a file: whatever its bytes, loading and normalizing never reads
// outside it.
TEST(PrecompiledCharsmap, ArbitraryBytesNeverReadOutOfBounds) {
  std::mt19937 random(7);
  size_t loaded = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string blob(8 + random() % 64, '\0');
    for (char& c : blob) c = static_cast<char>(random() % 256);
    const uint32_t trie = 4 * (1 + random() % ((blob.size() - 4) / 4));
    for (int i = 0; i < 4; ++i) blob[static_cast<size_t>(i)] = static_cast<char>(trie >> (8 * i));
    std::string error;
    auto map = PrecompiledCharsmap::FromBase64(EncodeBase64(blob), error);
    if (!map) continue;
    ++loaded;
    for (std::string_view text : {"a", "\xef\xbc\xa6", "ab\r\nc", "\xff\xfe", "caf\xc3\xa9"}) {
      std::string out;
      map->Normalize(text, [&](std::string_view piece, size_t, size_t) { out += piece; });
      EXPECT_LE(out.size(), 64 * text.size() + 64);
    }
  }
  EXPECT_GT(loaded, 1000u);
}

}  // namespace
}  // namespace vsr::ml
