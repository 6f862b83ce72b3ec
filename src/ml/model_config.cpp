#include "ml/model_config.h"

#include <charconv>

#include "common/files.h"

namespace vsr::ml {

namespace json = boost::json;

bool ParseIndexedLabels(const json::object& map, std::vector<std::string>& labels,
                        std::string& bad_key) {
  labels.clear();
  for (const auto& [key, name] : map) {
    size_t index = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
    if (ec != std::errc() || end != key.data() + key.size() || index >= 100000 ||
        !name.is_string()) {
      bad_key = std::string(key);
      return false;
    }
    if (labels.size() <= index) labels.resize(index + 1);
    labels[index] = std::string(name.as_string());
  }
  return true;
}

namespace {

// id2label -> labels by index (gaps named LABEL_<i>, as Hugging Face names unlabelled
// classes). Absent: no labels. False when malformed.
bool ReadLabels(const json::object& o, std::vector<std::string>& labels) {
  const json::value* v = o.if_contains("id2label");
  if (v == nullptr) return true;
  std::string bad_key;
  if (!v->is_object() || !ParseIndexedLabels(v->as_object(), labels, bad_key)) return false;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) labels[i] = "LABEL_" + std::to_string(i);
  }
  return true;
}

}  // namespace

bool ModelConfig::Load(const std::string& path, ModelConfig& out, std::string& error) {
  std::string read_error;
  const std::optional<std::string> text = ReadTextFile(path, read_error, 16 << 20);
  if (!text) {
    error = path + ": cannot open";
    return false;
  }
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) {
    error = path + ": not a JSON object";
    return false;
  }
  out.path = path;
  out.json = std::move(v.as_object());
  if (const json::value* t = out.json.if_contains("model_type"); t && t->is_string()) {
    out.model_type = std::string(t->as_string());
  }
  if (const json::value* a = out.json.if_contains("architectures");
      a && a->is_array() && !a->as_array().empty() && a->as_array()[0].is_string()) {
    out.architecture = std::string(a->as_array()[0].as_string());
  }
  if (!ReadLabels(out.json, out.labels)) {
    error = path + ": 'id2label' must map class indices (\"0\", \"1\", ...) to label names";
    return false;
  }
  return true;
}

bool ModelConfig::Int(const char* key, int& out, bool required, std::string& error) const {
  const json::value* v = json.if_contains(key);
  if (v == nullptr) {
    if (required) error = path + ": '" + key + "' is missing";
    return !required;
  }
  if (!v->is_int64() || v->as_int64() <= 0 || v->as_int64() > (1 << 24)) {
    error = path + ": '" + key + "' must be a positive integer";
    return false;
  }
  out = static_cast<int>(v->as_int64());
  return true;
}

bool ModelConfig::EncoderSizes(int& vocab, int& hidden, int& layers, int& heads, int& intermediate,
                               int& max_positions, std::string& error) const {
  if (!Int("vocab_size", vocab, true, error) || !Int("hidden_size", hidden, true, error) ||
      !Int("num_hidden_layers", layers, true, error) ||
      !Int("num_attention_heads", heads, true, error) ||
      !Int("intermediate_size", intermediate, true, error) ||
      !Int("max_position_embeddings", max_positions, false, error)) {
    return false;
  }
  if (hidden % heads != 0) {
    error = path + ": hidden_size " + std::to_string(hidden) +
            " is not divisible by num_attention_heads " + std::to_string(heads);
    return false;
  }
  return true;
}

double ModelConfig::Number(const char* key, double fallback) const {
  const json::value* v = json.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : fallback;
}

bool ModelConfig::Bool(const char* key, bool fallback) const {
  const json::value* v = json.if_contains(key);
  return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
}

std::string ModelConfig::String(const char* key, const std::string& fallback) const {
  const json::value* v = json.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : fallback;
}

}  // namespace vsr::ml
