// A model folder's config.json: the fields every architecture shares (model_type,
// architectures[0], id2label) and typed, checked access to the rest, with errors that name the
// file and the key.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace vsr::ml {

// A {"0": "benign", "1": "jailbreak"} map (config.json's id2label, upstream's mapping files) as
// labels by class index; gaps stay empty. False with the offending key in `bad_key` when a key
// is not a class index or a value not a name.
bool ParseIndexedLabels(const boost::json::object& map, std::vector<std::string>& labels,
                        std::string& bad_key);

struct ModelConfig {
  std::string path;          // the config.json read (for errors)
  std::string model_type;    // "bert", "modernbert" ("" when absent)
  std::string architecture;  // architectures[0]: BertModel, ModernBertForSequenceClassification...
  std::vector<std::string> labels;  // id2label by class index (gaps named LABEL_<i>)
  boost::json::object json;

  // False with `error` ("<path>: ...") when unreadable, not an object or id2label is malformed.
  static bool Load(const std::string& path, ModelConfig& out, std::string& error);

  // A positive integer (<= 2^24) at `key`; absent: `out` unchanged, an error only if required.
  bool Int(const char* key, int& out, bool required, std::string& error) const;
  double Number(const char* key, double fallback) const;
  bool Bool(const char* key, bool fallback) const;
  std::string String(const char* key, const std::string& fallback) const;

  // The sizes every encoder config has: vocab_size, hidden_size, num_hidden_layers,
  // num_attention_heads, intermediate_size (required), max_position_embeddings (optional), with
  // hidden_size divisible by the number of heads.
  bool EncoderSizes(int& vocab, int& hidden, int& layers, int& heads, int& intermediate,
                    int& max_positions, std::string& error) const;
};

}  // namespace vsr::ml
