// Composing config fragments onto a base config, the way upstream's config/ catalog is used:
// a fragment adds entries or replaces entries of the same name.
#pragma once

#include "config/yaml_tree.h"

namespace vsr::config {

// Deep-merges `overlay` into `base`: maps merge key by key; lists whose items all carry a
// `name` merge by name (same name replaces, new names append); any other value replaces.
void MergeYaml(YamlNode& base, const YamlNode& overlay);

// Applies one fragment from the catalog onto `base` (a full canonical config):
//  - a fragment with routing:/providers:/global:/listeners: is deep-merged (MergeYaml);
//  - algorithm: {...} becomes the algorithm of the first decision;
//  - plugins: [...] or plugin: {...} are added to the first decision, replacing a plugin of
//    the same type.
// Returns false when the fragment has none of these shapes.
bool ApplyFragment(YamlNode& base, const YamlNode& fragment);

}  // namespace vsr::config
