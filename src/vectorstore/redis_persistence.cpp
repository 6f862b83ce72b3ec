#include "vectorstore/redis_persistence.h"

#include <boost/json.hpp>
#include <cstring>

#include "common/json_fields.h"
#include "common/json_text.h"

namespace vsr::vectorstore {

namespace json = boost::json;

namespace {

constexpr size_t kFieldsPerCommand = 256;  // HSET/HDEL batches

std::optional<json::object> ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

std::unique_ptr<RedisPersistence> RedisPersistence::Connect(const redis::Endpoint& endpoint,
                                                            std::string prefix,
                                                            std::string& error) {
  auto writer = redis::Client::Connect(endpoint, error);
  if (!writer) return nullptr;
  auto reader = redis::Client::Connect(endpoint, error);
  if (!reader) return nullptr;
  return std::unique_ptr<RedisPersistence>(
      new RedisPersistence(std::move(writer), std::move(reader), std::move(prefix)));
}

RedisPersistence::RedisPersistence(std::unique_ptr<redis::Client> writer,
                                   std::unique_ptr<redis::Client> reader, std::string prefix)
    : prefix_(std::move(prefix)),
      name_(writer->name() + ", prefix " + prefix_),
      writer_(std::move(writer)),
      reader_(std::move(reader)) {}

bool RedisPersistence::Run(const std::vector<std::string_view>& args, std::string& error) {
  std::lock_guard lock(write_mu_);
  return writer_->Checked(args, error).has_value();
}

bool RedisPersistence::SaveStore(const VectorStore& s, std::string& error) {
  return Run({"HSET", prefix_ + "stores", s.id, CompactJson(ToJson(s))}, error);
}

bool RedisPersistence::DeleteStore(const std::string& id, std::string& error) {
  return Run({"DEL", prefix_ + "files:" + id, prefix_ + "chunks:" + id, prefix_ + "vectors:" + id},
             error) &&
         Run({"HDEL", prefix_ + "stores", id}, error);
}

bool RedisPersistence::SaveFile(const VectorStoreFile& f, std::string& error) {
  return Run({"HSET", prefix_ + "files:" + f.vector_store_id, f.id, CompactJson(ToJson(f))}, error);
}

bool RedisPersistence::DeleteFile(const VectorStoreFile& f,
                                  const std::vector<std::string>& chunk_ids, std::string& error) {
  for (size_t first = 0; first < chunk_ids.size(); first += kFieldsPerCommand) {
    const size_t last = std::min(chunk_ids.size(), first + kFieldsPerCommand);
    const std::string chunks_key = prefix_ + "chunks:" + f.vector_store_id;
    const std::string vectors_key = prefix_ + "vectors:" + f.vector_store_id;
    std::vector<std::string_view> chunks_args{"HDEL", chunks_key};
    std::vector<std::string_view> vectors_args{"HDEL", vectors_key};
    for (size_t i = first; i < last; ++i) {
      chunks_args.push_back(chunk_ids[i]);
      vectors_args.push_back(chunk_ids[i]);
    }
    if (!Run(chunks_args, error) || !Run(vectors_args, error)) return false;
  }
  return Run({"HDEL", prefix_ + "files:" + f.vector_store_id, f.id}, error);
}

bool RedisPersistence::InsertChunks(const std::string& store, const std::vector<Chunk>& chunks,
                                    std::string& error) {
  const std::string chunks_key = prefix_ + "chunks:" + store;
  const std::string vectors_key = prefix_ + "vectors:" + store;
  for (size_t first = 0; first < chunks.size(); first += kFieldsPerCommand) {
    const size_t last = std::min(chunks.size(), first + kFieldsPerCommand);
    std::vector<std::string> texts, vectors;  // owners of the views below
    texts.reserve(last - first);
    vectors.reserve(last - first);
    std::vector<std::string_view> chunk_args{"HSET", chunks_key};
    std::vector<std::string_view> vector_args{"HSET", vectors_key};
    for (size_t i = first; i < last; ++i) {
      const Chunk& c = chunks[i];
      texts.push_back(CompactJson(json::object{{"id", c.id},
                                               {"file_id", c.file_id},
                                               {"filename", c.filename},
                                               {"content", c.content},
                                               {"chunk_index", c.chunk_index}}));
      vectors.push_back(redis::FloatBytes(c.embedding));
    }
    for (size_t i = first; i < last; ++i) {
      chunk_args.insert(chunk_args.end(), {chunks[i].id, texts[i - first]});
      vector_args.insert(vector_args.end(), {chunks[i].id, vectors[i - first]});
    }
    if (!Run(vector_args, error) || !Run(chunk_args, error)) return false;
  }
  return true;
}

std::optional<long long> RedisPersistence::Bump(std::string& error) {
  std::lock_guard lock(write_mu_);
  const std::optional<redis::Reply> r = writer_->Checked({"INCR", prefix_ + "version"}, error);
  if (!r) return std::nullopt;
  return r->integer;
}

std::optional<long long> RedisPersistence::Version(std::string& error) {
  std::lock_guard lock(read_mu_);
  const std::optional<redis::Reply> r = reader_->Checked({"GET", prefix_ + "version"}, error);
  if (!r) return std::nullopt;
  return r->type == redis::Reply::Type::kNil ? 0 : std::atoll(r->str.c_str());
}

bool RedisPersistence::Load(StoreMap& out, std::string& error) {
  std::lock_guard lock(read_mu_);
  const auto hgetall =
      [&](const std::string& key) -> std::optional<std::map<std::string, std::string>> {
    const std::optional<redis::Reply> r = reader_->Checked({"HGETALL", key}, error);
    if (!r) return std::nullopt;
    return redis::HashPairs(*r);
  };
  out.clear();
  const auto stores = hgetall(prefix_ + "stores");
  if (!stores) return false;
  for (const auto& [id, text] : *stores) {
    StoreState state;
    const auto meta = ParseObject(text);
    if (!meta || !FromJson(*meta, state.meta)) continue;
    const auto files = hgetall(prefix_ + "files:" + id);
    const auto chunks = hgetall(prefix_ + "chunks:" + id);
    const auto vectors = hgetall(prefix_ + "vectors:" + id);
    if (!files || !chunks || !vectors) return false;
    for (const auto& [vsf_id, file_text] : *files) {
      VectorStoreFile f;
      const auto o = ParseObject(file_text);
      if (o && FromJson(*o, f)) state.files[vsf_id] = std::move(f);
    }
    for (const auto& [chunk_id, chunk_text] : *chunks) {
      const auto o = ParseObject(chunk_text);
      auto v = vectors->find(chunk_id);
      if (!o || v == vectors->end()) continue;
      Chunk c;
      c.id = chunk_id;
      c.file_id = StringField(*o, "file_id");
      c.filename = StringField(*o, "filename");
      c.content = StringField(*o, "content");
      c.chunk_index = static_cast<int>(IntField(*o, "chunk_index"));
      c.embedding = redis::FloatsOf(v->second);
      state.chunks.Put(std::move(c));
    }
    out.emplace(id, std::move(state));
  }
  return true;
}

}  // namespace vsr::vectorstore
