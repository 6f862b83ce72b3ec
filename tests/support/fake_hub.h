// Test helper: a local server that speaks the parts of the Hugging Face Hub protocol a download
// uses — GET /api/models/<repo>/revision/<rev> (commit and file list), GET
// /<repo>/resolve/<commit>/<file> (small files answered directly with an ETag; LFS files
// redirected to /lfs/<sha256> with X-Linked-Etag and X-Linked-Size), and /lfs/<sha256> with
// Range support. Knobs make it misbehave the ways real networks and servers do.
#pragma once

#include <openssl/evp.h>

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "support/loopback_server.h"

namespace vsr::testing {

class FakeHub {
 public:
  struct File {
    std::string content;
    bool lfs = false;
  };

  static constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

  // `repo` serves `files`; `token` non-empty makes it private (Bearer token required).
  FakeHub(std::string repo, std::map<std::string, File> files, std::string token = "")
      : repo_(std::move(repo)), files_(std::move(files)), token_(std::move(token)) {
    server_ = std::make_unique<LoopbackServer>(
        [this](const server::HttpRequest& req, server::HttpExchange& ex)
            -> boost::asio::awaitable<void> { co_await Handle(req, ex); },
        [](int status, const std::string& message) {
          return server::HttpResponse{status, "text/plain", message, {}};
        });
  }

