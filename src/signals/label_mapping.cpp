#include "signals/label_mapping.h"

#include <boost/json.hpp>
#include <filesystem>

#include "common/files.h"
#include "ml/model_config.h"

namespace vsr::signals {

namespace json = boost::json;

bool LoadLabelMapping(const std::string& path, std::vector<std::string>& labels,
                      std::string& error) {
  std::string read_error;
  const std::optional<std::string> text = ReadTextFile(path, read_error, 16 * 1024 * 1024);
  if (!text) {
    error = path + ": cannot read the label mapping file (" + read_error + ")";
    return false;
  }
  boost::system::error_code ec;
  const json::value v = json::parse(*text, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr) {
    error = path + ": not a JSON object";
    return false;
  }
  const json::value* map = nullptr;
  for (const char* key : {"idx_to_category", "idx_to_label", "id_to_label"}) {
    if (const json::value* m = o->if_contains(key);
        m != nullptr && m->is_object() && !m->as_object().empty()) {
      map = m;
      break;
    }
  }
  if (map == nullptr) {
    error = path + ": has no idx_to_category, idx_to_label or id_to_label map";
    return false;
  }
  std::string bad_key;
  if (!ml::ParseIndexedLabels(map->as_object(), labels, bad_key)) {
    error = path + ": '" + bad_key + "' is not a class index with a label name";
    return false;
  }
  return true;
}

bool ResolveLabels(const std::vector<std::string>& model_labels, const std::string& mapping_path,
                   std::vector<std::string>& labels, std::string& error) {
  std::error_code ec;
  if (mapping_path.empty() || !std::filesystem::exists(mapping_path, ec)) {
    labels = model_labels;
    return true;
  }
  if (!LoadLabelMapping(mapping_path, labels, error)) return false;
  if (labels.size() != model_labels.size()) {
    error = mapping_path + ": maps " + std::to_string(labels.size()) + " classes, the model has " +
            std::to_string(model_labels.size());
    return false;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) labels[i] = model_labels[i];
  }
  return true;
}

}  // namespace vsr::signals
