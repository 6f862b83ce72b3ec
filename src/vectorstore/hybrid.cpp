#include "vectorstore/hybrid.h"

#include <algorithm>
#include <boost/json.hpp>
#include <functional>

#include "common/utf8.h"

namespace vsr::vectorstore {

namespace json = boost::json;

bool ParseHybridOptions(const json::value& v, HybridOptions& out, std::string& error) {
  const json::object* o = v.if_object();
  if (o == nullptr) {
    error = "hybrid must be an object";
    return false;
  }
  out = HybridOptions{};
  for (const auto& [key, value] : *o) {
    const std::string field = "hybrid." + std::string(key);
    if (key == "mode") {
      if (!value.is_string() || (value.as_string() != "weighted" && value.as_string() != "rrf" &&
                                 !value.as_string().empty())) {
        error = field + " must be weighted or rrf";
        return false;
      }
      out.rrf = value.as_string() == "rrf";
      continue;
    }
    if (!value.is_number()) {
      error = field + " must be a number";
      return false;
    }
    const double x = value.to_number<double>();
    // Upstream's rule: a zero (or, for the integers, negative) value takes the default.
    if (key == "vector_weight" || key == "bm25_weight" || key == "ngram_weight") {
      if (x < 0) {
        error = field + " must not be negative";
        return false;
      }
      (key == "vector_weight" ? out.vector_weight
       : key == "bm25_weight" ? out.bm25_weight
                              : out.ngram_weight) = x;
    } else if (key == "rrf_constant") {
      if (x > 0) out.rrf_constant = static_cast<int>(std::min(x, 1e6));
    } else if (key == "bm25_k1") {
      if (x != 0) out.bm25_k1 = x;
    } else if (key == "bm25_b") {
      if (x != 0) out.bm25_b = x;
    } else if (key == "ngram_size") {
      if (x > 16) {
        error = field + " must be at most 16";
        return false;
      }
      if (x >= 1) out.ngram_size = static_cast<int>(x);
    }  // other keys: ignored, as upstream's JSON decoding does
  }
  // Only the weights that were given count; none given (or all zero): upstream's 0.7/0.2/0.1.
  const bool any =
      o->contains("vector_weight") || o->contains("bm25_weight") || o->contains("ngram_weight");
  if (!any || out.vector_weight + out.bm25_weight + out.ngram_weight == 0) {
    out.vector_weight = 0.7, out.bm25_weight = 0.2, out.ngram_weight = 0.1;
  } else {
    if (!o->contains("vector_weight")) out.vector_weight = 0;
    if (!o->contains("bm25_weight")) out.bm25_weight = 0;
    if (!o->contains("ngram_weight")) out.ngram_weight = 0;
  }
  return true;
}

std::vector<uint64_t> CharGrams(std::string_view text, int n) {
  std::u32string chars;
  for (size_t i = 0; i < text.size();) chars.push_back(utf8::ToLower(utf8::Next(text, i)));
  const auto hash = [](std::u32string_view gram) { return std::hash<std::u32string_view>{}(gram); };
  std::vector<uint64_t> grams;
  const size_t size = static_cast<size_t>(std::max(1, n));
  if (chars.empty()) return grams;
  if (chars.size() < size) {
    grams.push_back(hash(chars));
    return grams;
  }
  grams.reserve(chars.size() - size + 1);
  for (size_t i = 0; i + size <= chars.size(); ++i) {
    grams.push_back(hash(std::u32string_view(chars).substr(i, size)));
  }
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 0;
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++shared, ++i, ++j;
    }
  }
  const size_t all = a.size() + b.size() - shared;
  return all == 0 ? 0 : static_cast<double>(shared) / static_cast<double>(all);
}

namespace {

// Adds 1/(k + rank) by the ranking of `score` (best first; candidates without one are unranked).
void AddRanks(std::vector<HybridScore>& c, double HybridScore::*score, double k) {
  std::vector<size_t> order;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i].*score > 0) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return c[a].*score > c[b].*score; });
  for (size_t rank = 0; rank < order.size(); ++rank) {
    c[order[rank]].final += 1.0 / (k + static_cast<double>(rank + 1));
  }
}

}  // namespace

void FuseScores(std::vector<HybridScore>& c, const HybridOptions& o) {
  for (HybridScore& s : c) s.final = 0;
  if (o.rrf) {
    const double k = o.rrf_constant;
    AddRanks(c, &HybridScore::vector, k);
    AddRanks(c, &HybridScore::bm25, k);
    AddRanks(c, &HybridScore::ngram, k);
  } else {
    const double total = o.vector_weight + o.bm25_weight + o.ngram_weight;
    const double wv = total > 0 ? o.vector_weight / total : 1.0 / 3;
    const double wb = total > 0 ? o.bm25_weight / total : 1.0 / 3;
    const double wn = total > 0 ? o.ngram_weight / total : 1.0 / 3;
    double lo = 0, hi = 0;
    bool first = true;
    for (const HybridScore& s : c) {
      if (s.bm25 == 0) continue;
      lo = first ? s.bm25 : std::min(lo, s.bm25);
      hi = first ? s.bm25 : std::max(hi, s.bm25);
      first = false;
    }
    for (HybridScore& s : c) {
      // BM25 is unbounded: min-max over the chunks that have one (one value alone counts 1).
      // A chunk without one counts 0 (upstream's arithmetic makes it negative).
      double bm25 = 0;
      if (s.bm25 > 0) bm25 = hi > lo ? (s.bm25 - lo) / (hi - lo) : 1.0;
      s.final = wv * s.vector + wb * bm25 + wn * s.ngram;
    }
  }
  std::sort(c.begin(), c.end(), [](const HybridScore& a, const HybridScore& b) {
    return a.final != b.final ? a.final > b.final : a.row < b.row;
  });
}

}  // namespace vsr::vectorstore
