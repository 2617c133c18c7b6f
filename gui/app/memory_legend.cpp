#include "memory_legend.h"

#include "painters.h"

namespace tswap::viewer {
namespace {

constexpr int kRowHeight = 16;
constexpr int kMark = 14;     // swatch or line, before the text
constexpr int kGap = 12;      // between entries
constexpr int kGroupGap = 22; // between one tag's entries and the next

/// Entries of one group, unplaced.
using Group = std::vector<LegendEntry>;

std::vector<Group> groups(const LoadedLog& log, const ViewState& view, const Theme& t) {
  const MemoryModel& mem = *log.memory;
  std::vector<Group> out;
  if (view.memory_by_tag) {
    Group tags;
    for (std::size_t i = 0; i < mem.tag_labels.size(); ++i) {
      tags.push_back({QString::fromStdString(mem.tag_labels[i]), t.tag(palette_of(log), mem.tag_ids[i]),
                      LegendEntry::Mark::swatch, {}, static_cast<int>(i)});
    }
    if (!tags.empty()) out.push_back(std::move(tags));
  } else {
    // The labels are sorted by tag then layer: a group per run of one tag.
    std::uint16_t tag = 0;
    for (std::size_t i = 0; i < mem.layer_keys.size(); ++i) {
      const MemoryModel::LayerKey& k = mem.layer_keys[i];
      if (out.empty() || k.tag != tag) {
        tag = k.tag;
        const std::string& label = mem.labels[i];
        out.push_back({{QString::fromStdString(label.substr(0, label.rfind(" L"))), t.text,
                        LegendEntry::Mark::none, {}, -1}});
      }
      out.back().push_back({QString("L%1").arg(k.layer), t.layer(palette_of(log), k.tag, k.layer),
                            LegendEntry::Mark::swatch, {}, static_cast<int>(i)});
    }
  }
  out.push_back({{"total", t.text, LegendEntry::Mark::line, {}, -1},
                 {"without swapping", t.grid.lighter(t.dark ? 160 : 90), LegendEntry::Mark::dashed, {}, -1}});
  return out;
}

int entry_width(const QFontMetrics& fm, const LegendEntry& e) {
  return fm.horizontalAdvance(e.text) + (e.mark == LegendEntry::Mark::none ? 0 : kMark + 4);
}

int group_width(const QFontMetrics& fm, const Group& g) {
  int w = 0;
  for (const LegendEntry& e : g) w += entry_width(fm, e) + kGap;
  return w - kGap;
}

}  // namespace

Legend memory_legend(const QFontMetrics& fm, int width, int top, const LoadedLog& log,
                     const ViewState& view, const Theme& theme) {
  Legend legend;
  const int left = Layout::kHeader + 8, right = width - 10;
  int x = left, y = top;
  legend.rows = 1;
  auto new_row = [&] {
    x = left;
    y += kRowHeight;
    ++legend.rows;
  };
  for (const Group& g : groups(log, view, theme)) {
    // A group starts a row of its own when it would fit there but not here.
    if (x > left && x + group_width(fm, g) > right && left + group_width(fm, g) <= right) new_row();
    for (const LegendEntry& e : g) {
      const int w = entry_width(fm, e);
      if (x > left && x + w > right) new_row();
      LegendEntry placed = e;
      placed.rect = QRect(x, y, w, kRowHeight - 4);
      legend.entries.push_back(placed);
      x += w + kGap;
    }
    x += kGroupGap - kGap;
  }
  legend.bottom = y + kRowHeight;
  return legend;
}

}  // namespace tswap::viewer
