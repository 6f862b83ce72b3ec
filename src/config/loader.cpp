// LoadConfigFile / LoadConfigTree: the one way a config becomes a typed, validated Config.
#include "config/loader.h"

#include <filesystem>

#include "common/strings.h"
#include "config/decode_fields.h"
#include "config/legacy_layout.h"
#include "config/validate.h"

namespace vsr::config {

void DecodeFields(MapReader& r, Config& v) {
  // A missing version is reported by Required(); a wrong one here.
  if (r.Required("version", v.version) && v.version != kCanonicalVersion) {
    r.ctx().Error("version", "unsupported version '" + v.version + "'",
                  std::string("write 'version: ") + kCanonicalVersion +
                      "', or run 'vllm-sr config migrate --config <file>' for older files");
  }
  r.Optional("listeners", v.listeners);
  r.Optional("providers", v.providers);
  r.Optional("routing", v.routing);
  r.Optional("global", v.global);
  if (const YamlNode* setup = r.Raw("setup")) v.setup = *setup;
  r.Optional("mom_registry", v.mom_registry);
}

namespace {

// Files in the old flat layout or with removed fields get one clear error pointing at migrate.
bool RejectLegacyLayout(const YamlNode& root, DecodeContext& ctx) {
  std::vector<std::string> legacy = LegacyTopLevelKeys(root);
  const std::vector<std::string> deprecated = DeprecatedFields(root);
  if (legacy.empty() && deprecated.empty()) return false;
  const std::string file = root.mark.file ? *root.mark.file : "config.yaml";
  std::vector<std::string> all = legacy;
  all.insert(all.end(), deprecated.begin(), deprecated.end());
  const std::string first = legacy.empty() ? deprecated.front() : legacy.front();
  ctx.Error(first, "deprecated config fields are no longer supported: " + QuotedList(all),
            "run 'vllm-sr config migrate --config " + file +
                "' or rewrite the file to the canonical v0.3 "
                "version/listeners/providers/routing/global layout");
  return true;
}

}  // namespace

LoadResult LoadConfigTree(YamlNode tree) {
  LoadResult result;
  DecodeContext ctx(result.diags);
  if (tree.IsNull()) {
    result.diags.Error(tree.mark, "", "configuration file is empty",
                       "start from config/config.yaml in the vllm-sr repository");
  } else if (!tree.IsMap()) {
    ctx.Remember("", tree.mark);
    ctx.Error("", "the top level must be a mapping",
              "write version:, listeners:, providers:, routing: and global: keys");
  } else {
    ctx.Remember("", tree.mark);
    for (const YamlEntry& e : tree.entries) ctx.Remember(e.key, e.key_mark);
    if (!RejectLegacyLayout(tree, ctx)) {
      Decode(tree, "", ctx, result.config);
      // Semantic checks need trustworthy types; skip them when decoding already failed badly.
      ValidateConfig(result.config, ctx);
    }
  }
  result.tree = std::move(tree);
  result.diags.SortByPosition();
  return result;
}

LoadResult LoadConfigFile(const std::string& path, const YamlLimits& limits) {
  Diagnostics parse_diags;
  std::optional<YamlNode> tree = ParseYamlFile(path, parse_diags, limits);
  if (!tree) {
    LoadResult result;
    result.diags = std::move(parse_diags);
    return result;
  }
  LoadResult result = LoadConfigTree(std::move(*tree));
  result.config.source_dir = std::filesystem::path(path).parent_path().string();
  for (const Diagnostic& d : parse_diags.items()) result.diags.Add(d);
  result.diags.SortByPosition();
  return result;
}

}  // namespace vsr::config
