#include "redis/client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <cstring>

namespace vsr::redis {

namespace {

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

Reply Copy(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
  }
  return out;
}

bool ParsePort(std::string_view text, int& port) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && port > 0 && port < 65536;
}

}  // namespace

bool ParseAddress(std::string_view address, Endpoint& out, std::string& error) {
  std::string_view rest = address;
  if (rest.substr(0, 8) == "redis://") {
    rest.remove_prefix(8);
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
      std::string_view auth = rest.substr(0, at);
      if (const size_t colon = auth.find(':'); colon != std::string_view::npos) {
        auth.remove_prefix(colon + 1);
      }
      out.password = std::string(auth);
      rest.remove_prefix(at + 1);
    }
    if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
      const std::string_view db = rest.substr(slash + 1);
      if (!db.empty()) {
        const auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), out.database);
        if (ec != std::errc() || end != db.data() + db.size() || out.database < 0) {
          error = "redis address '" + std::string(address) + "': database '" + std::string(db) +
                  "' is not a number";
          return false;
        }
      }
      rest = rest.substr(0, slash);
    }
  } else if (rest.find("://") != std::string_view::npos) {
    error = "redis address '" + std::string(address) +
            "': only host:port or redis:// addresses are supported";
    return false;
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = std::string(rest);
  } else {
    out.host = std::string(rest.substr(0, colon));
    if (!ParsePort(rest.substr(colon + 1), out.port)) {
      error = "redis address '" + std::string(address) + "': port '" +
              std::string(rest.substr(colon + 1)) + "' is not a port number";
      return false;
    }
  }
  if (out.host.empty()) {
    error = "redis address '" + std::string(address) + "' has no host";
    return false;
  }
  return true;
}

Client::Client(Endpoint endpoint)
    : endpoint_(std::move(endpoint)), timeout_ms_(endpoint_.timeout_ms) {}

Client::~Client() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

std::unique_ptr<Client> Client::Connect(const Endpoint& endpoint, std::string& error) {
  std::unique_ptr<Client> client(new Client(endpoint));
  if (!client->Open(error)) return nullptr;
  return client;
}

std::string Client::name() const {
  return endpoint_.host + ":" + std::to_string(endpoint_.port) + "/" +
         std::to_string(endpoint_.database);
}

void Client::SetTimeout(int timeout_ms) {
  timeout_ms_ = timeout_ms;
  if (ctx_ != nullptr) redisSetTimeout(ctx_, ToTimeval(timeout_ms_));
}

bool Client::Open(std::string& error) {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  redisContext* c = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                            ToTimeval(endpoint_.timeout_ms));
  if (c == nullptr || c->err != 0) {
    error = "cannot connect to redis at " + name() + ": " +
            (c != nullptr ? std::string(c->errstr) : std::string("out of memory"));
    if (c != nullptr) redisFree(c);
    return false;
  }
  redisSetTimeout(c, ToTimeval(timeout_ms_));
  ctx_ = c;
  const auto handshake = [&](const std::vector<std::string_view>& args, const char* what) {
    auto reply = Send(args, error);
    if (reply && reply->is_error()) error = std::string(what) + ": " + reply->str;
    if (!reply || reply->is_error()) {
      error = "redis at " + name() + ": " + error;
      redisFree(ctx_);
      ctx_ = nullptr;
      return false;
    }
    return true;
  };
  if (!endpoint_.password.empty() && !handshake({"AUTH", endpoint_.password}, "AUTH failed")) {
    return false;
  }
  const std::string db = std::to_string(endpoint_.database);
  return endpoint_.database == 0 || handshake({"SELECT", db}, "SELECT failed");
}

std::optional<Reply> Client::Send(const std::vector<std::string_view>& args, std::string& error) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (reply == nullptr) {
    error = "redis at " + name() + ": " + (ctx_->err != 0 ? ctx_->errstr : "no reply");
    return std::nullopt;
  }
  Reply out = Copy(reply);
  freeReplyObject(reply);
  return out;
}

std::optional<Reply> Client::Command(const std::vector<std::string_view>& args,
                                     std::string& error) {
  if (ctx_ != nullptr && ctx_->err == 0) {
    if (auto reply = Send(args, error)) return reply;
  }
  // The connection broke (server restarted, idle timeout): one fresh connection, one retry.
  if (!Open(error)) return std::nullopt;
  return Send(args, error);
}

std::optional<Reply> Client::Checked(const std::vector<std::string_view>& args,
                                     std::string& error) {
  std::optional<Reply> reply = Command(args, error);
  if (reply && reply->is_error()) {
    error = "redis " + name() + ": " + std::string(args.empty() ? "" : args[0]) + ": " + reply->str;
    return std::nullopt;
  }
  return reply;
}

std::string FloatBytes(const std::vector<float>& v) {
  std::string out(v.size() * sizeof(float), '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<float> FloatsOf(std::string_view bytes) {
  std::vector<float> v(bytes.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

std::map<std::string, std::string> HashPairs(const Reply& r) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

}  // namespace vsr::redis
