#include "routing/prompt_compression.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/utf8.h"

namespace vsr::routing {
namespace {

// Upstream's defaults for weights the config leaves at 0.
constexpr double kTextRankWeight = 0.20, kPositionWeight = 0.40, kTfIdfWeight = 0.35;
constexpr double kPositionDepth = 0.5;
constexpr int kPreserveFirst = 3, kPreserveLast = 2;
constexpr size_t kMaxSentences = 500;  // TextRank is quadratic: longer inputs are sampled

bool IsTerminator(char32_t c) {
  switch (c) {
    case '.':
    case '!':
    case '?':
    case 0x3002:
    case 0xFF01:
    case 0xFF1F:  // 。！？
    case 0x061F:  // Arabic question mark
    case 0x0964:
    case 0x0965:  // Devanagari danda, double danda
    case 0x1362:  // Ethiopic full stop
    case 0x0589:  // Armenian full stop
      return true;
    default:
      return false;
  }
}

bool IsDigit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool IsUpper(char32_t c) {
  return utf8::ToLower(c) != c;
}

// Code points with their byte offsets (and the end).
struct Decoded {
  std::vector<char32_t> cp;
  std::vector<size_t> at;
  explicit Decoded(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      at.push_back(i);
      cp.push_back(utf8::Next(s, i));
    }
    at.push_back(s.size());
  }
  char32_t operator[](long k) const {
    return k < 0 || k >= static_cast<long>(cp.size()) ? 0 : cp[static_cast<size_t>(k)];
  }
};

std::string_view TrimSpace(std::string_view s) {
  Decoded d(s);
  size_t b = 0, e = d.cp.size();
  while (b < e && utf8::IsWhiteSpace(d.cp[b])) ++b;
  while (e > b && utf8::IsWhiteSpace(d.cp[e - 1])) --e;
  return s.substr(d.at[b], d.at[e] - d.at[b]);
}

// Whitespace-separated fields.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < s.size();) {
    const size_t b = i;
    const char32_t c = utf8::Next(s, i);
    if (utf8::IsWhiteSpace(c)) {
      if (start != std::string_view::npos) out.push_back(s.substr(start, b - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = b;
    }
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

// A sentence's term frequencies as (term id, frequency), sorted by id: cosine similarity is a
// merge of two short lists, not hash lookups — TextRank compares every pair of sentences.
using TermCounts = std::vector<std::pair<int, double>>;

TermCounts Frequencies(const std::vector<std::string>& tokens,
                       std::unordered_map<std::string, int>& ids) {
  std::vector<int> seq;
  seq.reserve(tokens.size());
  for (const std::string& t : tokens) {
    seq.push_back(ids.emplace(t, static_cast<int>(ids.size())).first->second);
  }
  std::sort(seq.begin(), seq.end());
  TermCounts tf;
  for (int id : seq) {
    if (tf.empty() || tf.back().first != id) tf.emplace_back(id, 0.0);
    tf.back().second += 1;
  }
  for (auto& [id, f] : tf) f /= static_cast<double>(tokens.size());
  return tf;
}

double Norm(const TermCounts& a) {
  double n = 0;
  for (const auto& [id, f] : a) n += f * f;
  return std::sqrt(n);
}

double Dot(const TermCounts& a, const TermCounts& b) {
  double dot = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i].first < b[j].first) {
      ++i;
    } else if (a[i].first > b[j].first) {
      ++j;
    } else {
      dot += a[i++].second * b[j++].second;
    }
  }
  return dot;
}

// PageRank (damping 0.85, at most 100 rounds, until no score moves by 1e-5) over the
// sentences' cosine similarities; scaled so the best is 1.
std::vector<double> TextRank(const std::vector<TermCounts>& tf) {
  const size_t n = tf.size();
  if (n == 1) return {1.0};
  std::vector<double> w(n * n, 0.0), out_sum(n, 0.0), norm(n);
  for (size_t i = 0; i < n; ++i) norm[i] = Norm(tf[i]);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double denom = norm[i] * norm[j];
      w[i * n + j] = w[j * n + i] = denom == 0 ? 0 : Dot(tf[i], tf[j]) / denom;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) out_sum[i] += w[i * n + j];
  }
  constexpr double d = 0.85;
  std::vector<double> score(n, 1.0 / static_cast<double>(n)), next(n);
  for (int round = 0; round < 100; ++round) {
    double moved = 0;
    for (size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (size_t j = 0; j < n; ++j) {
        if (i != j && out_sum[j] != 0) sum += w[j * n + i] / out_sum[j] * score[j];
      }
      next[i] = (1 - d) / static_cast<double>(n) + d * sum;
      moved = std::max(moved, std::abs(next[i] - score[i]));
    }
    score.swap(next);
    if (moved < 1e-5) break;
  }
  const double best = *std::max_element(score.begin(), score.end());
  if (best > 0) {
    for (double& s : score) s /= best;
  }
  return score;
}

