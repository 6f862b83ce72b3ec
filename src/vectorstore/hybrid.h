// Hybrid search (upstream's vectorstore/hybrid.go): a chunk's score blends its vector similarity
// with two text matches of the question — BM25 over words and the Jaccard similarity of
// character n-grams — so exact names, codes and numbers the embedding blurs still count.
// Fusion is `weighted` (weights normalized to sum 1; BM25 min-max normalized over the chunks
// that have one) or `rrf` (reciprocal rank fusion: the sum of 1/(k + rank) over the three
// rankings). The pieces here are pure; Collection keeps the per-chunk text features.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vsr::vectorstore {

// A search request's "hybrid" object, upstream's defaults for what it leaves out.
struct HybridOptions {
  bool rrf = false;  // mode: weighted (default) or rrf
  double vector_weight = 0.7, bm25_weight = 0.2, ngram_weight = 0.1;
  int rrf_constant = 60;
  double bm25_k1 = 1.2, bm25_b = 0.75;
  int ngram_size = 3;
};

// Reads `v` (an object) into `out`; false with `error` naming the field ("hybrid.mode must be
// weighted or rrf", "hybrid.bm25_k1 must be a number", ...).
bool ParseHybridOptions(const boost::json::value& v, HybridOptions& out, std::string& error);

// The distinct character n-grams (code points) of `text` lower-cased, hashed and sorted; a
// text shorter than n is one gram.
std::vector<uint64_t> CharGrams(std::string_view text, int n);
// |A ∩ B| / |A ∪ B| of two sorted, distinct lists.
double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

// One candidate's scores; 0 where that retriever did not find it.
struct HybridScore {
  size_t row = 0;
  double vector = 0, bm25 = 0, ngram = 0;
  double final = 0;
};

// Fills `final` for every candidate (each has at least one non-zero score) and sorts them best
// first (ties: lower row first).
void FuseScores(std::vector<HybridScore>& candidates, const HybridOptions& options);

}  // namespace vsr::vectorstore
