#include "plugins/tools_ranking.h"

#include <algorithm>
#include <set>

#include "common/strings.h"
#include "common/utf8.h"

namespace vsr::plugins {

namespace {

std::string Key(std::string_view name) {
  return ToLower(Trim(name));
}

std::set<std::string> KeySet(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const std::string& n : names) {
    if (std::string k = Key(n); !k.empty()) out.insert(std::move(k));
  }
  return out;
}

// Distinct words of `words` that the question has.
size_t Overlap(const std::set<std::string>& question, const std::vector<std::string>& words) {
  std::set<std::string_view> seen;
  for (const std::string& w : words) {
    if (question.count(w) != 0) seen.insert(w);
  }
  return seen.size();
}

double Ratio(size_t overlap, size_t denominator) {
  return denominator == 0 || overlap == 0 ? 0.0 : double(overlap) / double(denominator);
}

void Append(std::vector<std::string>& to, std::vector<std::string> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

struct Scored {
  const ToolEntry* entry;
  double similarity, combined;
};

}  // namespace

size_t CandidatePoolSize(const config::AdvancedToolFiltering& advanced, size_t top_k) {
  size_t size = std::max<size_t>(top_k * 5, 20);
  if (advanced.candidate_pool_size) {
    size = *advanced.candidate_pool_size > 0 ? static_cast<size_t>(*advanced.candidate_pool_size)
                                             : top_k;
  }
  return std::max(size, top_k);
}

std::optional<std::vector<std::string>> IntersectAllow(const std::vector<std::string>& a,
                                                       const std::vector<std::string>& b) {
  if (a.empty() && b.empty()) return std::nullopt;
  if (a.empty()) return b;
  if (b.empty()) return a;
  const std::set<std::string> in_b = KeySet(b);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& name : a) {
    const std::string k = Key(name);
    if (!k.empty() && in_b.count(k) != 0 && seen.insert(k).second) out.push_back(name);
  }
  return out;
}

std::vector<std::string> UnionBlock(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto* list : {&a, &b}) {
    for (const std::string& name : *list) {
      const std::string k = Key(name);
      if (!k.empty() && seen.insert(k).second) out.push_back(name);
    }
  }
  return out;
}

std::vector<const ToolEntry*> RankTools(const ToolRankingInput& in,
                                        const config::AdvancedToolFiltering& advanced) {
  const std::set<std::string> allow = in.allow ? KeySet(*in.allow) : std::set<std::string>{};
  const std::set<std::string> block = KeySet(in.block);
  std::vector<ToolsDatabase::Match> pool;
  for (const ToolsDatabase::Match& m : in.candidates) {
    const std::string name = Key(m.entry->name);
    if (in.allow && allow.count(name) == 0) continue;
    if (block.count(name) != 0) continue;
    pool.push_back(m);
  }
  // Category filter: only the request's category, unless that leaves nothing.
  const std::string category = Key(in.category);
  if (advanced.use_category_filter.value_or(false) && !category.empty()) {
    std::vector<ToolsDatabase::Match> same;
    for (const ToolsDatabase::Match& m : pool) {
      if (Key(m.entry->category) == category) same.push_back(m);
    }
    if (!same.empty()) pool = std::move(same);
  }

  const std::vector<std::string> question_words = utf8::LowerWords(in.query);
  const std::set<std::string> question(question_words.begin(), question_words.end());
  // Weights: the configured ones (unset: 0); none configured: the embedding alone.
  const config::ToolFilteringWeights& w = advanced.weights;
  const bool any = w.embed || w.lexical || w.tag || w.name || w.category;
  const double we = any ? w.embed.value_or(0) : 1.0, wl = w.lexical.value_or(0),
               wt = w.tag.value_or(0), wn = w.name.value_or(0), wc = w.category.value_or(0);
  const double sum = we + wl + wt + wn + wc;
  const size_t min_overlap =
      static_cast<size_t>(std::max(0, advanced.min_lexical_overlap.value_or(0)));
  const double min_combined = advanced.min_combined_score.value_or(0);

  std::vector<Scored> scored;
  for (const ToolsDatabase::Match& m : pool) {
    const ToolEntry& t = *m.entry;
    const std::vector<std::string> name = utf8::LowerWords(t.name);
    std::vector<std::string> lexical = name;
    Append(lexical, utf8::LowerWords(t.description));
    Append(lexical, utf8::LowerWords(t.category));
    const size_t overlap = Overlap(question, lexical);
    if (min_overlap > 0 && overlap < min_overlap) continue;
    std::vector<std::string> tags;
    for (const std::string& tag : t.tags) Append(tags, utf8::LowerWords(tag));
    const double lexical_score = Ratio(overlap, question_words.size());
    const double tag_score = Ratio(Overlap(question, tags), tags.size());
    const bool whole_name = !name.empty() && !question.empty() &&
                            std::all_of(name.begin(), name.end(),
                                        [&](const std::string& x) { return question.count(x); });
    const double category_score = !category.empty() && Key(t.category) == category ? 1.0 : 0.0;
    const double similarity = std::clamp(m.similarity, 0.0, 1.0);
    const double combined = sum > 0 ? (we * similarity + wl * lexical_score + wt * tag_score +
                                       wn * (whole_name ? 1.0 : 0.0) + wc * category_score) /
                                          sum
                                    : 0.0;
    if (combined < min_combined) continue;
    scored.push_back({&t, m.similarity, combined});
  }
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.combined != b.combined) return a.combined > b.combined;
    if (a.similarity != b.similarity) return a.similarity > b.similarity;
    return a.entry->name < b.entry->name;
  });
  std::vector<const ToolEntry*> out;
  for (const Scored& s : scored) {
    if (in.top_k > 0 && out.size() >= in.top_k) break;
    out.push_back(s.entry);
  }
  return out;
}

}  // namespace vsr::plugins
