// Hybrid search on hand-made inputs whose right answer is known: the request's options, the
// word and n-gram pieces, both fusions computed by hand, and a collection where only the text
// tells two chunks apart (their embeddings are the same).
#include "vectorstore/hybrid.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/utf8.h"
#include "vectorstore/collection.h"

namespace vsr::vectorstore {
namespace {

namespace json = boost::json;

std::string OptionsError(const std::string& text) {
  HybridOptions o;
  std::string error;
  EXPECT_FALSE(ParseHybridOptions(json::parse(text), o, error)) << text;
  return error;
}

TEST(HybridOptions, UpstreamsDefaultsAndNamedMistakes) {
  HybridOptions o;
  std::string error;
  ASSERT_TRUE(ParseHybridOptions(json::parse("{}"), o, error));
  EXPECT_FALSE(o.rrf);
  EXPECT_EQ(o.vector_weight, 0.7);
  EXPECT_EQ(o.bm25_weight, 0.2);
  EXPECT_EQ(o.ngram_weight, 0.1);
  EXPECT_EQ(o.rrf_constant, 60);
  EXPECT_EQ(o.bm25_k1, 1.2);
  EXPECT_EQ(o.bm25_b, 0.75);
  EXPECT_EQ(o.ngram_size, 3);
  // Weights given: the others count zero (upstream's reading); zeros elsewhere take defaults.
  ASSERT_TRUE(ParseHybridOptions(
      json::parse(R"({"mode":"rrf","bm25_weight":1,"rrf_constant":0,"ngram_size":4})"), o, error));
  EXPECT_TRUE(o.rrf);
  EXPECT_EQ(o.vector_weight, 0);
  EXPECT_EQ(o.bm25_weight, 1);
  EXPECT_EQ(o.ngram_weight, 0);
  EXPECT_EQ(o.rrf_constant, 60);
  EXPECT_EQ(o.ngram_size, 4);
  EXPECT_EQ(OptionsError(R"({"mode":"max"})"), "hybrid.mode must be weighted or rrf");
  EXPECT_EQ(OptionsError(R"({"bm25_k1":"high"})"), "hybrid.bm25_k1 must be a number");
  EXPECT_EQ(OptionsError(R"({"vector_weight":-1})"), "hybrid.vector_weight must not be negative");
  EXPECT_EQ(OptionsError(R"({"ngram_size":1000})"), "hybrid.ngram_size must be at most 16");
  EXPECT_EQ(OptionsError("[1]"), "hybrid must be an object");
}

TEST(HybridText, WordsGramsAndJaccard) {
  EXPECT_EQ(utf8::LowerWords("Reset ERR-4031, then Grüße!"),
            (std::vector<std::string>{"reset", "err", "4031", "then", "grüße"}));
  // "abc" and "abd" as 2-grams: {ab, bc} and {ab, bd} share one of three.
  EXPECT_DOUBLE_EQ(Jaccard(CharGrams("abc", 2), CharGrams("ABD", 2)), 1.0 / 3);
  EXPECT_EQ(CharGrams("ab", 3).size(), 1u);      // shorter than n: the text is the gram
  EXPECT_EQ(CharGrams("aaaa", 2).size(), 1u);    // distinct grams
  EXPECT_EQ(CharGrams("日本語", 2).size(), 2u);  // code points, not bytes
  EXPECT_DOUBLE_EQ(Jaccard({}, {}), 0);
}

TEST(HybridFusion, WeightedAndReciprocalRankByHand) {
  const std::vector<HybridScore> input{
      {0, 0.9, 0, 0.1, 0}, {1, 0.5, 3.0, 0.3, 0}, {2, 0, 1.0, 0, 0}};
  std::vector<HybridScore> c = input;
  FuseScores(c, HybridOptions{});
  // BM25 min-max over {3, 1}: row 1 counts 1, row 2 counts 0.
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].row, 0u);
  EXPECT_NEAR(c[0].final, 0.7 * 0.9 + 0.1 * 0.1, 1e-12);
  EXPECT_EQ(c[1].row, 1u);
  EXPECT_NEAR(c[1].final, 0.7 * 0.5 + 0.2 * 1 + 0.1 * 0.3, 1e-12);
  EXPECT_EQ(c[2].row, 2u);
  EXPECT_NEAR(c[2].final, 0, 1e-12);

