// `vllm-sr config {router,envoy,migrate,import}`.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "config/loader.h"

namespace vsr::cli {
namespace {

struct ConfigArgs {
  std::string config = "config.yaml";
  std::string output;
  bool force = false;
  std::string from;
  std::string source;
  std::string target = "config.yaml";
};

int PrintRouterConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "ERROR - Config file not found: " << path << "\n"
              << "ERROR - Run 'vllm-sr serve' to bootstrap setup mode and create a config file\n";
    return kExitError;
  }
  const config::LoadResult result = config::LoadConfigFile(path);
  for (const Diagnostic& d : result.diags.items()) std::cerr << d.Format() << "\n";
  if (!result.diags.ok()) return kExitError;
  std::cout << in.rdbuf();
  return kExitOk;
}

}  // namespace

void RegisterConfig(CLI::App& app, int& exit_code) {
  static ConfigArgs args;
  auto* cmd = app.add_subcommand("config", "Inspect, migrate or import configuration");
  cmd->require_subcommand(1);

  auto* router = cmd->add_subcommand("router", "Validate and print the router config");
  router->add_option("--config", args.config, "Config file (default: config.yaml)");
  router->callback([&exit_code] { exit_code = PrintRouterConfig(args.config); });

  auto* envoy = cmd->add_subcommand("envoy", "Print the generated proxy config");
  envoy->add_option("--config", args.config, "Config file (default: config.yaml)");
  envoy->callback([&exit_code] {
    std::cerr << "ERROR - 'vllm-sr config envoy' is not implemented yet: vllm-sr (C++) serves the "
                 "data plane itself and generates no Envoy config.\n";
    exit_code = kExitError;
  });

  auto* migrate = cmd->add_subcommand("migrate", "Convert a pre-v0.3 config to the canonical layout");
  migrate->add_option("--config", args.config, "Old config file (default: config.yaml)");
  migrate->add_option("--output", args.output, "Output file (default: <name>.migrated.yaml)");
  migrate->add_flag("--force", args.force, "Overwrite the output file");
  migrate->callback(
      [&exit_code] { exit_code = RunConfigMigrate(args.config, args.output, args.force); });

  auto* import = cmd->add_subcommand("import", "Import model providers from another tool");
  import->add_option("--from", args.from, "Source tool (supported: openclaw)")->required();
  import->add_option("--source", args.source, "Source file (default: discovered)");
  import->add_option("--target", args.target, "Config to write or merge into (default: config.yaml)");
  import->add_flag("--force", args.force, "Overwrite backup files");
  import->callback([&exit_code] {
    exit_code = RunConfigImport(args.from, args.source, args.target, args.force);
  });
}

}  // namespace vsr::cli
