// The semantic cache with given vectors (no embedding model needed): exact and similar
// questions, thresholds, scopes, TTL, eviction policies, the verification step on a set of
// near-identical questions with other meanings, and recall of the HNSW index.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "cache/half_space.h"
#include "cache/semantic_cache.h"
#include "cache/verify.h"

namespace vsr::cache {
namespace {

std::vector<float> Vec(std::initializer_list<float> v) {
  return std::vector<float>(v);
}

TEST(SemanticCache, ExactQuestionsHitWithinTheirScopeOnly) {
  SemanticCache c({});
  c.Store("math|MoM", "what is 2+2?", {}, "four");
  LookupResult r = c.Lookup("math|MoM", "what is 2+2?", {}, 0.9);
  ASSERT_TRUE(r.hit);
  EXPECT_EQ(r.hit->answer, "four");
  EXPECT_TRUE(r.hit->exact);
  EXPECT_FALSE(c.Lookup("chat|MoM", "what is 2+2?", {}, 0.9).hit);  // another decision
  EXPECT_FALSE(c.Lookup("math|gpt", "what is 2+2?", {}, 0.9).hit);  // another requested model
  EXPECT_FALSE(c.Lookup("math|MoM", "what is 2+3?", {}, 0.9).hit);  // no vectors: exact only
}

TEST(SemanticCache, SimilarQuestionsHitAtTheThreshold) {
  SemanticCache c({});
  c.Store("s", "How do I reset my password?", Vec({1, 0, 0}), "Use the reset link.");
  c.Store("s", "What is the weather like?", Vec({0, 1, 0}), "Sunny.");
  const std::vector<float> paraphrase = Vec({0.95f, 0.31f, 0});  // cosine 0.95 to the first
  LookupResult r = c.Lookup("s", "How can I reset my password?", paraphrase, 0.9);
  ASSERT_TRUE(r.hit);
  EXPECT_EQ(r.hit->answer, "Use the reset link.");
  EXPECT_NEAR(r.hit->similarity, 0.95, 0.01);
  EXPECT_FALSE(r.hit->exact);
  r = c.Lookup("s", "How can I reset my password?", paraphrase, 0.97);
  EXPECT_FALSE(r.hit);
  EXPECT_NEAR(r.best_similarity, 0.95, 0.01);  // reported for x-vsr-cache-similarity
  // A vector of another dimension never matches (and never crashes).
  EXPECT_FALSE(c.Lookup("s", "How can I reset my password?", Vec({1, 0}), 0.1).hit);
}

TEST(SemanticCache, VerificationStopsOppositeQuestionsWithCloseVectors) {
  SemanticCache c({});
  c.Store("s", "Is it safe to eat raw eggs?", Vec({1, 0}), "Mostly, with pasteurized eggs.");
  LookupResult r = c.Lookup("s", "Is it not safe to eat raw eggs?", Vec({0.99f, 0.14f}), 0.8);
  EXPECT_FALSE(r.hit);
  EXPECT_TRUE(r.rejected_by_verification);
  CacheOptions no_check;
  no_check.verify = false;
  SemanticCache plain(no_check);
  plain.Store("s", "Is it safe to eat raw eggs?", Vec({1, 0}), "Mostly.");
  EXPECT_TRUE(plain.Lookup("s", "Is it not safe to eat raw eggs?", Vec({0.99f, 0.14f}), 0.8).hit);
}

TEST(SemanticCache, EntriesExpireAfterTheirTtl) {
  int64_t now = 1000;
  CacheOptions o;
  o.ttl_seconds = 60;
  SemanticCache c(o);
  c.SetClockForTesting([&] { return now; });
  c.Store("s", "q1", Vec({1, 0}), "a1");
  c.Store("s", "q2", Vec({0, 1}), "a2", 10);  // the plugin's own ttl_seconds
  now = 1011;
  EXPECT_TRUE(c.Lookup("s", "q1", {}, 0.5).hit);
  EXPECT_FALSE(c.Lookup("s", "q2", {}, 0.5).hit);
  EXPECT_FALSE(c.Lookup("s", "other", Vec({0, 1}), 0.5).hit);  // expired vectors do not match
  now = 1061;
  EXPECT_FALSE(c.Lookup("s", "q1", {}, 0.5).hit);
  c.Store("s", "q3", {}, "a3");  // storing reclaims expired entries
  EXPECT_EQ(c.size(), 1u);
}

std::vector<std::string> Kept(SemanticCache& c, int n) {
  std::vector<std::string> kept;
  for (int i = 0; i < n; ++i) {
    if (c.Lookup("s", "q" + std::to_string(i), {}, 1).hit) kept.push_back("q" + std::to_string(i));
  }
  return kept;
}

TEST(SemanticCache, EvictionPoliciesChooseTheirVictim) {
  for (const std::string policy : {"fifo", "lru", "lfu"}) {
    CacheOptions o;
    o.max_entries = 3;
    o.eviction_policy = policy;
    SemanticCache c(o);
    c.Store("s", "q0", {}, "a");
    c.Store("s", "q1", {}, "a");
    c.Store("s", "q2", {}, "a");
    c.Lookup("s", "q0", {}, 1);  // q0 used twice, q1 once, q2 never
    c.Lookup("s", "q0", {}, 1);
    c.Lookup("s", "q1", {}, 1);
    c.Store("s", "q3", {}, "a");
    EXPECT_EQ(c.size(), 3u);
    const std::vector<std::string> kept = Kept(c, 4);
    if (policy == "fifo") {
      EXPECT_EQ(kept, (std::vector<std::string>{"q1", "q2", "q3"})) << policy;
    } else {  // lru: q2 is least recently used; lfu: q2 is least used
      EXPECT_EQ(kept, (std::vector<std::string>{"q0", "q1", "q3"})) << policy;
    }
  }
}

TEST(SemanticCache, ANewAnswerToTheSameQuestionReplacesTheOld) {
  SemanticCache c({});
  c.Store("s", "q", Vec({1, 0}), "old");
  c.Store("s", "q", Vec({1, 0}), "new");
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.Lookup("s", "q", {}, 1).hit->answer, "new");
  EXPECT_EQ(c.Lookup("s", "q!", Vec({1, 0}), 0.9).hit->answer, "new");
}

TEST(HalfSpace, DotProductsOfHalfVectorsStayWithinOneThousandth) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0, 1);
  for (size_t dim : {3u, 64u, 768u, 1023u}) {  // odd sizes take the scalar tail
    std::vector<float> a(dim), b(dim);
    double na = 0, nb = 0;
    for (size_t i = 0; i < dim; ++i) {
      a[i] = n(rng);
      b[i] = 0.7f * a[i] + 0.3f * n(rng);
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    double exact = 0;
    for (size_t i = 0; i < dim; ++i) {
      a[i] = static_cast<float>(a[i] / std::sqrt(na));
      b[i] = static_cast<float>(b[i] / std::sqrt(nb));
      exact += a[i] * b[i];
    }
    std::vector<uint16_t> ha, hb;
    ToHalf(a, ha);
    ToHalf(b, hb);
    EXPECT_EQ(ha.size() % 4, 0u);
    EXPECT_NEAR(1.0 - HalfInnerProductDistance(ha.data(), hb.data(), &dim), exact, 1e-3) << dim;
  }
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
}