// Mean TF-IDF of each sentence's words (IDF = log((N+1)/(df+1))), scaled so the best is 1.
std::vector<double> TfIdf(const std::vector<TermCounts>& tf, size_t terms) {
  std::vector<int> df(terms, 0);
  for (const TermCounts& t : tf) {
    for (const auto& [id, f] : t) ++df[static_cast<size_t>(id)];
  }
  const double docs = static_cast<double>(tf.size());
  std::vector<double> out(tf.size(), 0.0);
  for (size_t i = 0; i < tf.size(); ++i) {
    for (const auto& [id, f] : tf[i]) {
      out[i] += f * std::log((docs + 1) / (df[static_cast<size_t>(id)] + 1));
    }
  }
  const double best = out.empty() ? 0 : *std::max_element(out.begin(), out.end());
  if (best > 0) {
    for (double& s : out) s /= best;
  }
  return out;
}

// Every sentence when there are few; else the first, the last, and evenly spaced ones between.
std::vector<std::string> Sample(std::vector<std::string> sentences) {
  const size_t total = sentences.size();
  if (total <= kMaxSentences) return sentences;
  std::vector<std::string> out{sentences.front()};
  const size_t middle = kMaxSentences - 2;
  const double step = static_cast<double>(total - 2) / static_cast<double>(middle);
  for (size_t i = 0; i < middle; ++i) {
    size_t idx = 1 + static_cast<size_t>(static_cast<double>(i) * step + 0.5);
    if (idx >= total - 1) idx = total - 2;
    out.push_back(sentences[idx]);
  }
  out.push_back(sentences.back());
  return out;
}

}  // namespace

int ApproxTokens(std::string_view text) {
  int cjk = 0, words = 0;
  bool any = false;
  for (std::string_view field : Fields(text)) {
    any = true;
    int field_cjk = 0;
    bool other = false;
    for (size_t i = 0; i < field.size();) {
      if (utf8::IsCjk(utf8::Next(field, i))) {
        ++field_cjk;
      } else {
        other = true;
      }
    }
    cjk += field_cjk;
    if (field_cjk == 0 || other) ++words;  // "Python函数" is one word and two CJK characters
  }
  const int total = static_cast<int>(cjk * 1.5 + words * 1.3);
  return total == 0 && any ? 1 : total;
}

std::vector<std::string> SplitSentences(std::string_view input) {
  const std::string_view text = TrimSpace(input);
  std::vector<std::string> out;
  const Decoded d(text);
  const long n = static_cast<long>(d.cp.size());
  const auto add = [&](long from, long to) {
    const std::string_view s =
        TrimSpace(text.substr(d.at[static_cast<size_t>(from)],
                              d.at[static_cast<size_t>(to)] - d.at[static_cast<size_t>(from)]));
    if (!s.empty()) out.emplace_back(s);
  };
  long start = 0;
  for (long k = 0; k < n; ++k) {
    const char32_t c = d[k];
    if (!IsTerminator(c)) continue;
    if (c == '.') {
      const bool decimal = IsDigit(d[k - 1]) && IsDigit(d[k + 1]);
      // "J. Smith": a capital alone (at the start or after a space), then a space and a capital.
      const bool initial = IsUpper(d[k - 1]) && (k - 1 == start || d[k - 2] == ' ') &&
                           d[k + 1] == ' ' && IsUpper(d[k + 2]);
      if (decimal || initial) continue;
    }
    long end = k + 1;
    while (end < n && IsTerminator(d[end])) ++end;
    add(start, end);
    while (end < n && utf8::IsWhiteSpace(d[end])) ++end;
    start = end;
    k = end - 1;
  }
  if (start < n) add(start, n);
  return out;
}

