// Role bindings (upstream authz_classifier.go): the user id and groups come from the identity
// headers (global.services.authz.identity); every binding with a matching User or Group
// subject contributes its role. No user id with bindings configured is an error (upstream:
// "no silent bypass"), unless authz.fail_open is set.
#include <set>

#include "common/strings.h"
#include "signals/families.h"

namespace vsr::signals {
namespace {

class AuthzSignal final : public Signal {
 public:
  AuthzSignal(std::vector<config::RoleBinding> bindings, config::Authz authz)
      : bindings_(std::move(bindings)), authz_(std::move(authz)) {}
  Family family() const override { return Family::kAuthz; }
  std::vector<std::string> RuleNames() const override {
    std::vector<std::string> names;
    for (const auto& b : bindings_) names.push_back(b.role.empty() ? b.name : b.role);
    return names;
  }
  void Evaluate(const request::Request& request, SignalOutput& out) const override {
    out.confidence = 1.0;
    if (bindings_.empty()) return;
    const std::string user = request.ConfiguredHeader(authz_.identity.user_id_header);
    const std::vector<std::string> groups =
        SplitList(request.ConfiguredHeader(authz_.identity.user_groups_header));
    if (user.empty()) {
      if (!authz_.fail_open) {
        out.error = "authz signal: user identity header is empty but " +
                    std::to_string(bindings_.size()) +
                    " role_bindings are configured — ensure your auth backend injects the user "
                    "identity header (check authz.identity.user_id_header config); refusing to "
                    "evaluate without user identity (no silent bypass allowed)";
      }
      return;
    }
    std::set<std::string> seen;
    for (const config::RoleBinding& b : bindings_) {
      bool matched = false;
      for (const config::Subject& s : b.subjects) {
        const std::string kind = ToLower(Trim(s.kind));
        const std::string name(Trim(s.name));
        if (kind == "user") matched = matched || name == user;
        if (kind == "group") {
          for (const std::string& g : groups) matched = matched || name == g;
        }
      }
      if (matched && seen.insert(b.role).second) out.matched.push_back(b.role);
    }
  }

 private:
  std::vector<config::RoleBinding> bindings_;
  config::Authz authz_;
};

}  // namespace

std::unique_ptr<Signal> MakeAuthzSignal(const config::Config& c, std::string&) {
  return std::make_unique<AuthzSignal>(c.routing.signals.role_bindings, c.global.services.authz);
}

}  // namespace vsr::signals