// The verification set: no near-identical question with another meaning is served, and at most
// 5% of the true paraphrases are lost compared with similarity alone (which serves them all).
TEST(Verification, NoFalseHitsOnTheNearIdenticalSet) {
  std::ifstream in(std::string(VSR_FIXTURES_DIR) + "/cache/verification_pairs.tsv");
  ASSERT_TRUE(in);
  std::string line;
  int same = 0, same_kept = 0, different = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    std::string label, a, b;
    std::getline(ss, label, '\t');
    std::getline(ss, a, '\t');
    std::getline(ss, b, '\t');
    if (label == "same") {
      ++same;
      if (SameQuestion(a, b)) {
        ++same_kept;
      } else {
        ADD_FAILURE() << "paraphrase rejected: " << a << " | " << b;
      }
    } else {
      ++different;
      EXPECT_FALSE(SameQuestion(a, b)) << "false hit: " << a << " | " << b;
    }
  }
  EXPECT_GE(same, 20);
  EXPECT_GE(different, 20);
  EXPECT_GE(same_kept * 100, same * 95);
}

TEST(SemanticCache, NearestNeighboursAreFoundAmongThousandsOfEntries) {
  CacheOptions o;
  o.max_entries = 3000;  // bench/ measures 10k and 100k; this checks recall
  o.verify = false;
  SemanticCache c(o);
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0, 1);
  const size_t dim = 64;
  std::vector<std::vector<float>> vectors(3000, std::vector<float>(dim));
  for (size_t i = 0; i < vectors.size(); ++i) {
    for (float& x : vectors[i]) x = n(rng);
    c.Store("s", "q" + std::to_string(i), vectors[i], "a" + std::to_string(i));
  }
  int found = 0;
  for (size_t i = 0; i < 300; ++i) {
    std::vector<float> q = vectors[i * 10];
    for (float& x : q) x += 0.1f * n(rng);  // a close paraphrase
    LookupResult r = c.Lookup("s", "paraphrase", q, 0.9);
    found += r.hit && r.hit->answer == "a" + std::to_string(i * 10);
  }
  EXPECT_GE(found, 297);  // recall >= 99%
}

}  // namespace
}  // namespace vsr::cache
