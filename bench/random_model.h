// Benchmarks' model folders: random-weight checkpoints of a real model's size in Hugging Face's
// layout (no download needed: latency depends on shapes, not on trained values), and a
// WordPiece tokenizer.json over a synthetic vocabulary ("w0", "w1", ...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace vsr::bench {

using TensorShapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

// model.safetensors with every tensor F32, N(0, stddev) values (LayerNorm weights included:
// fine for timing).
inline void WriteRandomSafetensors(const std::string& path, const TensorShapes& tensors,
                                   float stddev = 0.05f, unsigned seed = 7) {
  std::string header = "{";
  size_t offset = 0;
  for (const auto& [name, shape] : tensors) {
    size_t n = 1;
    std::string dims;
    for (int64_t d : shape) {
      n *= static_cast<size_t>(d);
      dims += (dims.empty() ? "" : ",") + std::to_string(d);
    }
    header += (header.size() > 1 ? "," : "") +
              ("\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[" +
               std::to_string(offset) + "," + std::to_string(offset + 4 * n) + "]}");
    offset += 4 * n;
  }
  header += "}";
  std::ofstream out(path, std::ios::binary);
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((len >> (8 * i)) & 0xff));
  out << header;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> chunk(1 << 16);
  for (size_t left = offset / 4; left > 0;) {
    const size_t n = std::min(left, chunk.size());
    for (size_t i = 0; i < n; ++i) chunk[i] = normal(rng);
    out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(4 * n));
    left -= n;
  }
}

// tokenizer.json: BERT normalizer and pre-tokenizer, WordPiece over [PAD] [UNK] [CLS] [SEP]
// [MASK] w0 ... w<words-1>, [CLS] $A [SEP].
inline void WriteWordTokenizer(const std::string& path, int words) {
  std::ofstream out(path);
  out << R"({"version":"1.0","added_tokens":[)"
      << R"({"id":0,"content":"[PAD]","special":true},{"id":1,"content":"[UNK]","special":true},)"
      << R"({"id":2,"content":"[CLS]","special":true},{"id":3,"content":"[SEP]","special":true},)"
      << R"({"id":4,"content":"[MASK]","special":true}],)"
      << R"("normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,)"
      << R"("strip_accents":null,"lowercase":true},"pre_tokenizer":{"type":"BertPreTokenizer"},)"
      << R"("post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[CLS]",)"
      << R"("type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]",)"
      << R"("type_id":0}}],"special_tokens":{"[CLS]":{"id":"[CLS]","ids":[2],"tokens":["[CLS]"]},)"
      << R"("[SEP]":{"id":"[SEP]","ids":[3],"tokens":["[SEP]"]}}},)"
      << R"("model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",)"
      << R"("max_input_chars_per_word":100,"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,)"
      << R"("[MASK]":4)";
  for (int i = 0; i < words; ++i) out << ",\"w" << i << "\":" << (i + 5);
  out << "}}}";
}

struct BertSize {
  int vocab, hidden, layers, heads, ffn, positions;
};

// A BertModel folder in Hugging Face's layout: config.json, random model.safetensors and the
// word tokenizer (its vocabulary fills `vocab`).
inline void WriteRandomBert(const std::string& dir, const BertSize& z) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << R"({"model_type":"bert","architectures":["BertModel"],"vocab_size":)" << z.vocab
      << R"(,"hidden_size":)" << z.hidden << R"(,"num_hidden_layers":)" << z.layers
      << R"(,"num_attention_heads":)" << z.heads << R"(,"intermediate_size":)" << z.ffn
      << R"(,"max_position_embeddings":)" << z.positions
      << R"(,"type_vocab_size":2,"hidden_act":"gelu","layer_norm_eps":1e-12})";
  const int64_t h = z.hidden, f = z.ffn;
  TensorShapes t = {{"embeddings.word_embeddings.weight", {z.vocab, h}},
                    {"embeddings.position_embeddings.weight", {z.positions, h}},
                    {"embeddings.token_type_embeddings.weight", {2, h}},
                    {"embeddings.LayerNorm.weight", {h}},
                    {"embeddings.LayerNorm.bias", {h}}};
  for (int l = 0; l < z.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    for (const char* m : {"query", "key", "value"}) {
      t.push_back({p + "attention.self." + m + ".weight", {h, h}});
      t.push_back({p + "attention.self." + m + ".bias", {h}});
    }
    t.push_back({p + "attention.output.dense.weight", {h, h}});
    t.push_back({p + "attention.output.dense.bias", {h}});
    t.push_back({p + "attention.output.LayerNorm.weight", {h}});
    t.push_back({p + "attention.output.LayerNorm.bias", {h}});
    t.push_back({p + "intermediate.dense.weight", {f, h}});
    t.push_back({p + "intermediate.dense.bias", {f}});
    t.push_back({p + "output.dense.weight", {h, f}});
    t.push_back({p + "output.dense.bias", {h}});
    t.push_back({p + "output.LayerNorm.weight", {h}});
    t.push_back({p + "output.LayerNorm.bias", {h}});
  }
  WriteRandomSafetensors(dir + "/model.safetensors", t);
  WriteWordTokenizer(dir + "/tokenizer.json", z.vocab - 5);
}

}  // namespace vsr::bench
