// Upstream's label mapping files, which name a classifier's classes when its config.json does
// not (category_mapping.json: idx_to_category; pii/jailbreak/feedback mappings: idx_to_label
// or id_to_label). The labels a classifier-backed signal reads: the mapping file's when one is
// configured and present, else the model's own id2label.
#pragma once

#include <string>
#include <vector>

namespace vsr::signals {

// Labels by class index from the mapping file at `path`; false with `error` when it is
// unreadable or maps nothing.
bool LoadLabelMapping(const std::string& path, std::vector<std::string>& labels,
                      std::string& error);

// `model_labels`, or the mapping file's when `mapping_path` names an existing file (which must
// have as many classes as the model). False with `error` on a bad mapping file.
bool ResolveLabels(const std::vector<std::string>& model_labels, const std::string& mapping_path,
                   std::vector<std::string>& labels, std::string& error);

}  // namespace vsr::signals
