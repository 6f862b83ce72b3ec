#include "plugins/memory_store.h"

#include <algorithm>
#include <chrono>

namespace vsr::plugins {
namespace {

bool OfType(const Memory& m, const std::vector<std::string>& types) {
  return types.empty() || std::find(types.begin(), types.end(), m.type) != types.end();
}

double Dot(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
  }
  return dot;
}

}  // namespace

MemoryStore::MemoryStore(size_t max_per_user, size_t max_users)
    : max_per_user_(std::max<size_t>(1, max_per_user)),
      max_users_(std::max<size_t>(1, max_users)) {}

void MemoryStore::Store(Memory m) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  std::lock_guard lock(mu_);
  if (m.id.empty()) {
    m.id = "mem_" +
           std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()) + "_" +
           std::to_string(next_id_++);
  }
  if (m.created_unix == 0) {
    m.created_unix = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  }
  Keep(by_user_, std::move(m), &hooks_);
}

void MemoryStore::Keep(std::map<std::string, std::vector<Memory>>& by_user, Memory m,
                       const Hooks* hooks) const {
  auto it = by_user.find(m.user_id);
  if (it == by_user.end()) {
    if (by_user.size() >= max_users_) return;  // bounded: new users wait for space
    it = by_user.emplace(m.user_id, std::vector<Memory>{}).first;
  }
  std::vector<Memory>& list = it->second;
  if (list.size() >= max_per_user_) {
    if (hooks != nullptr && hooks->erased) hooks->erased(list.front().id);
    list.erase(list.begin());
  }
  if (hooks != nullptr && hooks->stored) hooks->stored(m);
  list.push_back(std::move(m));
}

void MemoryStore::Erased(const Memory& m) {
  if (hooks_.erased) hooks_.erased(m.id);
}

void MemoryStore::SetHooks(Hooks hooks) {
  std::lock_guard lock(mu_);
  hooks_ = std::move(hooks);
}

void MemoryStore::Replace(std::vector<Memory> all) {
  std::stable_sort(all.begin(), all.end(), [](const Memory& a, const Memory& b) {
    return a.created_unix < b.created_unix;  // oldest first, as Store keeps them
  });
  std::map<std::string, std::vector<Memory>> by_user;
  for (Memory& m : all) Keep(by_user, std::move(m), nullptr);
  std::lock_guard lock(mu_);
  by_user_ = std::move(by_user);
}

std::vector<MemoryHit> MemoryStore::Search(const std::string& user, const std::vector<float>& query,
                                           double threshold, size_t limit) {
  std::lock_guard lock(mu_);
  auto it = by_user_.find(user);
  if (it == by_user_.end() || query.empty()) return {};
  std::vector<std::pair<double, Memory*>> scored;
  for (Memory& m : it->second) {
    const double s = Dot(query, m.embedding);
    if (s >= threshold) scored.emplace_back(s, &m);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (scored.size() > limit) scored.resize(limit);
  std::vector<MemoryHit> out;
  for (auto& [score, m] : scored) {
    ++m->access_count;
    out.push_back({*m, score});
  }
  return out;
}

MemoryStore::ListResult MemoryStore::List(const std::string& user,
                                          const std::vector<std::string>& types,
                                          size_t limit) const {
  std::lock_guard lock(mu_);
  ListResult r;
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return r;
  for (auto m = it->second.rbegin(); m != it->second.rend(); ++m) {
    if (!OfType(*m, types)) continue;
    ++r.total;
    if (r.memories.size() < limit) r.memories.push_back(*m);
  }
  return r;
}

std::optional<Memory> MemoryStore::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  for (const auto& [user, list] : by_user_) {
    for (const Memory& m : list) {
      if (m.id == id) return m;
    }
  }
  return std::nullopt;
}

bool MemoryStore::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto& [user, list] : by_user_) {
    const auto n = std::erase_if(list, [&id](const Memory& m) { return m.id == id; });
    if (n > 0) {
      if (hooks_.erased) hooks_.erased(id);
      return true;
    }
  }
  return false;
}

size_t MemoryStore::ForgetAll(const std::string& user, const std::vector<std::string>& types) {
  std::lock_guard lock(mu_);
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return 0;
  const size_t n = std::erase_if(it->second, [this, &types](const Memory& m) {
    if (!OfType(m, types)) return false;
    Erased(m);
    return true;
  });
  if (it->second.empty()) by_user_.erase(it);
  return n;
}

size_t MemoryStore::size() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [user, list] : by_user_) n += list.size();
  return n;
}

}  // namespace vsr::plugins
