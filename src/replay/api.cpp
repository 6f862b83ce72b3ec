#include "replay/api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <set>
#include <unordered_map>

#include "common/json_text.h"
#include "common/strings.h"

namespace vsr::replay {

namespace json = boost::json;

namespace {

constexpr std::string_view kBase = "/v1/router_replay";
constexpr int kDefaultLimit = 20;
constexpr int kMaxLimit = 100;

struct Filters {
  std::string search;  // lower-cased
  std::string decision, model, session_id, cache_status;
  bool Matches(const ReplayRecord& r) const {
    if (cache_status == "cached" && !r.from_cache) return false;
    if (cache_status == "streamed" && !r.streaming) return false;
    if (!decision.empty() && r.decision != decision) return false;
    if (!model.empty() && r.selected_model != model && r.original_model != model) return false;
    if (!session_id.empty() && r.session_id != session_id) return false;
    if (!search.empty() && ToLower(r.request_id).find(search) == std::string::npos) return false;
    return true;
  }
};

std::string Param(const std::map<std::string, std::string>& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? "" : std::string(Trim(it->second));
}

bool ParseFilters(const std::map<std::string, std::string>& q, Filters& f, std::string& error) {
  f.search = ToLower(Param(q, "search"));
  f.decision = Param(q, "decision");
  f.model = Param(q, "model");
  f.session_id = Param(q, "session_id");
  const std::string cache = Param(q, "cache_status");
  if (cache == "cached" || cache == "streamed") {
    f.cache_status = cache;
  } else if (!cache.empty() && cache != "all") {
    error = "cache_status must be one of all, cached, or streamed";
    return false;
  }
  return true;
}

// Go's strconv.Atoi on the raw value (no trimming), then the sign rule.
bool ParseInt(const std::map<std::string, std::string>& q, const std::string& key,
              bool positive_only, int& out, std::string& error) {
  const std::string& text = q.at(key);
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  long long value = 0;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > INT32_MAX ||
      value < INT32_MIN) {
    error = key + " must be an integer";
    return false;
  }
  if (positive_only && value <= 0) {
    error = key + " must be greater than zero";
    return false;
  }
  if (!positive_only && value < 0) {
    error = key + " must be zero or greater";
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

ApiReply Error(int status, std::string message) {
  return ApiReply{status, "", std::move(message)};
}

ApiReply Json(const json::value& payload) {
  std::string body = CompactJson(payload);
  if (body.size() > kMaxReplayPayloadBytes) {
    return Error(413,
                 "router replay response exceeds the ext-proc message size limit; retry with a "
                 "smaller page or reduce captured replay body bytes");
  }
  return ApiReply{200, std::move(body), ""};
}

ApiReply List(const ReplayStore& store, const std::map<std::string, std::string>& q) {
  Filters f;
  std::string error;
  if (!ParseFilters(q, f, error)) return Error(400, error);
  int limit = kDefaultLimit, offset = 0;
  if (q.count("limit")) {
    if (!ParseInt(q, "limit", true, limit, error)) return Error(400, error);
    limit = std::min(limit, kMaxLimit);
  }
  if (q.count("offset") && !ParseInt(q, "offset", false, offset, error)) return Error(400, error);
  json::array page;
  size_t total = 0;
  store.ForEachNewestFirst([&](const ReplayRecord& r) {
    if (!f.Matches(r)) return true;
    if (total >= static_cast<size_t>(offset) && page.size() < static_cast<size_t>(limit)) {
      page.push_back(ToJson(r));
    }
    ++total;
    return true;
  });
  const size_t start = std::min(total, static_cast<size_t>(offset));
  const size_t end = std::min(total, start + static_cast<size_t>(limit));
  json::object out{{"object", "router_replay.list"},
                   {"count", page.size()},
                   {"total", total},
                   {"limit", limit},
                   {"offset", start},
                   {"has_more", end < total}};
  if (end < total) out["next_offset"] = end;
  out["data"] = std::move(page);
  return Json(out);
}

json::array SortedCounts(const std::map<std::string, int64_t>& counts, size_t limit) {
  std::vector<std::pair<std::string, int64_t>> v(counts.begin(), counts.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (limit > 0 && v.size() > limit) v.resize(limit);
  json::array out;
  for (const auto& [name, value] : v) out.push_back(json::object{{"name", name}, {"value", value}});
  return out;
}

struct Tokens {
  int64_t in = 0, out = 0, total = 0;
};

json::array SortedTokens(const std::map<std::string, Tokens>& buckets, size_t limit) {
  std::vector<std::pair<std::string, Tokens>> v(buckets.begin(), buckets.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second.total != b.second.total ? a.second.total > b.second.total : a.first < b.first;
  });
  if (v.size() > limit) v.resize(limit);
  json::array out;
  for (const auto& [name, t] : v) {
    out.push_back(json::object{{"name", name},
                               {"input_tokens", t.in},
                               {"output_tokens", t.out},
                               {"total_tokens", t.total}});
  }
  return out;
}

std::string OrUnknown(const std::string& s) {
  return s.empty() ? "Unknown" : s;
}

ApiReply Aggregate(const ReplayStore& store, const std::map<std::string, std::string>& q) {
  Filters f;
  std::string error;
  if (!ParseFilters(q, f, error)) return Error(400, error);
  // The signal families upstream counts in signal_distribution.
  static const std::vector<std::string> kCounted = {
      "keyword", "embedding",  "domain",   "fact_check", "user_feedback",
      "reask",   "preference", "language", "context",    "complexity"};
  int64_t count = 0, cost_records = 0, usage_records = 0;
  double saved = 0, baseline = 0, actual = 0;
  std::string currency;
  std::map<std::string, int64_t> models, decisions, signal_counts;
  Tokens volume;
  std::map<std::string, Tokens> by_decision, by_model;
  std::set<std::string> all_decisions, all_models;
  store.ForEachNewestFirst([&](const ReplayRecord& r) {
    if (!r.decision.empty()) all_decisions.insert(r.decision);
    if (!r.selected_model.empty()) all_models.insert(r.selected_model);
    if (!r.original_model.empty()) all_models.insert(r.original_model);
    if (!f.Matches(r)) return true;
    ++count;
    if (r.actual_cost && r.baseline_cost && r.cost_savings) {
      saved += *r.cost_savings;
      baseline += *r.baseline_cost;
      actual += *r.actual_cost;
      if (currency.empty() && r.currency) currency = *r.currency;
      ++cost_records;
    }
    ++models[OrUnknown(r.selected_model)];
    ++decisions[OrUnknown(r.decision)];
    for (const std::string& key : kCounted) {
      auto it = r.signals.find(key);
      if (it != r.signals.end() && !it->second.empty()) {
        signal_counts[key] += static_cast<int64_t>(it->second.size());
      }
    }
    if (r.prompt_tokens || r.completion_tokens || r.total_tokens) {
      Tokens t{r.prompt_tokens.value_or(0), r.completion_tokens.value_or(0), 0};
      t.total = r.total_tokens.value_or(t.in + t.out);
      volume.in += t.in;
      volume.out += t.out;
      volume.total += t.total;
      ++usage_records;
      for (auto* bucket :
           {&by_decision[OrUnknown(r.decision)], &by_model[OrUnknown(r.selected_model)]}) {
        bucket->in += t.in;
        bucket->out += t.out;
        bucket->total += t.total;
      }
    }
    return true;
  });
  json::object summary{
      {"total_saved", saved}, {"baseline_spend", baseline}, {"actual_spend", actual}};
  if (!currency.empty()) summary["currency"] = currency;
  summary["cost_record_count"] = cost_records;
  summary["excluded_record_count"] = count - cost_records;
  json::array decisions_list, models_list;
  for (const auto& d : all_decisions) decisions_list.emplace_back(d);
  for (const auto& m : all_models) models_list.emplace_back(m);
  return Json(json::object{
      {"object", "router_replay.aggregate"},
      {"record_count", count},
      {"summary", std::move(summary)},
      {"model_selection", SortedCounts(models, 10)},
      {"decision_distribution", SortedCounts(decisions, 0)},
      {"signal_distribution", SortedCounts(signal_counts, 0)},
      {"token_volume", json::object{{"input_tokens", volume.in},
                                    {"output_tokens", volume.out},
                                    {"total_tokens", volume.total},
                                    {"excluded_record_count", count - usage_records}}},
      {"token_breakdown", json::object{{"by_decision", SortedTokens(by_decision, 8)},
                                       {"by_selected_model", SortedTokens(by_model, 8)}}},
      {"available_decisions", std::move(decisions_list)},
      {"available_models", std::move(models_list)}});
}

// The chat messages of a stored exchange: the request's messages (tool calls and results
// included) and the answer's assistant message. Bodies cut at max_body_bytes do not parse and
// add nothing.
void AppendMessages(const ReplayRecord& r, json::array& out) {
  const auto add = [&out](const json::object& m) {
    json::object msg;
    const json::value* role = m.if_contains("role");
    msg["role"] = role && role->is_string() ? role->as_string() : json::string("user");
    if (const json::value* c = m.if_contains("content");
        c && c->is_string() && !c->as_string().empty())
      msg["content"] = *c;
    if (const json::value* t = m.if_contains("tool_calls");
        t && t->is_array() && !t->as_array().empty())
      msg["tool_calls"] = *t;
    if (const json::value* id = m.if_contains("tool_call_id"); id && id->is_string())
      msg["tool_call_id"] = *id;
    out.push_back(std::move(msg));
  };
  boost::system::error_code ec;
  json::value req = json::parse(r.request_body, ec);
  if (!ec && req.is_object()) {
    if (const json::value* ms = req.as_object().if_contains("messages"); ms && ms->is_array()) {
      for (const json::value& m : ms->as_array()) {
        if (m.is_object()) add(m.as_object());
      }
    }
  }
  json::value resp = json::parse(r.response_body, ec);
  if (!ec && resp.is_object()) {
    if (const json::value* ch = resp.as_object().if_contains("choices");
        ch && ch->is_array() && !ch->as_array().empty() && ch->as_array()[0].is_object()) {
      if (const json::value* m = ch->as_array()[0].as_object().if_contains("message");
          m && m->is_object()) {
        add(m->as_object());
      }
    }
  }
}

ApiReply Trajectory(const ReplayStore& store, const std::map<std::string, std::string>& q) {
  const std::string session = Param(q, "session_id");
  if (session.empty()) return Error(400, "session_id is required");
  // As upstream at this release, the session id is matched against request ids.
  std::vector<ReplayRecord> matched;
  store.ForEachNewestFirst([&](const ReplayRecord& r) {
    if (r.request_id == session) matched.push_back(r);
    return true;
  });
  std::reverse(matched.begin(), matched.end());  // chronological
  json::array messages;
  for (const ReplayRecord& r : matched) AppendMessages(r, messages);
  return Json(json::object{{"object", "router_replay.trajectory"},
                           {"session_id", session},
                           {"record_count", matched.size()},
                           {"messages", std::move(messages)}});
}

}  // namespace

bool IsReplayPath(const std::string& path) {
  // Views, not a built prefix: every request to the data plane asks this.
  const std::string_view p = path;
  return p.starts_with(kBase) && (p.size() == kBase.size() || p[kBase.size()] == '/');
}

std::optional<ApiReply> HandleReplayApi(const ReplayStore& store, const std::string& method,
                                        const std::string& path,
                                        const std::map<std::string, std::string>& query) {
  if (!IsReplayPath(path)) return std::nullopt;
  if (method != "GET") return Error(405, "method not allowed");
  const std::string base(kBase);
  if (path == base || path == base + "/") return List(store, query);
  if (path == base + "/aggregate") return Aggregate(store, query);
  if (path == base + "/trajectory") return Trajectory(store, query);
  const std::string id = path.substr(base.size() + 1);
  const std::optional<ReplayRecord> r = store.Get(id);
  if (!r) return Error(404, "replay record not found");
  return Json(ToJson(*r));
}

}  // namespace vsr::replay
