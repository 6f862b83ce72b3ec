// The one place that turns a config into the set of signals a router evaluates.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "ml/model_store.h"
#include "signals/signal.h"

namespace vsr::signals {

class SignalSet {
 public:
  // Builds one Signal per family that has rules in `c`. Problems land in `errors`. Learned
  // families load their models through `models`; without a store, or when a model cannot be
  // loaded, the family is a placeholder that says why it cannot run.
  static SignalSet Build(const config::Config& c, std::vector<std::string>& errors,
                         ml::ModelStore* models = nullptr);

  const Signal* Get(Family f) const { return by_family_[static_cast<size_t>(f)].get(); }
  // Families with rules, in family order.
  std::vector<const Signal*> All() const;
  // Puts `signal` in place of its family's current one (a loaded model replacing the
  // "model not loaded" placeholder; tests injecting slow or failing signals).
  void Replace(std::shared_ptr<const Signal> signal);

 private:
  std::array<std::shared_ptr<const Signal>, kFamilyCount> by_family_{};
};

}  // namespace vsr::signals