  c = input;
  HybridOptions rrf;
  rrf.rrf = true;
  FuseScores(c, rrf);
  // vector ranks 0, 1; BM25 ranks 1, 2; n-grams rank 1, 0.
  EXPECT_EQ(c[0].row, 1u);
  EXPECT_NEAR(c[0].final, 1.0 / 62 + 1.0 / 61 + 1.0 / 61, 1e-12);
  EXPECT_EQ(c[1].row, 0u);
  EXPECT_NEAR(c[1].final, 1.0 / 61 + 1.0 / 62, 1e-12);
  EXPECT_EQ(c[2].row, 2u);
  EXPECT_NEAR(c[2].final, 1.0 / 62, 1e-12);
}

Chunk MakeChunk(const std::string& id, const std::string& file, const std::string& content,
                std::vector<float> embedding) {
  Chunk c;
  c.id = id;
  c.file_id = file;
  c.content = content;
  c.embedding = std::move(embedding);
  return c;
}

TEST(HybridSearch, TheTextTellsApartWhatTheEmbeddingCannot) {
  Collection c;
  // The two error pages embed alike (the model blurs codes); only their text differs.
  c.Put(MakeChunk("a", "f1", "Error ERR-4031: the disk quota is exceeded.", {1, 0}));
  c.Put(MakeChunk("b", "f1", "Error ERR-5120: the network is unreachable.", {1, 0}));
  c.Put(MakeChunk("c", "f2", "Holiday schedule for the support team.", {0, 1}));
  const std::vector<float> query{1, 0};
  // Vector search alone: a tie between a and b.
  auto plain = c.Search(query, 2, 0, {});
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0].score, plain[1].score);
  EXPECT_FALSE(plain[0].bm25_score.has_value());

  auto hits =
      c.HybridSearch(query, "what does ERR-5120 mean for the team", 3, 0, {}, HybridOptions{});
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].content, "Error ERR-5120: the network is unreachable.");
  EXPECT_NEAR(*hits[0].vector_score, 1.0, 1e-6);
  EXPECT_GT(*hits[0].bm25_score, *hits[1].bm25_score);
  EXPECT_GT(*hits[0].ngram_score, *hits[1].ngram_score);
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_EQ(hits[2].content, "Holiday schedule for the support team.");  // words only
  EXPECT_EQ(*hits[2].vector_score, 0);

  // The threshold applies to the fused score; the file filter and top_k as in vector search.
  EXPECT_EQ(c.HybridSearch(query, "ERR-5120", 10, 0.5, {}, HybridOptions{}).size(), 2u);
  EXPECT_EQ(c.HybridSearch(query, "ERR-5120 team", 10, 0, {"f2"}, HybridOptions{}).size(), 1u);
  EXPECT_EQ(c.HybridSearch(query, "ERR-5120", 1, 0, {}, HybridOptions{}).size(), 1u);

  // A chunk added later is indexed for the next hybrid search; an erased file is gone.
  c.Put(MakeChunk("d", "f3", "ERR-7777 means the printer is on fire.", {0, 1}));
  EXPECT_EQ(c.HybridSearch({0, 1}, "ERR-7777", 1, 0, {}, HybridOptions{})[0].content,
            "ERR-7777 means the printer is on fire.");
  c.EraseFile("f3");
  for (const SearchResult& r : c.HybridSearch({0, 1}, "ERR-7777", 10, 0, {}, HybridOptions{})) {
    EXPECT_NE(r.file_id, "f3");
  }
}

}  // namespace
}  // namespace vsr::vectorstore
