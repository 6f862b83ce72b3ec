// vllm-sr: command-line entry point. Parsing lives in CLI11; each command in its own file.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"vLLM Semantic Router - intelligent routing for Mixture-of-Models (MoM)", "vllm-sr"};
  app.set_version_flag("--version", std::string("vllm-sr version: ") + VLLM_SR_VERSION,
                       "Print the version and exit");
  app.require_subcommand(0, 1);
  int exit_code = vsr::cli::kExitOk;
  vsr::cli::RegisterServe(app, exit_code);
  vsr::cli::RegisterStackCommands(app, exit_code);
  vsr::cli::RegisterChat(app, exit_code);
  vsr::cli::RegisterEval(app, exit_code);
  vsr::cli::RegisterRouter(app, exit_code);
  vsr::cli::RegisterSimulator(app, exit_code);
  vsr::cli::RegisterSupervise(app, exit_code);
  vsr::cli::RegisterDashboardServer(app, exit_code);
  vsr::cli::RegisterValidate(app, exit_code);
  vsr::cli::RegisterConfig(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return exit_code;
}
