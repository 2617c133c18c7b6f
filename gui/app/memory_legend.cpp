#include "memory_legend.h"

#include <QObject>

#include "painters.h"

namespace tswap::viewer {
namespace {

constexpr int kRowHeight = 16;
constexpr int kMark = 14;     // swatch or line, before the text
constexpr int kGap = 12;      // between entries
constexpr int kGroupGap = 22; // between one tag's entries and the next
constexpr int kMostRows = 4;  // of series entries; more are counted in "... and N more"

/// Entries of one group, unplaced.
using Group = std::vector<LegendEntry>;

/// The series' groups (the areas drawn, MemoryModel::stacked()); then, when
/// some are not drawn, one entry for them; then the total and the curve
/// without swapping (and the allocator's curves, when sampled).
std::vector<Group> groups(const LoadedLog& log, const ViewState& view, const Theme& t) {
  if (const RankedRun* ranks = log.ranks.get()) {
    // Several ranks: a line per rank, and the maximum over them (ranks.h).
    Group g;
    for (std::size_t i = 0; i < ranks->memory.labels.size(); ++i)
      g.push_back({QString::fromStdString(ranks->memory.labels[i]), rank_colour(t, i), LegendEntry::Mark::line, {}, -1});
    g.push_back({QObject::tr("max over ranks"), t.text,
                 view.memory_small_multiples ? LegendEntry::Mark::dashed : LegendEntry::Mark::line, {}, -1});
    return {std::move(g)};
  }
  const MemoryModel& mem = *log.memory;
  const std::vector<std::size_t> drawn = mem.stacked(view.memory_by_tag, kMostAreas);
  std::vector<Group> out;
  if (view.memory_by_tag) {
    Group tags;
    for (const std::size_t i : drawn) {
      tags.push_back({QString::fromStdString(mem.tag_labels[i]), t.tag(palette_of(log), mem.tag_ids[i]),
                      LegendEntry::Mark::swatch, {}, static_cast<int>(i)});
    }
    if (!tags.empty()) out.push_back(std::move(tags));
  } else {
    // The labels are sorted by tag then layer: a group per run of one tag.
    std::uint16_t tag = 0;
    for (const std::size_t i : drawn) {
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
  const std::size_t all = view.memory_by_tag ? mem.tags.size() : mem.layers.size();
  Group rest;
  if (drawn.size() < all) {
    rest.push_back({QObject::tr("the other %1 %2")
                        .arg(all - drawn.size())
                        .arg(view.memory_by_tag ? QObject::tr("tags") : QObject::tr("layers")),
                    t.grid, LegendEntry::Mark::swatch, {}, -1});
  }
  rest.push_back({"total", t.text, LegendEntry::Mark::line, {}, -1});
  rest.push_back({"without swapping", t.grid.lighter(t.dark ? 160 : 90), LegendEntry::Mark::dashed, {}, -1});
  // The allocator's own view of the device (format version 2, CUDA builds).
  if (mem.device_allocated.points() > 0) {
    rest.push_back({QObject::tr("allocated (device)"), t.allocated, LegendEntry::Mark::line, {}, -1});
  }
  if (mem.device_reserved.points() > 0) {
    rest.push_back({QObject::tr("reserved (device)"), t.reserved, LegendEntry::Mark::dotted, {}, -1});
  }
  // A compared log's curves, named by its file (comparison.h).
  if (const ComparedLog* b = log.compared.get()) {
    rest.push_back({QObject::tr("B: %1 (steps aligned)").arg(QString::fromStdString(b->name)), t.compared,
                    LegendEntry::Mark::line, {}, -1});
    rest.push_back({QObject::tr("B without swapping"), t.compared, LegendEntry::Mark::dashed, {}, -1});
    if (!b->device_allocated.empty()) {
      rest.push_back({QObject::tr("B allocated (device)"), t.compared, LegendEntry::Mark::dotted, {}, -1});
    }
  }
  if (view.predicted) {
    rest.push_back({QObject::tr("predicted: %1").arg(QString::fromStdString(trace::describe(view.predicted->plan))),
                    t.predicted, LegendEntry::Mark::dash_dot, {}, -1});
  }
  out.push_back(std::move(rest));
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
  std::vector<Group> all = groups(log, view, theme);
  const Group last = std::move(all.back());  // "N more", total, without swapping: always shown
  all.pop_back();
  // Every series entry while they fit in kMostRows rows; then "... and N
  // more" (65,535 tags would fill the window with rows).
  std::size_t left_out = 0;
  auto place = [&](const LegendEntry& e) {
    const int w = entry_width(fm, e);
    if (x > left && x + w > right) new_row();
    LegendEntry placed = e;
    placed.rect = QRect(x, y, w, kRowHeight - 4);
    legend.entries.push_back(placed);
    x += w + kGap;
  };
  for (const Group& g : all) {
    if (left_out > 0) {
      for (const LegendEntry& e : g) left_out += e.series >= 0;
      continue;
    }
    // A group starts a row of its own when it would fit there but not here.
    const int gw = group_width(fm, g);
    if (x > left && x + gw > right && left + gw <= right) {
      if (legend.rows == kMostRows) {
        for (const LegendEntry& e : g) left_out += e.series >= 0;
        continue;
      }
      new_row();
    }
    for (const LegendEntry& e : g) {
      if (left_out > 0 || (legend.rows == kMostRows && x > left && x + entry_width(fm, e) > right)) {
        left_out += e.series >= 0;
        continue;
      }
      place(e);
    }
    x += kGroupGap - kGap;
  }
  if (left_out > 0) {
    if (!legend.entries.empty() && legend.entries.back().series < 0) {
      legend.entries.pop_back();  // a tag's name with none of its layers after it
    }
    place({QObject::tr("... and %1 more").arg(left_out), theme.text, LegendEntry::Mark::none, {}, -1});
  }
  for (const LegendEntry& e : last) place(e);
  legend.bottom = y + kRowHeight;
  return legend;
}

}  // namespace tswap::viewer
