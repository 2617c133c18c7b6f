#include "string_registry.h"


namespace tswap::profiler::detail {

StringRegistry& StringRegistry::get() {
  // Leaked on purpose: components intern names during static destruction.
  static auto* r = new StringRegistry();
  return *r;
}

std::uint32_t StringRegistry::intern(trace::StringKind kind, std::string_view text,
                                     std::uint32_t max_id) {
  const auto k = static_cast<std::size_t>(kind);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = ids_[k].try_emplace(std::string(text), next_[k]);
  if (inserted) {
    if (next_[k] >= max_id) {
      // The last id is shared by every name past the others (defined once).
      it->second = max_id;
      if (next_[k] == max_id) defs_.push_back(StringDef{kind, next_[k]++, kOverflowName});
      return max_id;
    }
    defs_.push_back(StringDef{kind, next_[k]++, std::string(text)});
  }
  return it->second;
}

std::uint32_t StringRegistry::add_thread(std::string_view name) {
  constexpr auto k = static_cast<std::size_t>(trace::StringKind::thread);
  std::lock_guard<std::mutex> lock(mu_);
  const std::uint32_t id = next_[k]++;
  defs_.push_back(StringDef{trace::StringKind::thread, id, std::string(name)});
  return id;
}

std::vector<StringDef> StringRegistry::since(std::size_t& cursor) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StringDef> out(defs_.begin() + static_cast<std::ptrdiff_t>(cursor), defs_.end());
  cursor = defs_.size();
  return out;
}

std::string StringRegistry::name(trace::StringKind kind, std::uint32_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const StringDef& d : defs_) {
    if (d.kind == kind && d.id == id) return d.text;
  }
  return {};
}

}  // namespace tswap::profiler::detail
