// The vllm-sr subcommands. Each Register* adds one subcommand (and its flags) to the app.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace vsr::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;

void RegisterValidate(CLI::App& app, int& exit_code);
void RegisterConfig(CLI::App& app, int& exit_code);
// serve, stop, status, logs, dashboard, eval, chat: flags as upstream, work lands later.
void RegisterRuntimeCommands(CLI::App& app, int& exit_code);

// `config migrate` / `config import` bodies, returning the exit code.
int RunConfigMigrate(const std::string& source, const std::string& output, bool force);
int RunConfigImport(const std::string& from, const std::string& source, const std::string& target,
                    bool force);

}  // namespace vsr::cli
