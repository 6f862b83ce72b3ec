// The vllm-sr subcommands. Each Register* adds one subcommand (and its flags) to the app.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace vsr::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;

void RegisterValidate(CLI::App& app, int& exit_code);
void RegisterConfig(CLI::App& app, int& exit_code);
// The local stack: serve; stop, status, logs, dashboard; chat.
void RegisterServe(CLI::App& app, int& exit_code);
void RegisterStackCommands(CLI::App& app, int& exit_code);
void RegisterChat(CLI::App& app, int& exit_code);
// Internal commands serve runs: the supervisor and the dashboard service.
void RegisterSupervise(CLI::App& app, int& exit_code);
void RegisterDashboardServer(CLI::App& app, int& exit_code);
void RegisterEval(CLI::App& app, int& exit_code);
// `vllm-sr router`: the router process in the foreground (serve supervises it).
void RegisterRouter(CLI::App& app, int& exit_code);
// `vllm-sr simulator`: the fake LLM backend in the foreground.
void RegisterSimulator(CLI::App& app, int& exit_code);

// Ports shift by VLLM_SR_PORT_OFFSET, as upstream's CLI does.
int PortOffset();
inline constexpr int kDefaultApiPort = 8080;
inline constexpr int kDefaultDataPort = 8888;  // data plane when config has no listeners
inline constexpr int kDefaultSimulatorPort = 8810;
inline constexpr int kDefaultDashboardPort = 8700;
inline constexpr int kDefaultMetricsPort = 9190;
inline constexpr int kDefaultPrometheusPort = 9090;

// Raises the open-file limit to VLLM_SR_NOFILE_LIMIT (default 65536, at least 8192, at most
// the hard limit); a warning when it cannot.
void RaiseFileLimit();

// `config migrate` / `config import` bodies, returning the exit code.
int RunConfigMigrate(const std::string& source, const std::string& output, bool force);
int RunConfigImport(const std::string& from, const std::string& source, const std::string& target,
                    bool force);

}  // namespace vsr::cli