std::vector<std::string> WordTokens(std::string_view text) {
  std::vector<std::string> tokens;
  for (std::string_view field : Fields(text)) {
    std::string word, pending;  // pending: punctuation kept only when a letter follows
    bool started = false, prev_cjk = false;
    char32_t prev = 0;
    for (size_t i = 0; i < field.size();) {
      const char32_t c = utf8::Next(field, i);
      const bool token_char = utf8::IsLetterOrDigit(c);
      if (!started && !token_char) continue;
      started = true;
      if (!token_char) {
        utf8::Append(pending, utf8::ToLower(c));
        prev_cjk = false;
        continue;
      }
      word += pending;
      pending.clear();
      if (!utf8::IsCjk(c)) {
        utf8::Append(word, utf8::ToLower(c));
        prev_cjk = false;
        continue;
      }
      if (!word.empty()) tokens.push_back(std::move(word));
      word.clear();
      std::string ch;
      utf8::Append(ch, c);
      tokens.push_back(ch);
      if (prev_cjk) {
        std::string bigram;
        utf8::Append(bigram, prev);
        tokens.push_back(bigram + ch);
      }
      prev = c;
      prev_cjk = true;
    }
    if (!word.empty()) tokens.push_back(std::move(word));
  }
  return tokens;
}

Compressed CompressPrompt(std::string_view text, const config::PromptCompression& settings) {
  Compressed out;
  out.original_tokens = out.compressed_tokens = ApproxTokens(text);
  out.text = std::string(text);
  const int budget = settings.max_tokens;
  if (budget <= 0 || out.original_tokens <= budget) return out;
  std::vector<std::string> sentences = SplitSentences(text);
  if (sentences.size() <= 1) return out;
  sentences = Sample(std::move(sentences));
  const size_t n = sentences.size();

  std::unordered_map<std::string, int> term_ids;
  std::vector<TermCounts> tf(n);
  std::vector<int> cost(n);
  for (size_t i = 0; i < n; ++i) {
    tf[i] = Frequencies(WordTokens(sentences[i]), term_ids);
    cost[i] = ApproxTokens(sentences[i]);
  }
  double wr = settings.textrank_weight > 0 ? settings.textrank_weight : kTextRankWeight;
  double wp = settings.position_weight > 0 ? settings.position_weight : kPositionWeight;
  double wt = settings.tfidf_weight > 0 ? settings.tfidf_weight : kTfIdfWeight;
  const double sum = wr + wp + wt;
  wr /= sum;
  wp /= sum;
  wt /= sum;
  const double depth =
      std::clamp(settings.position_depth > 0 ? settings.position_depth : kPositionDepth, 0.0, 1.0);
  const std::vector<double> rank = TextRank(tf);
  const std::vector<double> density = TfIdf(tf, term_ids.size());
  std::vector<double> score(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(n - 1);
    const double position = 1.0 - depth * std::sin(M_PI * t);  // U-shaped: edges weigh most
    score[i] = wr * rank[i] + wp * position + wt * density[i];
  }

  std::vector<bool> keep(n, false);
  int used = 0;
  const auto take = [&](size_t i) {
    if (!keep[i] && used + cost[i] <= budget) {
      keep[i] = true;
      used += cost[i];
    }
  };
  for (size_t i = 0; i < n && i < static_cast<size_t>(kPreserveFirst); ++i) take(i);
  for (size_t i = n > kPreserveLast ? n - kPreserveLast : 0; i < n; ++i) take(i);
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    if (!keep[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score[a] > score[b]; });
  for (size_t i : order) take(i);

  out.text.clear();
  for (size_t i = 0; i < n; ++i) {
    if (!keep[i]) continue;
    if (!out.text.empty()) out.text += ' ';
    out.text += sentences[i];
    out.kept.push_back(i);
  }
  out.compressed_tokens = used;
  return out;
}

SignalTexts PrepareSignalTexts(std::string_view text, const config::PromptCompression& settings) {
  SignalTexts out;
  const std::string_view cut =
      settings.max_evaluation_chars > 0
          ? utf8::Prefix(text, static_cast<size_t>(settings.max_evaluation_chars))
          : text;
  out.cut = cut.size() < text.size();
  out.full = cut;
  if (!settings.enabled || settings.max_tokens <= 0) return out;
  if (settings.min_length > 0 && cut.size() <= static_cast<size_t>(settings.min_length)) {
    return out;
  }
  // ApproxTokens never exceeds 1.3 per byte (+1): a text that short is within budget without
  // counting (a 2 KB prompt against the default 4096 tokens skips the count on every request).
  if (static_cast<double>(cut.size()) * 1.3 + 1 <= settings.max_tokens) return out;
  Compressed c = CompressPrompt(cut, settings);
  if (c.kept.empty()) return out;
  out.compressed_text = std::move(c.text);
  out.was_compressed = true;
  return out;
}

}  // namespace vsr::routing
