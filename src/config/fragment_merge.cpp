// MergeYaml / ApplyFragment.
#include "config/fragment_merge.h"

namespace vsr::config {
namespace {

const std::string* NameOf(const YamlNode& item) {
  if (!item.IsMap()) return nullptr;
  const YamlNode* name = item.Find("name");
  return name != nullptr && name->IsScalar() ? &name->scalar : nullptr;
}

bool AllNamed(const YamlNode& seq) {
  for (const YamlNode& item : seq.items) {
    if (NameOf(item) == nullptr) return false;
  }
  return !seq.items.empty();
}

void MergeNamedList(YamlNode& base, const YamlNode& overlay) {
  for (const YamlNode& item : overlay.items) {
    bool replaced = false;
    const std::string* name = NameOf(item);
    for (YamlNode& existing : base.items) {
      const std::string* existing_name = NameOf(existing);
      if (name != nullptr && existing_name != nullptr && *existing_name == *name) {
        existing = item;
        replaced = true;
        break;
      }
    }
    if (!replaced) base.items.push_back(item);
  }
}

void AddPlugin(YamlNode& plugins, const YamlNode& plugin) {
  const YamlNode* type = plugin.Find("type");
  for (YamlNode& existing : plugins.items) {
    const YamlNode* existing_type = existing.Find("type");
    if (type && existing_type && type->scalar == existing_type->scalar) {
      existing = plugin;
      return;
    }
  }
  plugins.items.push_back(plugin);
}

YamlNode* FirstDecision(YamlNode& base) {
  YamlNode* routing = base.Find("routing");
  YamlNode* decisions = routing ? routing->Find("decisions") : nullptr;
  if (decisions == nullptr || !decisions->IsSequence() || decisions->items.empty()) return nullptr;
  return &decisions->items.front();
}

}  // namespace

void MergeYaml(YamlNode& base, const YamlNode& overlay) {
  if (base.IsMap() && overlay.IsMap()) {
    for (const YamlEntry& e : overlay.entries) {
      YamlNode* existing = base.Find(e.key);
      if (existing == nullptr) {
        base.entries.push_back(e);
      } else {
        MergeYaml(*existing, e.value);
      }
    }
    return;
  }
  if (base.IsSequence() && overlay.IsSequence() && AllNamed(base) && AllNamed(overlay)) {
    MergeNamedList(base, overlay);
    return;
  }
  base = overlay;
}

bool ApplyFragment(YamlNode& base, const YamlNode& fragment) {
  if (!fragment.IsMap()) return false;
  bool applied = false;
  for (const YamlEntry& e : fragment.entries) {
    if (e.key == "routing" || e.key == "providers" || e.key == "global" || e.key == "listeners") {
      MergeYaml(base.GetOrAdd(e.key), e.value);
      applied = true;
    } else if (e.key == "algorithm") {
      if (YamlNode* decision = FirstDecision(base)) {
        decision->GetOrAdd("algorithm") = e.value;
        applied = true;
      }
    } else if (e.key == "plugins" || e.key == "plugin") {
      YamlNode* decision = FirstDecision(base);
      if (decision == nullptr) continue;
      YamlNode& plugins = decision->GetOrAdd("plugins");
      if (plugins.IsNull()) plugins = YamlNode::Sequence();
      if (e.value.IsSequence()) {
        for (const YamlNode& p : e.value.items) AddPlugin(plugins, p);
      } else {
        AddPlugin(plugins, e.value);
      }
      applied = true;
    }
  }
  return applied;
}

}  // namespace vsr::config
