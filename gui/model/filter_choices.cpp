#include "filter_choices.h"

#include <algorithm>
#include <set>

namespace tswap::viewer {

FilterChoices FilterChoices::build(const trace::Trace& trace) {
  FilterChoices c;
  for (const auto& [id, name] : trace.tags()) c.tags.push_back(name);
  std::sort(c.tags.begin(), c.tags.end());
  c.tags.erase(std::unique(c.tags.begin(), c.tags.end()), c.tags.end());
  // Layers are 16 bits: a bitmap of them is 8 KiB whatever the log holds.
  std::vector<bool> layer_seen(std::size_t{1} << 16);
  // Steps change rarely from one event to the next: the set sees each run once.
  std::set<std::uint32_t> steps;
  bool any = false;
  std::uint32_t last_step = 0;
  for (const trace::Event& e : trace.events()) {
    if (!any || e.step != last_step) steps.insert(e.step);
    any = true;
    last_step = e.step;
    if (e.tag != 0 && e.event_kind() != trace::EventKind::step_begin) layer_seen[e.layer] = true;
  }
  for (std::uint32_t l = 0; l < layer_seen.size(); ++l) {
    if (layer_seen[l]) c.layers.push_back(l);
  }
  c.steps.assign(steps.begin(), steps.end());
  return c;
}

}  // namespace tswap::viewer
