// `vllm-sr config import --from openclaw`: find and read OpenClaw's config, merge its providers
// into the target config, validate, back both files up, then write both.
#include <boost/json/parser.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/files.h"
#include "common/json_text.h"
#include "common/strings.h"
#include "config/legacy_layout.h"
#include "config/loader.h"
#include "config/migrate.h"
#include "config/openclaw_import.h"

namespace vsr::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kOpenClawConfigEnv = "OPENCLAW_CONFIG_PATH";

// An import failure: one message, already in upstream's words.
struct ImportError {
  std::string message;
};

fs::path ExpandUser(const std::string& p) {
  const char* home = std::getenv("HOME");
  if (home != nullptr && (p == "~" || p.starts_with("~/")))
    return fs::path(home) / p.substr(p == "~" ? 1 : 2);
  return fs::path(p);
}

fs::path DiscoverSource(const std::string& explicit_path) {
  std::error_code ec;
  if (!explicit_path.empty()) {
    const fs::path candidate = ExpandUser(explicit_path);
    if (!fs::exists(candidate, ec))
      throw ImportError{"OpenClaw config not found: " + candidate.string()};
    if (fs::is_directory(candidate, ec)) {
      throw ImportError{"OpenClaw config path is a directory: " + candidate.string()};
    }
    return candidate;
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv(kOpenClawConfigEnv); env != nullptr && *env != '\0') {
    candidates.push_back(ExpandUser(env));
  }
  candidates.push_back(fs::current_path(ec) / "openclaw.json");
  if (const char* home = std::getenv("HOME"))
    candidates.push_back(fs::path(home) / ".openclaw" / "openclaw.json");
  std::string checked;
  for (const fs::path& c : candidates) {
    checked += (checked.empty() ? "" : ", ") + c.string();
    if (fs::is_regular_file(c, ec)) return c;
  }
  throw ImportError{"Could not find an OpenClaw config. Checked " + checked + ". Set " +
                    kOpenClawConfigEnv + " or pass --source."};
}

json::object ParseSource(const fs::path& path, const std::string& raw) {
  json::parse_options options;
  options.max_depth = 64;
  json::parser parser({}, options);
  std::error_code ec;
  const size_t used = parser.write_some(raw.data(), raw.size(), ec);
  if (!ec && used < raw.size()) ec = json::make_error_code(json::error::extra_data);
  if (ec) {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < std::min(used, raw.size()); ++i) {
      column = raw[i] == '\n' ? 1 : column + 1;
      line += raw[i] == '\n' ? 1 : 0;
    }
    throw ImportError{"OpenClaw config " + path.string() + " is not valid JSON: " + ec.message() +
                      ": line " + std::to_string(line) + " column " + std::to_string(column)};
  }
  json::value value = parser.release();
  if (!value.is_object()) {
    throw ImportError{"OpenClaw config " + path.string() +
                      " must contain a JSON object at the top level."};
  }
  return std::move(value.as_object());
}

config::YamlNode LoadTarget(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return config::MinimalImportTarget();
  if (fs::is_directory(path, ec))
    throw ImportError{"Target config path is a directory: " + path.string()};
  Diagnostics diags;
  std::optional<config::YamlNode> tree = config::ParseYamlFile(path.string(), diags);
  if (!tree) {
    std::string detail;
    for (const Diagnostic& d : diags.items()) detail += (detail.empty() ? "" : "; ") + d.Format();
    throw ImportError{"Failed to read target config " + path.string() + ": " + detail};
  }
  if (tree->IsNull()) tree = config::YamlNode::Map();
  if (!tree->IsMap())
    throw ImportError{"Target config " + path.string() + " did not resolve to a mapping."};
  // An old-layout target is migrated first, as upstream does; a canonical one is kept as is.
  if (!config::LegacyTopLevelKeys(*tree).empty() || !config::DeprecatedFields(*tree).empty()) {
    tree = config::MigrateLegacyConfig(*tree, path.string()).canonical;
  }
  config::NormalizeImportTarget(*tree);
  return *tree;
}

