// Advanced tool filtering (global.integrations.tools.advanced_filtering; upstream's
// tools/relevance.go): the tools most similar to the question are re-ranked by a weighted blend
// of five scores — embedding similarity, lexical overlap of the question's words with the tool's
// name, description and category, overlap with its tags, whether every word of its name is in
// the question, and whether its category is the request's domain — after allow/block lists and
// an optional category filter. Words are lower-cased letter/digit runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "plugins/tools_database.h"

namespace vsr::plugins {

// What one request's ranking works with.
struct ToolRankingInput {
  std::string_view query;
  std::vector<ToolsDatabase::Match> candidates;  // the pool, any order
  size_t top_k = 3;
  std::optional<std::vector<std::string>> allow;  // names, case-insensitive; nullopt: every tool
  std::vector<std::string> block;
  std::string category;  // the request's domain ("" when none or unsure)
};

// The selected tools, best first: upstream's FilterAndRankTools.
std::vector<const ToolEntry*> RankTools(const ToolRankingInput& in,
                                        const config::AdvancedToolFiltering& advanced);

// How many similar tools the ranking starts from: candidate_pool_size when positive, top_k when
// it is 0, else max(5 x top_k, 20); never fewer than top_k.
size_t CandidatePoolSize(const config::AdvancedToolFiltering& advanced, size_t top_k);

// The allow list two lists agree on: nullopt (every tool) when both are empty, one list when the
// other is empty, else the names in both — none when they share none (upstream then allows
// every tool, surely not what two disjoint lists meant).
std::optional<std::vector<std::string>> IntersectAllow(const std::vector<std::string>& a,
                                                       const std::vector<std::string>& b);
// The union of two block lists.
std::vector<std::string> UnionBlock(const std::vector<std::string>& a,
                                    const std::vector<std::string>& b);

}  // namespace vsr::plugins
