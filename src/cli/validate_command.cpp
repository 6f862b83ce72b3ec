// `vllm-sr validate [CONFIG]`: load, decode and check a config; print every problem at once.
#include <iostream>

#include "cli/commands.h"
#include "config/loader.h"

namespace vsr::cli {
namespace {

size_t CountSignals(const config::Signals& s) {
  return s.keywords.size() + s.embeddings.size() + s.domains.size() + s.fact_check.size() +
         s.user_feedbacks.size() + s.reasks.size() + s.preferences.size() + s.language.size() +
         s.context.size() + s.structure.size() + s.complexity.size() + s.modality.size() +
         s.role_bindings.size() + s.jailbreak.size() + s.pii.size() + s.kb.size() +
         s.conversation.size() + s.session_metrics.size();
}

void PrintSummary(const config::Config& c) {
  size_t plugins = 0;
  for (const config::Decision& d : c.routing.decisions) plugins += d.plugins.size();
  std::cout << "Configuration is valid!\n"
            << "  Version: " << c.version << "\n"
            << "  Listeners: " << c.listeners.size() << "\n";
  for (const config::Listener& l : c.listeners) {
    std::cout << "    - " << l.name << " (" << l.address << ":" << l.port << ")\n";
  }
  std::cout << "  Signals: " << CountSignals(c.routing.signals) << "\n"
            << "  Decisions: " << c.routing.decisions.size() << "\n"
            << "  Plugins: " << plugins << "\n"
            << "  Models: " << c.providers.models.size() << "\n"
            << "  Default model: "
            << (c.providers.defaults.default_model.empty() ? "(none)"
                                                           : c.providers.defaults.default_model)
            << "\n";
}

int RunValidate(const std::string& path, bool strict) {
  const config::LoadResult result = config::LoadConfigFile(path);
  for (const Diagnostic& d : result.diags.items()) std::cerr << d.Format() << "\n";
  const size_t errors = result.diags.error_count();
  const size_t warnings = result.diags.warning_count();
  if (errors > 0 || (strict && warnings > 0)) {
    std::cerr << "\nConfiguration validation failed: " << errors << " error(s), " << warnings
              << " warning(s)" << (strict && errors == 0 ? " (--strict treats warnings as errors)" : "")
              << "\n";
    return kExitError;
  }
  if (warnings > 0) std::cerr << "\n" << warnings << " warning(s)\n\n";
  PrintSummary(result.config);
  return kExitOk;
}

}  // namespace

void RegisterValidate(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("validate", "Validate a canonical v0.3 config file");
  auto path = std::make_shared<std::string>("config.yaml");
  auto option_path = std::make_shared<std::string>();
  auto strict = std::make_shared<bool>(false);
  cmd->add_option("config", *path, "Config file to validate (default: config.yaml)");
  cmd->add_option("--config,-c", *option_path, "Config file to validate (same as the argument)");
  cmd->add_flag("--strict", *strict, "Treat warnings as errors");
  cmd->callback([=, &exit_code] {
    exit_code = RunValidate(option_path->empty() ? *path : *option_path, *strict);
  });
}

}  // namespace vsr::cli
