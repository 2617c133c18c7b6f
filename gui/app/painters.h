#pragma once

// Drawing the timeline and the memory curves with a QPainter: the same code
// paints the widgets, PNG and SVG exports and headless screenshots.

#include <QPainter>
#include <QPointF>
#include <QSize>

#include <optional>

#include "theme.h"
#include "view_state.h"

namespace tswap::viewer {

/// Geometry shared by painting and hit testing. Both views put their plot
/// kHeader pixels from the left, so their time axes line up.
struct Layout {
  static constexpr int kHeader = 190;  // lane names / y axis
  static constexpr int kRuler = 26;    // time axis on top
  static constexpr int kRow = 22;      // one lane
  static int plot_width(int widget_width) { return std::max(1, widget_width - kHeader); }
  static int timeline_height(std::size_t lanes) { return kRuler + static_cast<int>(lanes) * kRow; }
  /// The lane at height y, or -1.
  static int lane_at(double y, std::size_t lanes);
};

/// The most memory areas stacked in one frame; the rest share one band
/// (MemoryModel::stacked()), and the legend names those drawn.
inline constexpr std::size_t kMostAreas = 256;

/// The log's layer colours (an empty palette, all grey, before they are built).
const LayerPalette& palette_of(const LoadedLog& log);

/// Rank `i`'s colour (its position in RankSet): hues a golden angle apart.
QColor rank_colour(const Theme& t, std::size_t i);

void paint_timeline(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view,
                    const Theme& theme);
void paint_memory(QPainter& p, QSize size, const LoadedLog& log, const ViewState& view,
                  const Theme& theme);

/// What is under a point of the timeline: one span, or how many spans are
/// merged into the bar there (then zooming in separates them).
struct Hit {
  std::optional<SpanRef> span;
  std::uint32_t merged = 0;
  int lane = -1;
};
Hit hit_test(const LoadedLog& log, const ViewState& view, QPointF point);

/// A span's tooltip: describe()'s line, a capture's memcpy or kernel; for a
/// logged copy the join matched, its memcpy and both durations too.
std::string tooltip(const LoadedLog& log, const SpanRef& ref);

}  // namespace tswap::viewer