  // The files of a fixture model folder; model.safetensors as an LFS file.
  static std::map<std::string, File> ModelFolder(const std::string& dir) {
    std::map<std::string, File> files;
    for (const char* name : {"config.json", "tokenizer.json", "model.safetensors"}) {
      std::ifstream in(dir + "/" + name, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      files[name] = File{ss.str(), std::string(name) == "model.safetensors"};
    }
    return files;
  }

  static std::string Sha256(const std::string& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
    std::string out;
    static const char* kHex = "0123456789abcdef";
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

  std::string Url() const { return server_->Url(); }

  // Misbehaviour: the next `n` LFS transfers stop after `bytes` bytes (connection cut).
  std::atomic<int> cut_transfers{0};
  std::atomic<size_t> cut_after{0};
  // The next `n` LFS transfers send this many corrupted bytes (a flipped first byte).
  std::atomic<int> corrupt_transfers{0};
  // The next `n` requests of any kind get HTTP 503.
  std::atomic<int> unavailable{0};

  // LFS redirects point at this host (e.g. "localhost" while the Hub is 127.0.0.1): another
  // host, as a CDN is, that must never see the token.
  std::string lfs_host;

  // What happened.
  std::atomic<int> lfs_requests{0};
  std::atomic<int> ranged_requests{0};
  std::atomic<size_t> lfs_bytes_sent{0};
  std::atomic<int> authorized_lfs_requests{0};  // LFS requests that carried the token
  std::vector<std::string> paths() {
    std::lock_guard lock(mu_);
    return paths_;
  }

 private:
  boost::asio::awaitable<void> Handle(const server::HttpRequest& req, server::HttpExchange& ex) {
    {
      std::lock_guard lock(mu_);
      paths_.push_back(req.path);
    }
    if (unavailable.load() > 0) {
      --unavailable;
      const server::HttpResponse r{503, "text/plain", "try later", {}};
      co_await ex.Respond(r);
      co_return;
    }
    const auto auth = req.headers.find("authorization");
    const bool authorized =
        token_.empty() || (auth != req.headers.end() && auth->second == "Bearer " + token_);
    const std::string api = "/api/models/" + repo_ + "/revision/";
    const std::string resolve = "/" + repo_ + "/resolve/" + kCommit + "/";
    if (req.path.rfind("/lfs/", 0) == 0) {
      co_await ServeLfs(req, ex);
    } else if (!authorized && (req.path.rfind(api, 0) == 0 || req.path.rfind(resolve, 0) == 0)) {
      const server::HttpResponse r{
          401, "application/json", R"({"error":"Invalid credentials"})", {}};
      co_await ex.Respond(r);
    } else if (req.path == api + "main" || req.path == api + kCommit) {
      boost::json::array siblings;
      std::vector<std::string> names{"pytorch_model.bin", "onnx/model.onnx"};  // never fetched
      for (const auto& [name, f] : files_) names.push_back(name);
      for (const std::string& name : names) {
        siblings.push_back(boost::json::object{{"rfilename", name}});
      }
      const server::HttpResponse r{200,
                                   "application/json",
                                   boost::json::serialize(boost::json::object{
                                       {"id", repo_}, {"sha", kCommit}, {"siblings", siblings}}),
                                   {}};
      co_await ex.Respond(r);
    } else if (req.path.rfind(resolve, 0) == 0 && files_.count(req.path.substr(resolve.size()))) {
      const File& f = files_.at(req.path.substr(resolve.size()));
      server::HttpResponse r;
      r.content_type = "application/octet-stream";
      r.headers.emplace_back("x-repo-commit", kCommit);
      if (f.lfs) {
        const std::string sha = Sha256(f.content);
        r.status = 302;
        r.body = "Found. Redirecting to /lfs/" + sha;
        r.headers.emplace_back("location", lfs_host.empty() ? "/lfs/" + sha
                                                            : "http://" + lfs_host + ":" +
                                                                  std::to_string(server_->port()) +
                                                                  "/lfs/" + sha);
        r.headers.emplace_back("x-linked-etag", "\"" + sha + "\"");
        r.headers.emplace_back("x-linked-size", std::to_string(f.content.size()));
        r.headers.emplace_back("etag", "\"redirect-etag\"");
      } else {
        r.body = f.content;
        r.headers.emplace_back("etag", "\"" + Sha256(f.content).substr(0, 40) + "\"");
      }
      co_await ex.Respond(r);
    } else {
      const server::HttpResponse r{404, "application/json", R"({"error":"Entry not found"})", {}};
      co_await ex.Respond(r);
    }
  }

  boost::asio::awaitable<void> ServeLfs(const server::HttpRequest& req, server::HttpExchange& ex) {
    ++lfs_requests;
    if (req.headers.count("authorization")) ++authorized_lfs_requests;
    const File* file = nullptr;
    for (const auto& [name, f] : files_) {
      if (f.lfs && "/lfs/" + Sha256(f.content) == req.path) file = &f;
    }
    if (file == nullptr) {
      const server::HttpResponse r{404, "text/plain", "no such object", {}};
      co_await ex.Respond(r);
      co_return;
    }
    size_t from = 0;
    int status = 200;
    server::HeaderList headers;
    if (auto range = req.headers.find("range"); range != req.headers.end()) {
      ++ranged_requests;
      from = std::stoul(range->second.substr(6));  // "bytes=N-"
      status = 206;
      headers.emplace_back("content-range", "bytes " + std::to_string(from) + "-" +
                                                std::to_string(file->content.size() - 1) + "/" +
                                                std::to_string(file->content.size()));
    }
    std::string body = file->content.substr(from);
    if (corrupt_transfers.load() > 0 && !body.empty()) {
      --corrupt_transfers;
      body[0] = static_cast<char>(body[0] ^ 0x5a);
    }
    bool cut = false;
    if (cut_transfers.load() > 0) {
      --cut_transfers;
      cut = true;
      body = body.substr(0, cut_after.load());
    }
    co_await ex.BeginStream(status, "application/octet-stream", headers);
    for (size_t at = 0; at < body.size(); at += 4096) {
      const std::string piece = body.substr(at, 4096);
      lfs_bytes_sent += piece.size();
      if (!co_await ex.Write(piece)) co_return;
    }
    if (!cut) co_await ex.EndStream();  // without the last chunk the client sees a cut
  }

  std::string repo_;
  std::map<std::string, File> files_;
  std::string token_;
  std::mutex mu_;
  std::vector<std::string> paths_;
  std::unique_ptr<LoopbackServer> server_;
};

}  // namespace vsr::testing
