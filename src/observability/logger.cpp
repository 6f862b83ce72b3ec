#include "observability/logger.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "common/json_text.h"
#include "common/strings.h"

namespace vsr::observability {

namespace {

struct LogState {
  std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
  std::atomic<bool> json{true};
  std::atomic<bool> prompts{false};
  std::mutex mu;  // guards logger and secrets
  std::shared_ptr<spdlog::logger> logger;
  std::vector<std::string> secrets;
};

LogState& State() {
  static LogState state;
  return state;
}

std::shared_ptr<spdlog::logger> MakeLogger(std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = std::make_shared<spdlog::logger>("vllm-sr", std::move(sink));
  logger->set_pattern("%v");  // lines are formatted here, whole
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);  // a crash must not eat the last lines
  return logger;
}

std::shared_ptr<spdlog::logger> CurrentLogger() {
  LogState& s = State();
  std::lock_guard lock(s.mu);
  if (!s.logger) s.logger = MakeLogger(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  return s.logger;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// Local time with milliseconds, as upstream's "2006-01-02T15:04:05.000".
std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(ms.count()));
  return buf;
}

std::string_view FileName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Secrets registered at start and any "Bearer <token>" are masked.
void Redact(std::string& text) {
  {
    LogState& s = State();
    std::lock_guard lock(s.mu);
    for (const std::string& secret : s.secrets) ReplaceAll(text, secret, "***");
  }
  for (size_t at = text.find("Bearer "); at != std::string::npos;
       at = text.find("Bearer ", at + 7)) {
    size_t end = at + 7;
    while (end < text.size() && text[end] != ' ' && text[end] != '"' && text[end] != ',' &&
           text[end] != '\n') {
      ++end;
    }
    if (end > at + 7) text.replace(at + 7, end - at - 7, "***");
  }
}

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel& out) {
  const std::string n = ToLower(Trim(name));
  if (n == "debug")
    out = LogLevel::kDebug;
  else if (n == "info" || n.empty())
    out = LogLevel::kInfo;
  else if (n == "warn" || n == "warning")
    out = LogLevel::kWarn;
  else if (n == "error" || n == "dpanic" || n == "panic" || n == "fatal")
    out = LogLevel::kError;
  else
    return false;
  return true;
}

void ConfigureLogFromEnv() {
  LogLevel level = LogLevel::kInfo;
  if (const char* v = std::getenv("SR_LOG_LEVEL"); v != nullptr && ParseLogLevel(v, level)) {
    SetLogLevel(level);
  }
  if (const char* v = std::getenv("SR_LOG_ENCODING")) SetLogJson(ToLower(Trim(v)) != "console");
  if (const char* v = std::getenv("VLLM_SR_LOG_PROMPTS")) SetLogPrompts(ToLower(Trim(v)) == "true");
}

void SetLogLevel(LogLevel level) {
  State().level = static_cast<int>(level);
}
void SetLogJson(bool json) {
  State().json = json;
}
void SetLogPrompts(bool include) {
  State().prompts = include;
}

void SetLogSink(std::shared_ptr<spdlog::sinks::sink> sink) {
  LogState& s = State();
  std::lock_guard lock(s.mu);
  s.logger = MakeLogger(std::move(sink));
}

void AddLogSecret(std::string secret) {
  if (secret.size() < 6) return;
  LogState& s = State();
  std::lock_guard lock(s.mu);
  s.secrets.push_back(std::move(secret));
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= State().level.load();
}

void Log(LogLevel level, std::string_view msg, std::vector<LogField> fields,
         std::source_location where) {
  if (!LogEnabled(level)) return;
  const std::string caller =
      std::string(FileName(where.file_name())) + ":" + std::to_string(where.line());
  std::string line;
  if (State().json) {
    line = "{\"level\":\"" + std::string(LevelName(level)) + "\",\"ts\":\"" + Timestamp() +
           "\",\"caller\":\"" + caller + "\",\"msg\":";
    AppendJsonString(line, msg);
    for (const LogField& f : fields) {
      line += ',';
      AppendJsonString(line, f.key);
      line += ':';
      AppendJsonString(line, f.value);
    }
    line += '}';
  } else {
    std::string level_name = ToUpper(LevelName(level));
    line = Timestamp() + "\t" + level_name + "\t" + caller + "\t" + std::string(msg);
    for (const LogField& f : fields) line += "\t" + std::string(f.key) + "=" + f.value;
  }
  Redact(line);
  CurrentLogger()->log(spdlog::level::info, line);
}

std::string PromptForLog(std::string_view prompt) {
  if (State().prompts) return std::string(prompt);
  return "[redacted: " + std::to_string(prompt.size()) + " chars]";
}

}  // namespace vsr::observability
