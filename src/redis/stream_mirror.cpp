#include "redis/stream_mirror.h"

#include <chrono>

#include "common/replica_tag.h"

namespace vsr::redis {

namespace {
constexpr const char* kOriginField = "o";  // the writing router's tag, on every entry
}  // namespace

StreamMirror::StreamMirror(StreamMirrorOptions options, Apply apply, Log log)
    : options_(std::move(options)),
      apply_(std::move(apply)),
      log_(std::move(log)),
      origin_(ReplicaTag()),
      queue_(options_.queue_limit) {
  writer_ = std::thread([this] { WriterLoop(); });
  reader_ = std::thread([this] { ReaderLoop(); });
}

StreamMirror::~StreamMirror() {
  queue_.Stop();
  writer_.join();
  reader_.join();
}

void StreamMirror::Publish(Fields fields) {
  if (!queue_.Push(std::move(fields))) ++dropped_;
}

std::string StreamMirror::name() const {
  return options_.kind + " at " + options_.endpoint.host + ":" +
         std::to_string(options_.endpoint.port) + " (stream " + options_.stream_key + ")";
}

void StreamMirror::Warn(bool& warned, const std::string& what) {
  if (!warned && log_) log_(options_.what + ": " + what + " (retrying)");
  warned = true;
}

void StreamMirror::WriterLoop() {
  std::unique_ptr<Client> client;
  bool warned = false;
  const std::string max_len = std::to_string(options_.max_len);
  for (;;) {
    std::vector<Fields> next = queue_.Pop(1, HandoffQueue<Fields>::Clock::time_point::max());
    if (next.empty()) return;  // stopped with nothing left to write
    std::vector<std::string_view> args{"XADD", options_.stream_key, "MAXLEN", "~", max_len,
                                       "*",    kOriginField,        origin_};
    for (const auto& [name, value] : next.front()) {
      args.push_back(name);
      args.push_back(value);
    }
    std::string error;
    if (!client) client = Client::Connect(options_.endpoint, error);
    std::optional<Reply> reply;
    if (client) {
      reply = client->Command(args, error);
      if (reply && reply->is_error()) error = options_.kind + " XADD: " + reply->str;
    }
    if (reply && !reply->is_error()) {
      ++published_;
      if (warned && log_) log_(options_.what + ": " + client->name() + " is writable again");
      warned = false;
      continue;
    }
    ++dropped_;
    client.reset();  // reconnect next time
    Warn(warned, error);
    if (!queue_.Sleep(std::chrono::milliseconds(500))) return;
  }
}

void StreamMirror::ReaderLoop() {
  std::unique_ptr<Client> client;
  bool warned = false;
  std::string last_id = "0";  // the backlog first, then new entries
  const std::string block = std::to_string(options_.block_ms);
  for (;;) {
    if (queue_.stopped()) return;
    std::string error;
    if (!client) {
      client = Client::Connect(options_.endpoint, error);
      if (client) client->SetTimeout(options_.endpoint.timeout_ms + options_.block_ms);
    }
    std::optional<Reply> reply;
    if (client) {
      reply = client->Command(
          {"XREAD", "COUNT", "512", "BLOCK", block, "STREAMS", options_.stream_key, last_id},
          error);
      if (reply && reply->is_error()) error = options_.kind + " XREAD: " + reply->str;
    }
    if (!reply || reply->is_error()) {
      client.reset();
      Warn(warned, error.empty() ? options_.kind + " is not reachable" : error);
      if (!queue_.Sleep(std::chrono::milliseconds(500))) return;
      continue;
    }
    warned = false;
    // [[stream, [[id, [field, value, ...]], ...]]]; nil when BLOCK timed out.
    for (const Reply& stream : reply->elements) {
      if (stream.elements.size() != 2) continue;
      for (const Reply& entry : stream.elements[1].elements) {
        if (entry.elements.size() != 2) continue;
        last_id = entry.elements[0].str;
        Entry fields;
        const std::vector<Reply>& kv = entry.elements[1].elements;
        for (size_t i = 0; i + 1 < kv.size(); i += 2) fields[kv[i].str] = kv[i + 1].str;
        auto origin = fields.find(kOriginField);
        if (origin == fields.end() || origin->second == origin_) continue;
        apply_(fields);
        ++applied_;
      }
    }
  }
}

}  // namespace vsr::redis
