// Inputs the selection tests share: a keyword "embedding model" whose geometry is known, and
// the request and feedback values they build.
#pragma once

#include <string>
#include <vector>

#include "selection/selectors.h"

namespace vsr::testing {

using selection::Feedback;
using selection::SelectionInput;

// Axis 0: "math", 1: "code", 2: "poem"; a text with none of them: the zero vector.
inline std::vector<float> KeywordEmbedding(const std::string& text) {
  std::vector<float> v(3, 0.0f);
  if (text.find("math") != std::string::npos) v[0] = 1;
  if (text.find("code") != std::string::npos) v[1] = 1;
  if (text.find("poem") != std::string::npos) v[2] = 1;
  return v;
}

inline SelectionInput Query(const std::string& q, const std::string& user = "") {
  SelectionInput in;
  in.query = q;
  in.user_id = user;
  return in;
}

inline Feedback Pair(const std::string& winner, const std::string& loser, bool tie = false,
                     const std::string& decision = "", const std::string& user = "") {
  Feedback f;
  f.winner_model = winner;
  f.loser_model = loser;
  f.tie = tie;
  f.decision_name = decision;
  f.user_id = user;
  return f;
}

}  // namespace vsr::testing
