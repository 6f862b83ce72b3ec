// The vllm-sr subcommands. Each Register* adds one subcommand (and its flags) to the app.
#pragma once

#include <CLI/CLI.hpp>

namespace vsr::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;

void RegisterValidate(CLI::App& app, int& exit_code);
void RegisterConfig(CLI::App& app, int& exit_code);
// serve, stop, status, logs, dashboard, eval, chat: flags as upstream, work lands later.
void RegisterRuntimeCommands(CLI::App& app, int& exit_code);

}  // namespace vsr::cli
