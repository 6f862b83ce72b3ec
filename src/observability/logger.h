// The router's log: one line per event on stderr, JSON by default as upstream's zap logger
// writes it ({"level","ts","caller","msg", fields...}), or `console` text. Configured like
// upstream from SR_LOG_LEVEL (debug|info|warn|error; dpanic/panic/fatal count as error) and
// SR_LOG_ENCODING (json|console). Lines about a request carry its request_id field.
//
// Redaction: values registered with AddSecret (API keys read from the environment) and bearer
// tokens never reach the log; prompt text only goes in through PromptForLog, which keeps it
// out unless VLLM_SR_LOG_PROMPTS=true.
#pragma once

#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog::sinks {
class sink;
}  // namespace spdlog::sinks

namespace vsr::observability {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogField {
  std::string_view key;
  std::string value;
};

// Reads SR_LOG_LEVEL, SR_LOG_ENCODING and VLLM_SR_LOG_PROMPTS (once at start).
void ConfigureLogFromEnv();
void SetLogLevel(LogLevel level);
void SetLogJson(bool json);
void SetLogPrompts(bool include);
// Replaces the stderr sink (tests capture lines with an ostream sink).
void SetLogSink(std::shared_ptr<spdlog::sinks::sink> sink);
// A value that must never appear in a log line (masked as "***"). Empty and very short
// values (under 6 characters) are ignored: masking them would garble ordinary words.
void AddLogSecret(std::string secret);

bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view msg, std::vector<LogField> fields = {},
         std::source_location where = std::source_location::current());

// The prompt as it may appear in the log: itself when VLLM_SR_LOG_PROMPTS=true, otherwise
// "[redacted: N chars]".
std::string PromptForLog(std::string_view prompt);

// "debug" -> kDebug ...; false for an unknown name.
bool ParseLogLevel(std::string_view name, LogLevel& out);

}  // namespace vsr::observability
