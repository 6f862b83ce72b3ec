// Tokenizer parity: every line of a multilingual corpus (accents, CJK, Arabic, Devanagari,
// emoji with modifiers and ZWJ sequences, contractions, whitespace runs, full-width and
// compatibility characters, added tokens in the text, a 4,000-token line) encoded by our
// tokenizer and by two independent implementations of tokenizer.json run with node — Hugging
// Face's tokenizers.js and Hugging Face's tokenizers itself (the Rust library upstream's
// classifiers use, through its Node binding) — must give identical ids: for a WordPiece (BERT),
// a byte-level BPE (RoBERTa/ModernBERT layout), SentencePiece-style BPE with byte fallback
// (Gemma/mmBERT, Llama and Metaspace layouts) and a Unigram with Metaspace (SentencePiece
// layout) tokenizer, and for that Unigram behind XLM-R's normalizer (SentencePiece's
// Precompiled nmt_nfkc charsmap, then a Regex Replace), which only the Rust library implements
// exactly. Locally the test skips when node or the npm packages are missing; under CI
// (scripts/setup installs them) that is a failure.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ml/tokenizer.h"
#include "support/cli_runner.h"
#include "support/required.h"

namespace vsr::ml {
namespace {

namespace json = boost::json;
const std::string kParityDir = std::string(VSR_SOURCE_DIR) + "/tests/tokenizer_parity";
const std::string kCorpus = std::string(VSR_FIXTURES_DIR) + "/tokenizers/corpus.txt";

std::vector<std::string> CorpusLines() {
  std::ifstream in(kCorpus);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

enum class Reference { kTokenizersJs, kTokenizersRust };

void ExpectParity(const std::string& tokenizer_json, Reference reference_implementation) {
  VSR_REQUIRE_INSTALLED(testing::NpmInstalled(kParityDir, {"@huggingface/tokenizers",
                                                           "@anush008/tokenizers-linux-x64-gnu"}),
                        "node or tests/tokenizer_parity/node_modules");
  const char* implementation =
      reference_implementation == Reference::kTokenizersRust ? "rust" : "js";
  const testing::CliRun reference =
      testing::RunShell("node '" + kParityDir + "/encode.mjs' " + implementation + " '" +
                        tokenizer_json + "' '" + kCorpus + "'");
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  std::string error;
  auto tokenizer = Tokenizer::Load(tokenizer_json, error);
  ASSERT_TRUE(tokenizer) << error;
  const std::vector<std::string> lines = CorpusLines();
  std::istringstream out(reference.output);
  size_t n = 0;
  for (std::string line; std::getline(out, line); ++n) {
    ASSERT_LT(n, lines.size());
    std::vector<int32_t> want;
    const json::value parsed = json::parse(line);
    for (const json::value& id : parsed.at("ids").as_array()) {
      want.push_back(static_cast<int32_t>(id.as_int64()));
    }
    EXPECT_EQ(tokenizer->Encode(lines[n]).ids, want) << "line " << n + 1 << ": " << lines[n];
  }
  EXPECT_EQ(n, lines.size());
}

// Both references, for files both implement exactly.
void ExpectParity(const std::string& tokenizer_json) {
  for (Reference r : {Reference::kTokenizersJs, Reference::kTokenizersRust}) {
    SCOPED_TRACE(r == Reference::kTokenizersJs ? "tokenizers.js" : "tokenizers (Rust)");
    ExpectParity(tokenizer_json, r);
  }
}

TEST(TokenizerParity, WordPieceMatchesHuggingFace) {
  ExpectParity(std::string(VSR_FIXTURES_DIR) + "/ml/tiny-bert/tokenizer.json");
}

TEST(TokenizerParity, ByteLevelBpeMatchesHuggingFace) {
  ExpectParity(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-bpe.json");
}

// SentencePiece-style BPE in Gemma's (so mmBERT's), Llama's and the Metaspace layout: "▁" for
// spaces, merges over characters, byte fallback for characters outside the vocabulary.
TEST(TokenizerParity, SentencePieceBpeMatchesHuggingFace) {
  for (const char* layout : {"gemma", "llama", "metaspace"}) {
    SCOPED_TRACE(layout);
    ExpectParity(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-spbpe-" + layout + ".json");
  }
}

TEST(TokenizerParity, UnigramMatchesHuggingFace) {
  ExpectParity(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-unigram.json");
}

// A Unicode normalization form before Unigram (NFKC: full-width letters, ligatures, compatibility
// characters of the corpus), the layout of the converted Universal Sentence Encoder Lite.
TEST(TokenizerParity, NfkcNormalizerMatchesHuggingFace) {
  ExpectParity(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-unigram-nfkc.json");
}

// XLM-R's normalizer: tokenizers.js stands in NFKC for the charsmap, so only the Rust library
// is the reference here.
TEST(TokenizerParity, PrecompiledCharsmapMatchesHuggingFaceTokenizers) {
  ExpectParity(std::string(VSR_FIXTURES_DIR) + "/tokenizers/tiny-unigram-precompiled.json",
               Reference::kTokenizersRust);
}

}  // namespace
}  // namespace vsr::ml