void Write(const fs::path& path, const std::string& content) {
  std::string error;
  if (!WriteFileAtomically(path.string(), content, error)) throw ImportError{error};
}

std::string Read(const fs::path& path, const char* what) {
  std::string error;
  std::optional<std::string> text = ReadTextFile(path.string(), error);
  if (!text)
    throw ImportError{std::string("Failed to read ") + what + " " + path.string() + ": " + error};
  return *text;
}

int Import(const std::string& from, const std::string& source_arg, const std::string& target_arg,
           bool force) {
  if (ToLower(Trim(from)) != "openclaw") {
    throw ImportError{"Unsupported import source '" + from + "'. Supported values: openclaw."};
  }
  const fs::path source = DiscoverSource(source_arg);
  const std::string source_raw = Read(source, "OpenClaw config");
  json::object source_data = ParseSource(source, source_raw);
  std::string error;
  const auto models = config::CollectOpenClawModels(source_data, error);
  if (!models) throw ImportError{error};

  const fs::path target = ExpandUser(target_arg);
  config::YamlNode merged = LoadTarget(target);
  config::MergeOpenClawModels(merged, *models);
  const auto base_url = config::ListenerBaseUrl(merged, error);
  if (!base_url) throw ImportError{error};
  // A second import after the rewrite would make the router its own backend (a request loop).
  for (const config::OpenClawModel& m : *models) {
    const json::value* url = m.provider.if_contains("baseUrl");
    if (url != nullptr && url->is_string() &&
        Trim(std::string_view(url->get_string())) == *base_url) {
      throw ImportError{"OpenClaw provider '" + m.provider_key +
                        "' already points at this router (" + *base_url +
                        "); it was imported before. Restore " + source.string() +
                        ".bak to import its original providers again."};
    }
  }
  config::RewriteOpenClawSource(source_data, *models, *base_url);

  const std::string target_text = config::EmitYaml(merged);
  const config::LoadResult check = config::LoadConfigTree(merged);
  if (!check.diags.ok()) {
    std::string rendered;
    for (const Diagnostic& d : check.diags.items()) {
      if (d.severity == Severity::kError) rendered += (rendered.empty() ? "" : "; ") + d.Format();
    }
    throw ImportError{"Imported config failed validation: " + rendered};
  }

  std::error_code ec;
  const bool target_exists = fs::exists(target, ec);
  const fs::path target_backup = target.string() + ".bak";
  const fs::path source_backup = source.string() + ".bak";
  std::string existing;
  for (const fs::path& b : {target_exists ? target_backup : fs::path(), source_backup}) {
    if (!b.empty() && fs::exists(b, ec)) existing += (existing.empty() ? "" : ", ") + b.string();
  }
  if (!existing.empty() && !force) {
    throw ImportError{"Backup file already exists: " + existing +
                      ". Use --force to overwrite backup files."};
  }
  if (target_exists) Write(target_backup, Read(target, "target config"));
  Write(target, target_text);
  Write(source_backup, source_raw);
  Write(source, PrettyJson(source_data));

  std::cout << "Imported OpenClaw configuration written successfully\n"
            << "  Source: " << source.string() << "\n"
            << "  Source backup: " << source_backup.string() << "\n"
            << "  Target: " << target.string() << "\n";
  if (target_exists) std::cout << "  Target backup: " << target_backup.string() << "\n";
  std::cout << "  Rewritten OpenClaw base URL: " << *base_url << "\n  Imported models: ";
  for (size_t i = 0; i < models->size(); ++i)
    std::cout << (i ? ", " : "") << (*models)[i].logical_name;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace

int RunConfigImport(const std::string& from, const std::string& source, const std::string& target,
                    bool force) {
  try {
    return Import(from, source, target, force);
  } catch (const ImportError& e) {
    std::cerr << "ERROR - " << e.message << "\n";
    return kExitError;
  }
}

}  // namespace vsr::cli
