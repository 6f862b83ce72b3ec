#include "hub/hub_download.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "common/files.h"
#include "common/strings.h"
#include "ml/hf_cache.h"
#include "ml/model_registry.h"
#include "server/http_client.h"
#include "server/upstream_client.h"

namespace vsr::hub {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int kMaxRedirects = 5;
constexpr size_t kMaxInfoBytes = 16 * 1024 * 1024;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

// Percent-encodes all but unreserved characters (and '/' when `keep_slash`).
std::string Encode(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' ||
                       (keep_slash && c == '/');
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string HeaderOf(const server::HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return {};
}

// A redirect's Location as an absolute URL: a path ("/lfs/...") is on the host that answered.
std::string AbsoluteLocation(const server::ParsedUrl& from, const std::string& location) {
  if (location.empty() || location.front() != '/') return location;
  return std::string(from.tls ? "https://" : "http://") + from.host + ":" + from.port + location;
}

// ETags arrive quoted and sometimes weak (W/"..."); the cache names blobs by the bare value.
std::string BareEtag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

// A name the server sent that becomes a file name here: no separators, no dot-dot.
bool SafeFileName(const std::string& s) {
  if (s.empty() || s.size() > 200 || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsHex(const std::string& s, size_t size) {
  if (s.size() != size) return false;
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

uint64_t ParseSize(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) {
    return 0;
  }
  return std::stoull(s);
}

// The sha256 of a file, lower-case hex; "" when it cannot be read.
std::string FileSha256(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// An exclusive lock on `path` for the object's lifetime (released by close).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The snapshot entry points at its blob the way the Hub's tools do (relative symlink); where
// the filesystem has no symlinks, a copy.
bool LinkIntoSnapshot(const fs::path& blob, const fs::path& entry, std::string& error) {
  std::error_code ec;
  fs::remove(entry, ec);
  fs::create_symlink(fs::path("../..") / "blobs" / blob.filename(), entry, ec);
  if (ec) fs::copy_file(blob, entry, fs::copy_options::overwrite_existing, ec);
  if (ec) error = "cannot place " + entry.string() + ": " + ec.message();
  return !ec;
}

// Why a Hub answer is not a file, in words a user can act on.
std::string StatusError(int status, const std::string& repo, const std::string& what,
                        const HubOptions& o) {
  if (status == 401 || status == 403) {
    return "access to " + repo + " denied (HTTP " + std::to_string(status) + "): " +
           (o.token.empty() ? "set HF_TOKEN to a token that can read it"
                            : "HF_TOKEN cannot read it; if the repo is gated, accept its terms "
                              "on the Hub first");
  }
  if (status == 404) return what + " not found on " + o.endpoint + " (HTTP 404)";
  return what + ": the Hub answered HTTP " + std::to_string(status);
}

class Downloader {
 public:
  Downloader(const HubOptions& options, const ProgressFn& progress)
      : o_(options), progress_(progress) {
    if (auto url = server::ParseWebUrl(o_.endpoint)) endpoint_ = *url;
  }

  asio::awaitable<void> Snapshot(const std::string& repo, const std::string& revision,
                                 SnapshotResult& out) {
    if (!ml::IsHubRepoId(repo)) {
      out.error = "'" + repo + "' is not a Hugging Face repo id (org/name)";
      co_return;
    }
    if (endpoint_.host.empty()) {
      out.error = "HF_ENDPOINT '" + o_.endpoint + "' is not an http:// or https:// URL";
      co_return;
    }
    std::string commit;
    std::vector<std::string> files;
    co_await RepoInfo(repo, revision, commit, files, out.error, out.hub_unreachable);
    if (!out.error.empty()) co_return;
    const fs::path repo_dir = ml::RepoCacheDir(o_.cache_dir, repo);
    const fs::path snapshot = repo_dir / "snapshots" / commit;
    std::error_code ec;
    fs::create_directories(repo_dir / "blobs", ec);
    fs::create_directories(snapshot, ec);
    if (ec) {
      out.error = "cannot create " + snapshot.string() + ": " + ec.message();
      co_return;
    }
    for (const std::string& file : files) {
      const bool ok = co_await FetchFile(repo, commit, file, repo_dir, out);
      if (!ok) co_return;
    }
    if (revision != commit) {
      std::string error;
      if (!WriteFileAtomically((repo_dir / "refs" / revision).string(), commit, error)) {
        out.error = error;
        co_return;
      }
    }
    out.commit = commit;
    out.folder = snapshot.string();
  }

 private:
  // GET `first_url`, following up to kMaxRedirects redirects when `follow`; the token goes
  // only to the endpoint's own host.
  asio::awaitable<server::UpstreamResult> Get(const std::string& first_url,
                                              const std::string& range, bool follow) {
    server::UpstreamResult result;
    std::string url = first_url;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
      const auto parsed = server::ParseWebUrl(url);
      if (!parsed) {
        result.failure = server::UpstreamFailure::kProtocol;
        result.error = "unusable URL from the Hub: " + url;
        co_return result;
      }
      server::UpstreamRequest req;
      req.method = "GET";
      req.host = parsed->host;
      req.port = parsed->port;
      req.tls = parsed->tls;
      req.target = parsed->target;
      req.connect_timeout = o_.connect_timeout;
      req.read_timeout = o_.read_timeout;
      req.headers.emplace_back("accept-encoding", "identity");
      if (!range.empty()) req.headers.emplace_back("range", range);
      const bool same_host = parsed->host == endpoint_.host && parsed->port == endpoint_.port &&
                             parsed->tls == endpoint_.tls;
      if (same_host && !o_.token.empty()) {
        req.headers.emplace_back("authorization", "Bearer " + o_.token);
      }
      result = co_await pool_.Send(req);
      if (!follow || !result.response) co_return result;
      const int status = result.response->status;
      if (status < 300 || status >= 400 || status == 304) co_return result;
      const std::string location =
          AbsoluteLocation(*parsed, HeaderOf(result.response->headers, "location"));
      if (location.empty()) co_return result;
      const std::string drained = co_await result.response->ReadAll(64 * 1024);
      (void)drained;  // the redirect's small body, so the connection can be reused
      url = location;
    }
    result.response.reset();
    result.failure = server::UpstreamFailure::kProtocol;
    result.error = "too many redirects from the Hub";
    co_return result;
  }

  // The commit `revision` names and the repo's files (WantedFile ones).
  asio::awaitable<void> RepoInfo(const std::string& repo, const std::string& revision,
                                 std::string& commit, std::vector<std::string>& files,
                                 std::string& error, bool& unreachable) {
    const std::string url =
        o_.endpoint + "/api/models/" + repo + "/revision/" + Encode(revision, false);
    const std::string what = repo + " (revision " + revision + ")";
    server::UpstreamResult r{};
    for (int attempt = 1; attempt <= o_.attempts; ++attempt) {
      r = co_await Get(url, kNoRange, true);
      const bool transient =
          !r.response ? r.failure != server::UpstreamFailure::kProtocol : r.response->status >= 500;
      if (!transient || attempt == o_.attempts) break;
      co_await Pause(attempt);
    }
    if (!r.response) {
      unreachable = true;
      error = "cannot reach the Hugging Face Hub at " + o_.endpoint + " for " + repo + ": " +
              r.error + " (set HF_ENDPOINT for a mirror, or HF_HUB_OFFLINE=1 to skip downloads)";
      co_return;
    }
    const int status = r.response->status;
    const std::string body = co_await r.response->ReadAll(kMaxInfoBytes);
    if (status != 200) {
      error = StatusError(status, repo, what, o_);
      co_return;
    }
    boost::system::error_code ec;
    const json::value info = json::parse(body, ec);
    const json::object* obj = ec ? nullptr : info.if_object();
    const json::value* sha = obj != nullptr ? obj->if_contains("sha") : nullptr;
    const json::value* siblings = obj != nullptr ? obj->if_contains("siblings") : nullptr;
    if (sha == nullptr || !sha->is_string() || siblings == nullptr || !siblings->is_array()) {
      error = what + ": the Hub's answer has no sha and siblings (is " + o_.endpoint +
              " a Hugging Face Hub?)";
      co_return;
    }
    commit = std::string(sha->as_string());
    if (!IsHex(commit, 40)) {
      error = what + ": the Hub named commit '" + commit + "', not a 40-digit hash";
      co_return;
    }
    for (const json::value& s : siblings->as_array()) {
      const json::value* name = s.is_object() ? s.as_object().if_contains("rfilename") : nullptr;
      if (name != nullptr && name->is_string() && WantedFile(std::string(name->as_string()))) {
        files.emplace_back(name->as_string());
      }
    }
    if (files.empty()) error = what + ": the repo has no files a model folder needs";
  }

  asio::awaitable<void> Pause(int attempt) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_after(o_.retry_pause * attempt);
    co_await timer.async_wait(asio::use_awaitable);
  }

  void Report(const std::string& repo, const std::string& file, uint64_t done, uint64_t total,
              bool finished) {
    if (progress_) progress_(FileProgress{repo, file, done, total, finished});
  }

  // One file into blobs/ and the snapshot; retries resume from the bytes already on disk.
  asio::awaitable<bool> FetchFile(const std::string& repo, const std::string& commit,
                                  const std::string& file, const fs::path& repo_dir,
                                  SnapshotResult& out) {
    const fs::path entry = repo_dir / "snapshots" / commit / file;
    std::error_code ec;
    if (fs::exists(entry, ec)) {  // follows the link: its blob is there
      Report(repo, file, fs::file_size(entry, ec), fs::file_size(entry, ec), true);
      co_return true;
    }
    const std::string url =
        o_.endpoint + "/" + repo + "/resolve/" + commit + "/" + Encode(file, true);
    std::string last_error;
    for (int attempt = 1; attempt <= o_.attempts; ++attempt) {
      if (attempt > 1) co_await Pause(attempt - 1);
      bool retry = false;
      const bool ok = co_await FetchOnce(repo, file, url, repo_dir, entry, out, retry, last_error);
      if (ok) co_return true;
      if (!retry) break;
    }
    out.error = repo + "/" + file + ": " + last_error;
    co_return false;
  }

  // One attempt. False with `retry` set when trying again may help (connection, 5xx, a cut or
  // corrupt transfer).
  asio::awaitable<bool> FetchOnce(const std::string& repo, const std::string& file,
                                  const std::string& url, const fs::path& repo_dir,
                                  const fs::path& entry, SnapshotResult& out, bool& retry,
                                  std::string& error) {
    // The first answer names the blob: a redirect (LFS: X-Linked-Etag, X-Linked-Size) or the
    // file itself (ETag, Content-Length).
    server::UpstreamResult head = co_await Get(url, kNoRange, false);
    if (!head.response) {
      retry = true;
      error = head.error;
      co_return false;
    }
    const int status = head.response->status;
    if (status >= 500) {
      retry = true;
      error = "the Hub answered HTTP " + std::to_string(status);
      co_return false;
    }
    const bool redirect = status >= 300 && status < 400;
    if (status != 200 && !redirect) {
      error = StatusError(status, repo, file, o_);
      co_return false;
    }
    const auto& headers = head.response->headers;
    std::string etag = BareEtag(HeaderOf(headers, "x-linked-etag"));
    if (etag.empty()) etag = BareEtag(HeaderOf(headers, "etag"));
    uint64_t size = ParseSize(HeaderOf(headers, "x-linked-size"));
    if (size == 0 && !redirect) size = ParseSize(HeaderOf(headers, "content-length"));
    if (!SafeFileName(etag)) {
      error = "the Hub sent no usable ETag for it ('" + etag + "')";
      co_return false;
    }
    std::string target = url;
    if (redirect) {
      const std::optional<server::ParsedUrl> from = server::ParseWebUrl(url);
      target = from ? AbsoluteLocation(*from, HeaderOf(headers, "location")) : std::string();
    }

    const fs::path blob = repo_dir / "blobs" / etag;
    FileLock lock(repo_dir / "blobs" / (etag + ".lock"));
    std::error_code ec;
    if (!fs::exists(blob, ec)) {
      const fs::path partial = repo_dir / "blobs" / (etag + ".incomplete");
      uint64_t have = fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0;
      std::unique_ptr<server::UpstreamResponse> body;
      if (!redirect && have == 0) {
        body = std::move(head.response);  // the file itself, from its first byte
      } else {
        head.response.reset();
        const std::string range = have > 0 ? "bytes=" + std::to_string(have) + "-" : "";
        server::UpstreamResult got = co_await Get(target, range, true);
        if (!got.response) {
          retry = true;
          error = got.error;
          co_return false;
        }
        const int s = got.response->status;
        if (s == 416 && size > 0 && have == size) {
          got.response.reset();  // the partial file is already whole
        } else if (s == 206 && have > 0) {
          body = std::move(got.response);
        } else if (s == 200 || s == 416) {
          have = 0;  // the server ignored the range (or the partial file is wrong): start over
          fs::resize_file(partial, 0, ec);
          if (s == 200) {
            body = std::move(got.response);
          } else {
            retry = true;
            error = "the Hub refused to resume the download";
            co_return false;
          }
        } else {
          retry = s >= 500;
          error = StatusError(s, repo, file, o_);
          co_return false;
        }
      }
      if (body) {
        std::ofstream outf(partial, std::ios::binary | std::ios::app);
        if (!outf) {
          error = "cannot write " + partial.string() + ": " + std::strerror(errno);
          co_return false;
        }
        Report(repo, file, have, size, false);
        while (!body->done()) {
          const std::string piece = co_await body->Read();
          if (piece.empty()) continue;
          outf.write(piece.data(), static_cast<std::streamsize>(piece.size()));
          if (!outf) {
            error = "cannot write " + partial.string() + ": " + std::strerror(errno);
            co_return false;
          }
          have += piece.size();
          out.downloaded += piece.size();
          Report(repo, file, have, size, false);
        }
        outf.close();
        if (!body->error().empty()) {
          retry = true;  // the bytes so far stay for the next attempt
          error = "download interrupted after " + std::to_string(have) + " bytes: " + body->error();
          co_return false;
        }
      }
      const uint64_t got_size = fs::file_size(partial, ec);
      if (size > 0 && got_size != size) {
        fs::remove(partial, ec);
        retry = true;
        error = "size mismatch: expected " + std::to_string(size) + " bytes, got " +
                std::to_string(got_size);
        co_return false;
      }
      if (IsHex(etag, 64)) {  // an LFS file's ETag is its sha256
        const std::string sha = FileSha256(partial);
        if (!IEquals(sha, etag)) {
          fs::remove(partial, ec);
          retry = true;
          error = "checksum mismatch: expected sha256 " + etag + ", got " + sha;
          co_return false;
        }
      }
      fs::rename(partial, blob, ec);
      if (ec) {
        error = "cannot move " + partial.string() + " into place: " + ec.message();
        co_return false;
      }
    }
    if (!LinkIntoSnapshot(blob, entry, error)) co_return false;
    const uint64_t final_size = fs::file_size(blob, ec);
    Report(repo, file, final_size, final_size, true);
    co_return true;
  }

  // Named, not a "" temporary: GCC 12 mishandles temporaries in co_await expressions.
  const std::string kNoRange;
  HubOptions o_;
  const ProgressFn& progress_;
  server::ParsedUrl endpoint_;
  server::UpstreamPool pool_;
};

}  // namespace

HubOptions HubOptionsFromEnv() {
  HubOptions o;
  o.endpoint = EnvOr("HF_ENDPOINT", "https://huggingface.co");
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  o.token = EnvOr("HF_TOKEN", EnvOr("HUGGING_FACE_HUB_TOKEN", ""));
  o.cache_dir = ml::HubCacheDir();
  return o;
}

bool HubOffline() {
  const std::string v = ToLower(EnvOr("HF_HUB_OFFLINE", ""));
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

bool WantedFile(const std::string& name) {
  if (!SafeFileName(name)) return false;  // root level: no separators
  for (const char* ext : {".bin", ".onnx", ".onnx_data", ".msgpack", ".h5", ".ot", ".pt", ".pth",
                          ".ckpt", ".gguf", ".tflite", ".mlmodel", ".pb"}) {
    const std::string e = ext;
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) {
      return false;
    }
  }
  return true;
}

SnapshotResult DownloadSnapshot(const std::string& repo_id, const std::string& revision,
                                const HubOptions& options, const ProgressFn& progress) {
  SnapshotResult result;
  asio::io_context io;
  Downloader downloader(options, progress);
  asio::co_spawn(io, downloader.Snapshot(repo_id, revision, result),
                 [&result](const std::exception_ptr& e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     result.folder.clear();
                     result.error = std::string("download failed: ") + ex.what();
                   }
                 });
  io.run();
  return result;
}

}  // namespace vsr::hub
