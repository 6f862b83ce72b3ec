// `vllm-sr config migrate`: rewrite a pre-v0.3 config as canonical v0.3, then validate the result.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/files.h"
#include "config/loader.h"
#include "config/migrate.h"

namespace vsr::cli {

namespace fs = std::filesystem;

// <dir>/<stem>.migrated<suffix>, as upstream names it.
static std::string DefaultMigrateOutput(const std::string& source) {
  const fs::path p(source);
  return (p.parent_path() / (p.stem().string() + ".migrated" + p.extension().string())).string();
}

int RunConfigMigrate(const std::string& source, const std::string& output, bool force) {
  std::error_code ec;
  if (!fs::exists(source, ec)) {
    std::cerr << "ERROR - Config file not found: " << source << "\n";
    return kExitError;
  }
  Diagnostics read_diags;
  const std::optional<config::YamlNode> tree = config::ParseYamlFile(source, read_diags);
  if (!tree) {
    std::cerr << "ERROR - Failed to read configuration:\n";
    for (const Diagnostic& d : read_diags.items()) std::cerr << d.Format() << "\n";
    return kExitError;
  }
  if (!tree->IsMap()) {
    std::cerr << "ERROR - Failed to read configuration: " << source
              << " is not a YAML mapping of config sections\n";
    return kExitError;
  }
  const std::string destination = output.empty() ? DefaultMigrateOutput(source) : output;
  if (fs::exists(destination, ec) && !force) {
    std::cerr << "ERROR - Output file already exists: " << destination << "\n"
              << "ERROR - Use --force to overwrite the destination\n";
    return kExitError;
  }

  const config::MigrationResult result = config::MigrateLegacyConfig(*tree, source);
  std::string error;
  if (!WriteFileAtomically(destination, config::EmitYaml(result.canonical), error)) {
    std::cerr << "ERROR - " << error << "\n";
    return kExitError;
  }
  std::cout << "Migrated configuration written successfully\n"
            << "  Source: " << source << "\n"
            << "  Output: " << destination << "\n"
            << "  Moved: " << result.moved.size() << " block(s) (see the \"migrated:\" comments)\n";
  for (const std::string& d : result.dropped)
    std::cerr << "warning: not carried over: " << d << "\n";

  // The point of migrating is a file that loads; say so, or say exactly what is left to fix.
  const config::LoadResult check = config::LoadConfigFile(destination);
  for (const Diagnostic& d : check.diags.items()) std::cerr << d.Format() << "\n";
  if (!check.diags.ok()) {
    std::cerr << "\nThe migrated file does not validate yet: " << check.diags.error_count()
              << " error(s). Fix them in " << destination << ", then run 'vllm-sr validate "
              << destination << "'.\n";
    return kExitError;
  }
  std::cout << "Migrated configuration is valid"
            << (check.diags.warning_count()
                    ? " (" + std::to_string(check.diags.warning_count()) + " warning(s))"
                    : std::string())
            << "\n";
  return kExitOk;
}

}  // namespace vsr::cli
