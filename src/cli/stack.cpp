#include "cli/stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "common/files.h"
#include "common/json_text.h"
#include "server/http_client.h"

namespace vsr::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string StackLayout::LogPath(const std::string& service) const {
  return dir + "/logs/" + service + ".log";
}

std::string StackLayout::PidPath(const std::string& process) const {
  return dir + "/" + process + ".pid";
}

StackLayout CurrentStack() {
  StackLayout s;
  const char* name = std::getenv("VLLM_SR_STACK_NAME");
  s.name = name != nullptr && *name != '\0' ? name : "vllm-sr";
  for (char& c : s.name) {  // the name becomes a directory: keep it one path component
    if (c == '/' || c == '\\' || c == '.') c = '_';
  }
  s.port_offset = PortOffset();
  std::error_code ec;
  s.workspace = fs::current_path(ec).string();
  s.dir = s.workspace + "/.vllm-sr/stacks/" + s.name;
  return s;
}

bool WriteStackState(const StackLayout& stack, const StackState& state, std::string& error) {
  json::array services;
  for (const StackService& s : state.services) {
    services.push_back(json::object{
        {"name", s.name}, {"label", s.label}, {"port", s.port}, {"health_path", s.health_path}});
  }
  json::object o{{"stack", stack.name},
                 {"port_offset", stack.port_offset},
                 {"config", state.config},
                 {"services", services}};
  return WriteFileAtomically(stack.StatePath(), PrettyJson(o), error);
}

std::optional<StackState> ReadStackState(const StackLayout& stack) {
  std::string error;
  const auto text = ReadTextFile(stack.StatePath(), error, 1024 * 1024);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  StackState state;
  const json::object& o = v.as_object();
  if (const auto* c = o.if_contains("config"); c && c->is_string()) state.config = c->as_string();
  if (const auto* list = o.if_contains("services"); list && list->is_array()) {
    for (const json::value& sv : list->as_array()) {
      if (!sv.is_object()) continue;
      const json::object& so = sv.as_object();
      StackService s;
      if (const auto* n = so.if_contains("name"); n && n->is_string()) s.name = n->as_string();
      if (const auto* l = so.if_contains("label"); l && l->is_string()) s.label = l->as_string();
      if (const auto* p = so.if_contains("port"); p && p->is_int64())
        s.port = static_cast<int>(p->as_int64());
      if (const auto* h = so.if_contains("health_path"); h && h->is_string())
        s.health_path = h->as_string();
      state.services.push_back(std::move(s));
    }
  }
  return state;
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (kill(pid, 0) != 0 && errno != EPERM) return false;
  // A zombie (exited, not yet reaped) is not alive.
  std::string error;
  const auto stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat", error, 4096);
  if (!stat) return true;
  const size_t paren = stat->rfind(')');
  return paren == std::string::npos || paren + 2 >= stat->size() || (*stat)[paren + 2] != 'Z';
}

std::optional<pid_t> LivePid(const std::string& pid_path) {
  std::string error;
  const auto text = ReadTextFile(pid_path, error, 64);
  if (!text) return std::nullopt;
  char* end = nullptr;
  const long pid = std::strtol(text->c_str(), &end, 10);
  if (pid <= 0 || !ProcessAlive(static_cast<pid_t>(pid))) return std::nullopt;
  return static_cast<pid_t>(pid);
}

bool WritePid(const std::string& pid_path, pid_t pid) {
  std::string error;
  return WriteFileAtomically(pid_path, std::to_string(pid) + "\n", error);
}

bool HttpHealthy(int port, const std::string& path, int timeout_ms) {
  const server::HttpResult r =
      server::HttpCall("GET", "http://127.0.0.1:" + std::to_string(port) + path, "",
                       std::chrono::milliseconds(timeout_ms));
  return r.failure == server::HttpResult::Failure::kNone && r.status >= 200 && r.status < 400;
}

bool PortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return true;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return free;
}

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string dir = dirs.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

std::string SelfExecutable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("vllm-sr") : p.string();
}

pid_t SpawnLogged(const std::vector<std::string>& argv, const std::string& log_path,
                  bool new_session) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (new_session) setsid();
  signal(SIGTERM, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  const int in = open("/dev/null", O_RDONLY);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in >= 0) dup2(in, STDIN_FILENO);
  if (log >= 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

std::deque<std::string> LastLines(std::istream& in, size_t n) {
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
    if (lines.size() > n) lines.pop_front();
  }
  return lines;
}

}  // namespace vsr::cli
