// The Unigram (SentencePiece) model of Tokenizer (see tokenizer.h; the Metaspace words come from
// tokenizer_sentencepiece.cpp): Viterbi over the pieces' log-probabilities, as Hugging Face's
// Unigram does it: an unknown character costs the
// lowest piece score minus 10, ties keep the path found first, consecutive unknowns fuse.
#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <optional>

#include "common/utf8.h"
#include "ml/tokenizer.h"

namespace vsr::ml {

namespace json = boost::json;

bool Tokenizer::LoadUnigram(const std::string& source, const void* model_json, const void* pre_json,
                            std::string& error) {
  const json::object& m = *static_cast<const json::object*>(model_json);
  const auto fail = [&](const std::string& why) {
    error = source + ": " + why;
    return false;
  };
  const json::value* vocab = m.if_contains("vocab");
  if (vocab == nullptr || !vocab->is_array() || vocab->as_array().empty()) {
    return fail("model.vocab must be a list of [piece, score]");
  }
  min_score_ = std::numeric_limits<double>::infinity();
  for (const json::value& entry : vocab->as_array()) {
    const json::array* pair = entry.if_array();
    if (pair == nullptr || pair->size() != 2 || !(*pair)[0].is_string() ||
        !(*pair)[1].is_number()) {
      return fail("model.vocab[" + std::to_string(scores_.size()) + "] is not [piece, score]");
    }
    const std::string piece((*pair)[0].as_string());
    const double score = (*pair)[1].to_number<double>();
    vocab_.emplace(piece, static_cast<int32_t>(scores_.size()));
    scores_.push_back(score);
    min_score_ = std::min(min_score_, score);
    max_piece_bytes_ = std::max(max_piece_bytes_, piece.size());
  }
  const json::value* unk = m.if_contains("unk_id");
  if (unk == nullptr || !unk->is_int64() || unk->as_int64() < 0 ||
      unk->as_int64() >= static_cast<int64_t>(scores_.size())) {
    return fail("model.unk_id must name a piece");
  }
  unk_id_ = static_cast<int32_t>(unk->as_int64());
  if (const json::value* b = m.if_contains("byte_fallback"); b && b->is_bool() && b->as_bool()) {
    return fail("model.byte_fallback is not supported yet");
  }
  const json::object* pre = static_cast<const json::object*>(pre_json);
  const json::value* pt = pre ? pre->if_contains("type") : nullptr;
  if (pt == nullptr || *pt != "Metaspace") {
    return fail("pre_tokenizer " + (pt ? json::serialize(*pt) : std::string("(none)")) +
                " is not supported with Unigram yet (Metaspace is)");
  }
  return LoadMetaspace(source, pre_json, error);
}

void Tokenizer::Viterbi(const std::string& s, size_t from, size_t to, const Ranges& source,
                        Encoding& out) const {
  struct Node {
    double score = 0;
    size_t start = 0;
    int32_t id = -1;
    bool reached = false;
  };
  const size_t n = to - from;
  std::vector<Node> best{Node{0, 0, -1, true}};  // the empty prefix
  best.resize(n + 1);
  const double unk_score = min_score_ - 10.0;
  for (size_t pos = 0; pos < n;) {
    size_t next = from + pos;
    utf8::Next(s, next);
    const size_t char_len = next - (from + pos);
    bool single = false;
    for (size_t len = 1; len <= max_piece_bytes_ && pos + len <= n; ++len) {
      const auto it = vocab_.find(s.substr(from + pos, len));
      if (it == vocab_.end()) continue;
      const double candidate = best[pos].score + scores_[static_cast<size_t>(it->second)];
      Node& target = best[pos + len];
      if (!target.reached || candidate > target.score) target = {candidate, pos, it->second, true};
      single = single || len == char_len;
    }
    if (!single) {
      const double candidate = best[pos].score + unk_score;
      Node& target = best[pos + char_len];
      if (!target.reached || candidate > target.score) target = {candidate, pos, unk_id_, true};
    }
    pos += char_len;
  }
  // Back from the end; runs of unknown pieces fuse into one.
  std::vector<std::pair<size_t, size_t>> pieces;  // byte ranges in s
  std::optional<std::pair<size_t, size_t>> unknown;
  for (size_t end = n; end > 0;) {
    const Node& node = best[end];
    const size_t start = node.start;
    if (node.id == unk_id_) {
      unknown = unknown ? std::make_pair(start, unknown->second) : std::make_pair(start, end);
    } else {
      if (unknown) pieces.push_back(*unknown);
      unknown.reset();
      pieces.emplace_back(start, end);
    }
    end = start;
  }
  if (unknown) pieces.push_back(*unknown);
  std::reverse(pieces.begin(), pieces.end());
  for (const auto& [b, e] : pieces) {
    const std::string piece = s.substr(from + b, e - b);
    const auto it = vocab_.find(piece);
    out.ids.push_back(it != vocab_.end() ? it->second : unk_id_);
    out.tokens.push_back(piece);
    out.offsets.emplace_back(source[from + b].first, source[from + e - 1].second);
  }
}

}  // namespace vsr::ml
